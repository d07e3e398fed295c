"""SmartShip: the logistics site that signs QSM sellers up through QSM's OpenID Connect."""
from flask import Flask

import siteops
from config import ROOT, instance_folder, load
from siteops.i18n import init_i18n


def create_app(config=None, test_config=None, environ=None):
    """SmartShip's app, its settings read now (config.py): ``config`` names the environment (else
    ``SMARTSHIP_ENV``), ``environ`` holds the variables (else ``os.environ``), ``test_config`` wins."""
    settings = load("smartship", config, environ, test_config)
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_path=str(instance_folder(environ)))
    app.config.from_mapping(settings)

    from .extensions import csrf, db, limiter, login_manager, migrate

    init_i18n(app, ROOT / "clients" / "smartship" / "translations", ROOT)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations" / "smartship"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from . import web

    web.init_app(app)
    siteops.init_app(app, db, unavailable_template="smartship/unavailable.html")

    from .routes.account import bp as account_bp
    from .routes.backchannel import bp as backchannel_bp
    from .routes.fulfillment import bp as fulfillment_bp
    from .routes.legal import bp as legal_bp
    from .routes.orders import bp as orders_bp
    from .routes.signup import bp as signup_bp

    for blueprint in (account_bp, signup_bp, orders_bp, fulfillment_bp, backchannel_bp, legal_bp):
        app.register_blueprint(blueprint)

    from .cli import register_cli

    register_cli(app)
    return app
