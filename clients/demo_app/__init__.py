"""Parcel Pal: a small shipping-label tool, the demo third-party app that signs sellers in with QSM."""
from cryptography.fernet import Fernet
from flask import Flask

import siteops
from config import DEMO_APP_CONFIGS, INSTANCE, ROOT, check_production_secrets, load_config
from siteops.i18n import init_i18n


def create_demo_app(config=None, test_config=None):
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder="static", instance_path=str(INSTANCE))
    config_class = config if isinstance(config, type) else load_config(DEMO_APP_CONFIGS, config, "DEMO_APP_ENV")
    app.config.from_object(config_class)
    if test_config:
        app.config.update(test_config)
    if app.config.get("PRODUCTION"):
        check_production_secrets(app, ("SECRET_KEY", "CLIENT_SECRET", "TOKEN_ENCRYPTION_KEYS"))

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
