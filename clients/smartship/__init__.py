"""SmartShip: the logistics site that signs QSM sellers up through QSM's OpenID Connect."""
from flask import Flask

import siteops
from config import ROOT, SMARTSHIP_CONFIGS, check_production_secrets, load_config
from siteops.i18n import init_i18n


def create_app(config=None, test_config=None):
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(ROOT / "instance"),
    )
    config_class = config if isinstance(config, type) else load_config(SMARTSHIP_CONFIGS, config, "SMARTSHIP_ENV")
    app.config.from_object(config_class)
    if test_config:
        app.config.update(test_config)
    if app.config.get("PRODUCTION"):
        check_production_secrets(app, ("SECRET_KEY", "TOKEN_ENCRYPTION_KEYS"))

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
