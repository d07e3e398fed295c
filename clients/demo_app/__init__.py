"""Parcel Pal: a small shipping-label tool, the demo third-party app that signs sellers in with QSM."""
from cryptography.fernet import Fernet
from flask import Flask

import siteops
from config import ROOT, instance_folder, load
from siteops.i18n import init_i18n


def create_demo_app(config=None, test_config=None, environ=None):
    """Parcel Pal's app, its settings read now (config.py): ``config`` names the environment (else
    ``DEMO_APP_ENV``), ``environ`` holds the variables (else ``os.environ``), ``test_config`` wins."""
    settings = load("demo_app", config, environ, test_config)
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_path=str(instance_folder(environ)))
    app.config.from_mapping(settings)

    from .extensions import csrf, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations" / "demo_app"))
    csrf.init_app(app)
    init_i18n(app, ROOT / "clients" / "demo_app" / "translations", ROOT)

    from . import web

    web.init_app(app)
    siteops.init_app(app, db, json_prefixes=("/backchannel-logout",), unavailable_template="demo_app/unavailable.html")
    if not app.config["TOKEN_ENCRYPTION_KEYS"]:
        # Development without a configured key: one for this process only, so sessions do not
        # survive a restart (or reach another process), but a plain `flask run` works.
        app.config["TOKEN_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
        app.logger.warning("DEMO_APP_TOKEN_ENCRYPTION_KEYS is not set: using a key for this process only")

    from .routes.backchannel import bp as backchannel_bp
    from .routes.site import bp as site_bp

    app.register_blueprint(site_bp)
    app.register_blueprint(backchannel_bp)
    return app
