"""Settings for every site, one class per environment.

Every value can be overridden from the environment; each site reads its own prefix
(``QSM_`` for the identity provider). ``load_config(name)`` picks the class.
"""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = Path(os.environ.get("QSM_CONNECT_INSTANCE", ROOT / "instance"))

DEFAULT_SECRET = "dev-only-secret-do-not-use-in-production"


def env(name, default=None, cast=str):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if cast is bool:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return cast(value)


def sqlite_url(name):
    return f"sqlite:///{INSTANCE / name}"


def database_engine_options(url, prefix):
    """SQLALCHEMY_ENGINE_OPTIONS for a site whose database is ``url``: on PostgreSQL, the bounds
    that end every wait on the database within seconds (siteops/database.py; docs/deploy.md,
    "Timeouts"). Seconds, each from ``<prefix>_DB_...``; 0 turns one off. With the
    defaults a request waits at most 4 s on a frozen database (5 s if every pooled connection is
    busy), then answers 503."""
    from siteops.database import DatabaseBounds, engine_options

    bounds = DatabaseBounds(
        connect=env(f"{prefix}_DB_CONNECT_TIMEOUT", 2, float),  # whole seconds, at least 2 (libpq)
        statement=env(f"{prefix}_DB_STATEMENT_TIMEOUT", 1.5, float),  # the server cancels it
        lock=env(f"{prefix}_DB_LOCK_TIMEOUT", 1.0, float),
        idle_in_transaction=env(f"{prefix}_DB_IDLE_IN_TRANSACTION_TIMEOUT", 30.0, float),
        pool=env(f"{prefix}_DB_POOL_TIMEOUT", 1, int),  # waiting for a free pooled connection
        # The client gives up on a server that does not answer (default: statement + 0.5 s).
        response=env(f"{prefix}_DB_RESPONSE_TIMEOUT", None, float),
    )
    return engine_options(url, bounds)


class QSMConfig:
    """The QSM seller portal and authorization server."""

    SITE = "qsm"
    PRODUCTION = False
    SECRET_KEY = env("QSM_SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = env("QSM_DATABASE_URL", sqlite_url("qsm.db"))
    SQLALCHEMY_ENGINE_OPTIONS = database_engine_options(SQLALCHEMY_DATABASE_URI, "QSM")
    RATELIMIT_STORAGE_URI = env("QSM_REDIS_URL", "memory://")
    RATELIMIT_KEY_PREFIX = env("QSM_RATELIMIT_PREFIX", "qsm")

    # The issuer is the public base URL of this QSM; every endpoint in discovery hangs off it.
    TRUSTED_PROXY_HOPS = env("QSM_TRUSTED_PROXY_HOPS", 0, int)
    ISSUER = env("QSM_ISSUER", "http://127.0.0.1:5000").rstrip("/")
    PLATFORM_NAME = env("QSM_PLATFORM_NAME", "Qoo10")
    # The marketplace's time zone (IANA): pages show times in it until a seller chooses their own.
    TIME_ZONE = env("QSM_TIME_ZONE", "Asia/Singapore")
    # Passkeys (WebAuthn): the relying party ID and the origins a passkey ceremony may come from.
    # Empty: the issuer's host and origin; browsers refuse WebAuthn on an IP address, so an issuer
    # on 127.0.0.1 means "localhost" (the demo's passkeys work at http://localhost:5000).
    WEBAUTHN_RP_ID = env("QSM_WEBAUTHN_RP_ID", "")
    WEBAUTHN_ORIGINS = env("QSM_WEBAUTHN_ORIGINS", "")
    SMARTSHIP_SIGNUP_URL = env("QSM_SMARTSHIP_SIGNUP_URL", "http://127.0.0.1:5001/linked-signup/start")
    SMARTSHIP_LOGIN_URL = env("QSM_SMARTSHIP_LOGIN_URL", "http://127.0.0.1:5001/login/qsm")

    BCRYPT_ROUNDS = env("QSM_BCRYPT_ROUNDS", 12, int)
    # Fernet keys (comma-separated, newest first) that encrypt the ID token signing keys at rest.
    KEY_ENCRYPTION_KEYS = env("QSM_KEY_ENCRYPTION_KEYS", "")
    LOGIN_LIMIT_PER_ACCOUNT = env("QSM_LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = env("QSM_LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")

    AUTHORIZATION_CODE_TTL = env("QSM_AUTHORIZATION_CODE_TTL", 60, int)
    ACCESS_TOKEN_TTL = env("QSM_ACCESS_TOKEN_TTL", 3600, int)
    REFRESH_TOKEN_TTL = env("QSM_REFRESH_TOKEN_TTL", 30 * 24 * 3600, int)
    ID_TOKEN_TTL = env("QSM_ID_TOKEN_TTL", 3600, int)
    # How long a process trusts its cached view of the signing keys; bounds how soon a
    # rotation made elsewhere is used and published by every instance.
    SIGNING_KEY_CACHE_SECONDS = env("QSM_SIGNING_KEY_CACHE_SECONDS", 30, int)

    MAX_CONTENT_LENGTH = 64 * 1024
    # Cookies on one host are shared across ports: each QSM platform needs its own name.
    SESSION_COOKIE_NAME = env("QSM_SESSION_COOKIE_NAME", "qsm_session")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env("QSM_SESSION_COOKIE_SECURE", ISSUER.startswith("https://"), bool)
    PERMANENT_SESSION_LIFETIME_SECONDS = env("QSM_SESSION_LIFETIME", 12 * 3600, int)
    PERMANENT_SESSION_LIFETIME = PERMANENT_SESSION_LIFETIME_SECONDS
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    LOG_JSON = env("QSM_LOG_JSON", True, bool)
    LOG_REQUESTS = env("QSM_LOG_REQUESTS", True, bool)
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    TESTING = False
    DEBUG = False


class QSMDevelopmentConfig(QSMConfig):
    DEBUG = False


class QSMTestingConfig(QSMConfig):
    TESTING = True
    LOG_JSON = False
    LOG_REQUESTS = False
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = env("QSM_TEST_DATABASE_URL", "sqlite://")
    SQLALCHEMY_ENGINE_OPTIONS = database_engine_options(SQLALCHEMY_DATABASE_URI, "QSM")
    RATELIMIT_STORAGE_URI = env("QSM_TEST_REDIS_URL", "memory://")
    BCRYPT_ROUNDS = 4
    ISSUER = "http://qsm.test"
    KEY_ENCRYPTION_KEYS = "m4dJ0bqQ0VZ3tqk6qg3yH0nQyQJc1cXo3k9kq6xY7fU="


class QSMProductionConfig(QSMConfig):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = env("QSM_SESSION_COOKIE_SECURE", True, bool)


QSM_CONFIGS = {
    "development": QSMDevelopmentConfig,
    "testing": QSMTestingConfig,
    "production": QSMProductionConfig,
}


def load_config(configs, name=None, env_var="QSM_ENV"):
    name = name or env(env_var, "development")
    try:
        return configs[name]
    except KeyError:
        raise RuntimeError(f"unknown environment {name!r}; choose one of {sorted(configs)}") from None


def check_production_secrets(app, secret_names=("SECRET_KEY",)):
    """Refuse to run in production with a missing, default or short secret.

    Each secret is read from the site's environment variable (``QSM_SECRET_KEY``...) when the
    app is created, not only when this module was imported, so the value checked is the one used.
    """
    prefix = app.config["SITE"].upper() + "_"
    for name in secret_names:
        from_env = env(prefix + name)
        if from_env is not None:
            app.config[name] = from_env
        value = str(app.config.get(name) or "").strip()
        if not value or value == DEFAULT_SECRET or len(value) < 32:
            raise RuntimeError(f"{prefix}{name} must be set in the environment (at least 32 characters) in production")


def platforms_from_env():
    """The QSM platforms SmartShip accepts, as JSON in SMARTSHIP_PLATFORMS:
    [{"id": "qoo10-sg", "name": "Qoo10 Singapore", "issuer": "http://127.0.0.1:5000",
      "client_id": "smartship", "client_secret": "..."}]"""
    import json

    raw = env("SMARTSHIP_PLATFORMS")
    if not raw:
        return [
            {
                "id": "qoo10-sg",
                "name": "Qoo10 Singapore",
                "issuer": env("QSM_ISSUER", "http://127.0.0.1:5000").rstrip("/"),
                "client_id": env("SMARTSHIP_CLIENT_ID", "smartship"),
                "client_secret": env("SMARTSHIP_CLIENT_SECRET", ""),
            }
        ]
    return json.loads(raw)


class SmartShipConfig:
    """SmartShip, the logistics site: an OAuth client of one or more QSM platforms."""

    SITE = "smartship"
    SECRET_KEY = env("SMARTSHIP_SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = env("SMARTSHIP_DATABASE_URL", sqlite_url("smartship.db"))
    SQLALCHEMY_ENGINE_OPTIONS = database_engine_options(SQLALCHEMY_DATABASE_URI, "SMARTSHIP")
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    RATELIMIT_STORAGE_URI = env("SMARTSHIP_REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = env("SMARTSHIP_RATELIMIT_PREFIX", "smartship")
    TRUSTED_PROXY_HOPS = env("SMARTSHIP_TRUSTED_PROXY_HOPS", 0, int)
    BASE_URL = env("SMARTSHIP_BASE_URL", "http://127.0.0.1:5001").rstrip("/")
    # Times are shown in it until the seller chooses a time zone (IANA; a cookie).
    TIME_ZONE = env("SMARTSHIP_TIME_ZONE", "Asia/Singapore")
    PLATFORMS = platforms_from_env()
    # Fernet keys (comma-separated, newest first) that encrypt the QSM tokens SmartShip keeps.
    TOKEN_ENCRYPTION_KEYS = env("SMARTSHIP_TOKEN_ENCRYPTION_KEYS", "")
    QSM_TIMEOUT_SECONDS = env("SMARTSHIP_QSM_TIMEOUT", 5.0, float)
    QSM_SCOPE = "openid email profile address phone offline_access qsm.orders.read qsm.inventory"
    PENDING_SIGNUP_TTL = env("SMARTSHIP_PENDING_SIGNUP_TTL", 1800, int)
    BCRYPT_ROUNDS = env("SMARTSHIP_BCRYPT_ROUNDS", 12, int)
    LOGIN_LIMIT_PER_ACCOUNT = env("SMARTSHIP_LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = env("SMARTSHIP_LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    RESET_LIMIT_PER_ADDRESS = env("SMARTSHIP_RESET_LIMIT_PER_ADDRESS", "10 per hour")
    # Mail: "outbox" writes each message to a folder (the demo); "smtp" sends it.
    MAIL_BACKEND = env("SMARTSHIP_MAIL_BACKEND", "outbox")
    MAIL_OUTBOX = env("SMARTSHIP_MAIL_OUTBOX", str(INSTANCE / "outbox"))
    MAIL_SERVER = env("SMARTSHIP_MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = env("SMARTSHIP_MAIL_PORT", 25, int)
    MAIL_USE_TLS = env("SMARTSHIP_MAIL_USE_TLS", False, bool)
    MAIL_USE_SSL = env("SMARTSHIP_MAIL_USE_SSL", False, bool)
    MAIL_USERNAME = env("SMARTSHIP_MAIL_USERNAME")
    MAIL_PASSWORD = env("SMARTSHIP_MAIL_PASSWORD")
    MAIL_FROM = env("SMARTSHIP_MAIL_FROM", "SmartShip <no-reply@smartship.example>")
    MAIL_TIMEOUT = env("SMARTSHIP_MAIL_TIMEOUT", 10.0, float)
    MAX_CONTENT_LENGTH = 64 * 1024
    SESSION_COOKIE_NAME = "smartship_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env("SMARTSHIP_SESSION_COOKIE_SECURE", BASE_URL.startswith("https://"), bool)
    PERMANENT_SESSION_LIFETIME_SECONDS = env("SMARTSHIP_SESSION_LIFETIME", 12 * 3600, int)
    PERMANENT_SESSION_LIFETIME = PERMANENT_SESSION_LIFETIME_SECONDS
    WTF_CSRF_TIME_LIMIT = None
    LOG_JSON = env("SMARTSHIP_LOG_JSON", True, bool)
    LOG_REQUESTS = env("SMARTSHIP_LOG_REQUESTS", True, bool)
    TESTING = False
    DEBUG = False


class SmartShipTestingConfig(SmartShipConfig):
    LOG_JSON = False
    LOG_REQUESTS = False
    TESTING = True
    SECRET_KEY = "smartship-testing-secret"
    SQLALCHEMY_DATABASE_URI = env("SMARTSHIP_TEST_DATABASE_URL", "sqlite://")
    SQLALCHEMY_ENGINE_OPTIONS = database_engine_options(SQLALCHEMY_DATABASE_URI, "SMARTSHIP")
    RATELIMIT_STORAGE_URI = env("QSM_TEST_REDIS_URL", "memory://")
    BCRYPT_ROUNDS = 4
    BASE_URL = "http://smartship.test"
    TOKEN_ENCRYPTION_KEYS = "7lHdoq5mDzOaRx8Wt7XO0f9kM5bD3XlwV0t2c1bq0lY="
    PLATFORMS = [
        {
            "id": "qoo10-sg",
            "name": "Qoo10 Singapore",
            "issuer": "http://qsm.test",
            "client_id": "smartship",
            "client_secret": "smartship-test-secret",
        }
    ]


class SmartShipProductionConfig(SmartShipConfig):
    PRODUCTION = True
    MAIL_BACKEND = env("SMARTSHIP_MAIL_BACKEND", "smtp")
    SESSION_COOKIE_SECURE = env("SMARTSHIP_SESSION_COOKIE_SECURE", True, bool)


SMARTSHIP_CONFIGS = {
    "development": SmartShipConfig,
    "testing": SmartShipTestingConfig,
    "production": SmartShipProductionConfig,
}


class DemoAppConfig:
    """Parcel Pal, the demo third-party app: an ordinary confidential client of one QSM."""

    SITE = "demo_app"
    SECRET_KEY = env("DEMO_APP_SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = env("DEMO_APP_DATABASE_URL", sqlite_url("demo_app.db"))
    SQLALCHEMY_ENGINE_OPTIONS = database_engine_options(SQLALCHEMY_DATABASE_URI, "DEMO_APP")
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    TRUSTED_PROXY_HOPS = env("DEMO_APP_TRUSTED_PROXY_HOPS", 0, int)
    BASE_URL = env("DEMO_APP_BASE_URL", "http://127.0.0.1:5002").rstrip("/")
    # Times are shown in it until the seller chooses a time zone (IANA; a cookie).
    TIME_ZONE = env("DEMO_APP_TIME_ZONE", "Asia/Singapore")
    QSM_ISSUER = env("DEMO_APP_QSM_ISSUER", "http://127.0.0.1:5000").rstrip("/")
    CLIENT_ID = env("DEMO_APP_CLIENT_ID", "parcel-pal")
    CLIENT_SECRET = env("DEMO_APP_CLIENT_SECRET", "")
    QSM_SCOPE = "openid profile qsm.orders.read"
    QSM_TIMEOUT_SECONDS = env("DEMO_APP_QSM_TIMEOUT", 5.0, float)
    ORDERS_PER_PAGE = env("DEMO_APP_ORDERS_PER_PAGE", 20, int)
    # Fernet keys (comma-separated, newest first) for the QSM tokens kept in session rows.
    TOKEN_ENCRYPTION_KEYS = env("DEMO_APP_TOKEN_ENCRYPTION_KEYS", "")
    MAX_CONTENT_LENGTH = 64 * 1024
    SESSION_COOKIE_NAME = "demo_app_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env("DEMO_APP_SESSION_COOKIE_SECURE", BASE_URL.startswith("https://"), bool)
    PERMANENT_SESSION_LIFETIME_SECONDS = env("DEMO_APP_SESSION_LIFETIME", 8 * 3600, int)
    PERMANENT_SESSION_LIFETIME = PERMANENT_SESSION_LIFETIME_SECONDS
    WTF_CSRF_TIME_LIMIT = None
    LOG_JSON = env("DEMO_APP_LOG_JSON", True, bool)
    LOG_REQUESTS = env("DEMO_APP_LOG_REQUESTS", True, bool)
    PRODUCTION = False
    TESTING = False
    DEBUG = False


class DemoAppTestingConfig(DemoAppConfig):
    TESTING = True
    LOG_JSON = False
    LOG_REQUESTS = False
    SECRET_KEY = "demo-app-testing-secret"
    SQLALCHEMY_DATABASE_URI = env("DEMO_APP_TEST_DATABASE_URL", "sqlite://")
    SQLALCHEMY_ENGINE_OPTIONS = database_engine_options(SQLALCHEMY_DATABASE_URI, "DEMO_APP")
    BASE_URL = "http://parcelpal.test"
    QSM_ISSUER = "http://qsm.test"
    CLIENT_ID = "parcel-pal"
    CLIENT_SECRET = "parcel-pal-test-secret"
    TOKEN_ENCRYPTION_KEYS = "q0tQv7Jr4H4Yh2u8lJ6cJ3QkQm2v3bN9xXy1sQ0aZ9E="
    SESSION_COOKIE_SECURE = False


class DemoAppProductionConfig(DemoAppConfig):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = env("DEMO_APP_SESSION_COOKIE_SECURE", True, bool)


DEMO_APP_CONFIGS = {
    "development": DemoAppConfig,
    "testing": DemoAppTestingConfig,
    "production": DemoAppProductionConfig,
}
