"""QSM: the seller portal and OpenID Connect provider."""
import base64
import hashlib

from cryptography.fernet import Fernet
from flask import Flask

import siteops
from config import ROOT, instance_folder, load
from siteops.i18n import init_i18n
from websafety.vault import parse_keys


def check_key_encryption_keys(app):
    """The keys that encrypt the signing keys at rest: refused unless each is a Fernet key.
    Outside production, without any, one derived from the session secret, so a plain
    `flask run` works and its keys stay readable across restarts."""
    keys = parse_keys(app.config.get("KEY_ENCRYPTION_KEYS"))
    if not keys:
        if app.config.get("PRODUCTION"):
            raise RuntimeError("QSM_KEY_ENCRYPTION_KEYS must be set in production")
        derived = hashlib.sha256(b"qsm signing key encryption:" + str(app.config["SECRET_KEY"]).encode()).digest()
        app.config["KEY_ENCRYPTION_KEYS"] = base64.urlsafe_b64encode(derived).decode()
        return
    for key in keys:
        try:
            Fernet(key.encode())
        except ValueError:
            raise RuntimeError(
                "QSM_KEY_ENCRYPTION_KEYS must be Fernet keys (Fernet.generate_key()), comma-separated"
            ) from None


def create_app(config=None, test_config=None, environ=None):
    """QSM's app, its settings read now (config.py): ``config`` names the environment (else
    ``QSM_ENV``), ``environ`` holds the variables (else ``os.environ``), ``test_config`` wins."""
    settings = load("qsm", config, environ, test_config)
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_path=str(instance_folder(environ)))
    app.config.from_mapping(settings)
    check_key_encryption_keys(app)

    from .extensions import csrf, db, login_manager, migrate, throttle

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations" / "idp"))
    csrf.init_app(app)
    from .account.time_zone import seller_time_zone

    init_i18n(app, ROOT / "idp" / "translations", ROOT, time_zone=seller_time_zone)
    throttle.init_app(app)
    login_manager.init_app(app)

    from . import web

    web.init_app(app)
    from .oauth.documents import init_documents
    from .oauth.machine import init_machine_endpoints

    # Both inside siteops' middleware: logged, with a request ID.
    init_machine_endpoints(app)
    init_documents(app)
    siteops.init_app(app, db, json_prefixes=web.JSON_PREFIXES, unavailable_template="idp/unavailable.html")

    from .account.routes import bp as account_bp
    from .api.routes import bp as api_bp
    from .auth.routes import bp as auth_bp
    from .developer.routes import bp as developer_bp
    from .oauth import init_oauth
    from .oauth.routes import bp as oauth_bp
    from .passkeys.routes import bp as passkeys_bp
    from .portal.routes import bp as portal_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(oauth_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(developer_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(passkeys_bp)
    init_oauth(app)

    from .cli import register_cli

    register_cli(app)
    return app
