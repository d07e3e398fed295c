"""Settings of every site, read from the environment when the site's app is built.

``load(site, name, environ)`` gives one site's settings, a dict for ``app.config``: ``site`` is
``qsm``, ``smartship`` or ``demo_app``; ``name`` the environment, ``development`` (the default),
``testing`` or ``production`` (else ``<PREFIX>ENV``: ``QSM_ENV``...); ``environ`` the variables
(``os.environ`` unless given), each read under the site's prefix (``QSM_``, ``SMARTSHIP_``,
``DEMO_APP_``). Each site's ``create_app`` calls it, so an app built after the environment
changed reads the new values, and nothing is read when this module is imported.

What every site has (secret key, database, proxies, session cookie, logs) is read once, in
``common_settings``; each site adds its own (``qsm_settings``...). Testing is development with
some variables fixed (``testing_environment``: in-memory SQLite, fixed keys and URLs). In
production ``load`` refuses a missing, default or short secret among the values it has read.
"""
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

DEFAULT_SECRET = "dev-only-secret-do-not-use-in-production"
ENVIRONMENTS = ("development", "testing", "production")
PREFIXES = {"qsm": "QSM_", "smartship": "SMARTSHIP_", "demo_app": "DEMO_APP_"}
# The secrets each site refuses to run without in production.
PRODUCTION_SECRETS = {
    "qsm": ("SECRET_KEY", "KEY_ENCRYPTION_KEYS"),
    "smartship": ("SECRET_KEY", "TOKEN_ENCRYPTION_KEYS"),
    "demo_app": ("SECRET_KEY", "CLIENT_SECRET", "TOKEN_ENCRYPTION_KEYS"),
}


def instance_folder(environ=None):
    """The folder of the default SQLite files and of SmartShip's mail outbox."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("QSM_CONNECT_INSTANCE") or ROOT / "instance")


def parse(value, default=None, cast=str):
    """An environment variable's value: ``default`` when unset or empty."""
    if value is None or value == "":
        return default
    if cast is bool:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return cast(value)


class Reader:
    """One site's variables: ``read("SECRET_KEY", default)`` reads ``<prefix>SECRET_KEY``."""

    def __init__(self, prefix, environ):
        self.prefix, self.environ = prefix, environ

    def __call__(self, name, default=None, cast=str):
        return parse(self.environ.get(self.prefix + name), default, cast)


def database_engine_options(url, prefix, environ=None):
    """SQLALCHEMY_ENGINE_OPTIONS for a site whose database is ``url``: on PostgreSQL, the bounds
    that end every wait on the database within seconds (siteops/database.py; docs/deploy.md,
    "Timeouts"). Seconds, each from ``<prefix>_DB_...``; 0 turns one off. With the
    defaults a request waits at most 4 s on a frozen database (5 s if every pooled connection is
    busy), then answers 503."""
    from siteops.database import DatabaseBounds, engine_options

    read = Reader(prefix.rstrip("_") + "_DB_", os.environ if environ is None else environ)
    bounds = DatabaseBounds(
        connect=read("CONNECT_TIMEOUT", 2, float),  # whole seconds, at least 2 (libpq)
        statement=read("STATEMENT_TIMEOUT", 1.5, float),  # the server cancels it
        lock=read("LOCK_TIMEOUT", 1.0, float),
        idle_in_transaction=read("IDLE_IN_TRANSACTION_TIMEOUT", 30.0, float),
        pool=read("POOL_TIMEOUT", 1, int),  # waiting for a free pooled connection
        # The client gives up on a server that does not answer (default: statement + 0.5 s).
        response=read("RESPONSE_TIMEOUT", None, float),
    )
    return engine_options(url, bounds)


def common_settings(read, site, production, *, database, public_url, session_lifetime):
    """What every site reads the same way. ``public_url`` decides whether cookies are Secure."""
    database_url = read("DATABASE_URL", f"sqlite:///{instance_folder(read.environ) / database}")
    return {
        "SITE": site,
        "PRODUCTION": production,
        "DEBUG": False,
        "SECRET_KEY": read("SECRET_KEY", DEFAULT_SECRET),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": database_engine_options(database_url, read.prefix, read.environ),
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "TRUSTED_PROXY_HOPS": read("TRUSTED_PROXY_HOPS", 0, int),
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": read("SESSION_COOKIE_SECURE", production or public_url.startswith("https://"), bool),
        "PERMANENT_SESSION_LIFETIME_SECONDS": read("SESSION_LIFETIME", session_lifetime, int),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # IANA time zone of the pages until the seller chooses one (QSM: the marketplace's).
        "TIME_ZONE": read("TIME_ZONE", "Asia/Singapore"),
        "LOG_JSON": read("LOG_JSON", True, bool),
        "LOG_REQUESTS": read("LOG_REQUESTS", True, bool),
    }


def password_login_settings(read, site):
    """A site with its own passwords: hashing cost, throttles and where they are counted."""
    return {
        "BCRYPT_ROUNDS": read("BCRYPT_ROUNDS", 12, int),
        "LOGIN_LIMIT_PER_ACCOUNT": read("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": read("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes"),
        "RATELIMIT_STORAGE_URI": read("REDIS_URL", "memory://"),
        "RATELIMIT_KEY_PREFIX": read("RATELIMIT_PREFIX", site),
    }


def qsm_settings(read, production):
    """The QSM seller portal and authorization server."""
    # The issuer is the public base URL of this QSM; every endpoint in discovery hangs off it.
    issuer = read("ISSUER", "http://127.0.0.1:5000").rstrip("/")
    return {
        **common_settings(read, "qsm", production, database="qsm.db", public_url=issuer, session_lifetime=12 * 3600),
        **password_login_settings(read, "qsm"),
        "ISSUER": issuer,
        "PLATFORM_NAME": read("PLATFORM_NAME", "Qoo10"),
        # Cookies on one host are shared across ports: each QSM platform needs its own name.
        "SESSION_COOKIE_NAME": read("SESSION_COOKIE_NAME", "qsm_session"),
        # Passkeys (WebAuthn): the relying party ID and the origins a passkey ceremony may come from.
        # Empty: the issuer's host and origin; browsers refuse WebAuthn on an IP address, so an issuer
        # on 127.0.0.1 means "localhost" (the demo's passkeys work at http://localhost:5000).
        "WEBAUTHN_RP_ID": read("WEBAUTHN_RP_ID", ""),
        "WEBAUTHN_ORIGINS": read("WEBAUTHN_ORIGINS", ""),
        "SMARTSHIP_SIGNUP_URL": read("SMARTSHIP_SIGNUP_URL", "http://127.0.0.1:5001/linked-signup/start"),
        "SMARTSHIP_LOGIN_URL": read("SMARTSHIP_LOGIN_URL", "http://127.0.0.1:5001/login/qsm"),
        # Fernet keys (comma-separated, newest first) that encrypt the ID token signing keys at rest.
        "KEY_ENCRYPTION_KEYS": read("KEY_ENCRYPTION_KEYS", ""),
        "AUTHORIZATION_CODE_TTL": read("AUTHORIZATION_CODE_TTL", 60, int),
        "ACCESS_TOKEN_TTL": read("ACCESS_TOKEN_TTL", 3600, int),
        "REFRESH_TOKEN_TTL": read("REFRESH_TOKEN_TTL", 30 * 24 * 3600, int),
        "ID_TOKEN_TTL": read("ID_TOKEN_TTL", 3600, int),
        # How long a process trusts its cached view of the signing keys; bounds how soon a
        # rotation made elsewhere is used and published by every instance.
        "SIGNING_KEY_CACHE_SECONDS": read("SIGNING_KEY_CACHE_SECONDS", 30, int),
    }


def smartship_platforms(read):
    """The QSM platforms SmartShip accepts, as JSON in SMARTSHIP_PLATFORMS:
    [{"id": "qoo10-sg", "name": "Qoo10 Singapore", "issuer": "http://127.0.0.1:5000",
      "client_id": "smartship", "client_secret": "..."}]; an entry without a client_id uses
    SMARTSHIP_CLIENT_ID's. Unset: one platform, QSM_ISSUER's."""
    client_id = read("CLIENT_ID", "smartship")
    raw = read("PLATFORMS")
    if raw:
        return [{"client_id": client_id, **platform} for platform in json.loads(raw)]
    issuer = parse(read.environ.get("QSM_ISSUER"), "http://127.0.0.1:5000").rstrip("/")
    only = {"id": "qoo10-sg", "name": "Qoo10 Singapore", "issuer": issuer}
    return [{**only, "client_id": client_id, "client_secret": read("CLIENT_SECRET", "")}]


def smartship_settings(read, production):
    """SmartShip, the logistics site: an OAuth client of one or more QSM platforms."""
    base_url = read("BASE_URL", "http://127.0.0.1:5001").rstrip("/")
    site = common_settings(
        read, "smartship", production, database="smartship.db", public_url=base_url, session_lifetime=12 * 3600
    )
    return {
        **site,
        **password_login_settings(read, "smartship"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_NAME": "smartship_session",
        "BASE_URL": base_url,
        "PLATFORMS": smartship_platforms(read),
        # Fernet keys (comma-separated, newest first) that encrypt the QSM tokens SmartShip keeps.
        "TOKEN_ENCRYPTION_KEYS": read("TOKEN_ENCRYPTION_KEYS", ""),
        "QSM_TIMEOUT_SECONDS": read("QSM_TIMEOUT", 5.0, float),
        "QSM_SCOPE": "openid email profile address phone offline_access qsm.orders.read qsm.inventory",
        "PENDING_SIGNUP_TTL": read("PENDING_SIGNUP_TTL", 1800, int),
        "RESET_LIMIT_PER_ADDRESS": read("RESET_LIMIT_PER_ADDRESS", "10 per hour"),
        # Mail: "outbox" writes each message to a folder (the demo); "smtp" sends it.
        "MAIL_BACKEND": read("MAIL_BACKEND", "smtp" if production else "outbox"),
        "MAIL_OUTBOX": read("MAIL_OUTBOX", str(instance_folder(read.environ) / "outbox")),
        "MAIL_SERVER": read("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": read("MAIL_PORT", 25, int),
        "MAIL_USE_TLS": read("MAIL_USE_TLS", False, bool),
        "MAIL_USE_SSL": read("MAIL_USE_SSL", False, bool),
        "MAIL_USERNAME": read("MAIL_USERNAME"),
        "MAIL_PASSWORD": read("MAIL_PASSWORD"),
        "MAIL_FROM": read("MAIL_FROM", "SmartShip <no-reply@smartship.example>"),
        "MAIL_TIMEOUT": read("MAIL_TIMEOUT", 10.0, float),
    }


def demo_app_settings(read, production):
    """Parcel Pal, the demo third-party app: an ordinary confidential client of one QSM."""
    base_url = read("BASE_URL", "http://127.0.0.1:5002").rstrip("/")
    site = common_settings(
        read, "demo_app", production, database="demo_app.db", public_url=base_url, session_lifetime=8 * 3600
    )
    return {
        **site,
        "SESSION_COOKIE_NAME": "demo_app_session",
        "BASE_URL": base_url,
        "QSM_ISSUER": read("QSM_ISSUER", "http://127.0.0.1:5000").rstrip("/"),
        "CLIENT_ID": read("CLIENT_ID", "parcel-pal"),
        "CLIENT_SECRET": read("CLIENT_SECRET", ""),
        "QSM_SCOPE": "openid profile qsm.orders.read",
        "QSM_TIMEOUT_SECONDS": read("QSM_TIMEOUT", 5.0, float),
        "ORDERS_PER_PAGE": read("ORDERS_PER_PAGE", 20, int),
        # Fernet keys (comma-separated, newest first) for the QSM tokens kept in session rows.
        "TOKEN_ENCRYPTION_KEYS": read("TOKEN_ENCRYPTION_KEYS", ""),
    }


SITE_SETTINGS = {"qsm": qsm_settings, "smartship": smartship_settings, "demo_app": demo_app_settings}


# What testing fixes for each site (names without the prefix), besides testing_environment's own.
TESTING_VALUES = {
    "qsm": {
        "SECRET_KEY": "testing-secret",
        "ISSUER": "http://qsm.test",
        "KEY_ENCRYPTION_KEYS": "m4dJ0bqQ0VZ3tqk6qg3yH0nQyQJc1cXo3k9kq6xY7fU=",
    },
    "smartship": {
        "SECRET_KEY": "smartship-testing-secret",
        "BASE_URL": "http://smartship.test",
        "TOKEN_ENCRYPTION_KEYS": "7lHdoq5mDzOaRx8Wt7XO0f9kM5bD3XlwV0t2c1bq0lY=",
        "PLATFORMS": json.dumps(
            [
                {
                    "id": "qoo10-sg",
                    "name": "Qoo10 Singapore",
                    "issuer": "http://qsm.test",
                    "client_id": "smartship",
                    "client_secret": "smartship-test-secret",
                }
            ]
        ),
    },
    "demo_app": {
        "SECRET_KEY": "demo-app-testing-secret",
        "BASE_URL": "http://parcelpal.test",
        "QSM_ISSUER": "http://qsm.test",
        "CLIENT_ID": "parcel-pal",
        "CLIENT_SECRET": "parcel-pal-test-secret",
        "TOKEN_ENCRYPTION_KEYS": "q0tQv7Jr4H4Yh2u8lJ6cJ3QkQm2v3bN9xXy1sQ0aZ9E=",
    },
}


def testing_environment(site, environ):
    """``environ`` as the testing environment sees it: the site's database from
    ``<PREFIX>TEST_DATABASE_URL`` (else SQLite in memory), Redis from ``QSM_TEST_REDIS_URL`` (else
    memory), no JSON or request logs, the cheapest bcrypt, and TESTING_VALUES."""
    prefix = PREFIXES[site]
    fixed = {
        "DATABASE_URL": environ.get(prefix + "TEST_DATABASE_URL") or "sqlite://",
        "REDIS_URL": environ.get("QSM_TEST_REDIS_URL") or "memory://",
        "LOG_JSON": "off",
        "LOG_REQUESTS": "off",
        "BCRYPT_ROUNDS": "4",
        **TESTING_VALUES[site],
    }
    return {**environ, **{prefix + name: value for name, value in fixed.items()}}


def load(site, name=None, environ=None, overrides=None):
    """The settings of ``site`` in environment ``name``, read from ``environ`` once, with
    ``overrides`` (a test's) on top; production's secrets are checked on the result."""
    environ = os.environ if environ is None else environ
    prefix = PREFIXES[site]
    name = name or parse(environ.get(prefix + "ENV"), "development")
    if name not in ENVIRONMENTS:
        raise RuntimeError(f"unknown environment {name!r}; choose one of {sorted(ENVIRONMENTS)}")
    if name == "testing":
        environ = testing_environment(site, environ)
    settings = SITE_SETTINGS[site](Reader(prefix, environ), production=name == "production")
    settings["TESTING"] = name == "testing"
    settings["PERMANENT_SESSION_LIFETIME"] = settings["PERMANENT_SESSION_LIFETIME_SECONDS"]
    settings.update(overrides or {})
    if settings["PRODUCTION"]:
        check_production_secrets(settings, prefix, PRODUCTION_SECRETS[site])
    return settings


def check_production_secrets(settings, prefix, names):
    """Refuse to run in production with a missing, default or short secret."""
    for name in names:
        value = str(settings.get(name) or "").strip()
        if not value or value == DEFAULT_SECRET or len(value) < 32:
            raise RuntimeError(f"{prefix}{name} must be set in the environment (at least 32 characters) in production")
