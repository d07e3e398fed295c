"""Fixtures shared by every suite: a fresh QSM app and database per test.

The database comes from QSM_TEST_DATABASE_URL (SQLite in memory by default; .ci/run
points it at PostgreSQL) and rate limits from QSM_TEST_REDIS_URL.
"""
import base64
import hashlib
import re
import secrets
import weakref
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine as sa_Engine

from idp import create_app
from idp.extensions import db as qsm_db
from siteops.database import dispose_engines
from tests.support.database import empty_tables

PASSWORD = "correct horse battery"


class FreshGlobalsClient(FlaskClient):
    """Tests keep an app context open (for the database); Flask then reuses it for each
    request, and with it ``g``. Give every request a fresh ``g``, as production does."""

    def open(self, *args, **kwargs):
        ctx = _cv_app.get(None)
        if ctx is not None:
            ctx.g = ctx.app.app_ctx_globals_class()
        return super().open(*args, **kwargs)


@pytest.fixture
def app():
    app = create_app("testing")
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        with empty_tables(qsm_db):
            yield app
        dispose_engines(app, qsm_db)  # the autocommit engine too (PostgreSQL)
    from idp.extensions import throttle

    with app.app_context():
        throttle.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_seller(app):
    from idp.auth.sellers import create_seller

    counter = iter(range(1, 10_000))

    def make(email=None, password=PASSWORD, **details):
        n = next(counter)
        details.setdefault("shop_name", f"Shop {n}")
        details.setdefault("contact_name", f"Seller {n}")
        details.setdefault("phone", "+65 6000 0000")
        details.setdefault("street_address", "1 Test Street")
        details.setdefault("locality", "Singapore")
        details.setdefault("postal_code", "000001")
        details.setdefault("country", "SG")
        return create_seller(email or f"seller{n}@example.com", password, **details)

    return make


@pytest.fixture
def seller(make_seller):
    return make_seller("seller@example.com")


@pytest.fixture
def make_client(app):
    from idp.oauth.clients import register_client

    def make(**settings):
        settings.setdefault("name", "Test App")
        settings.setdefault("redirect_uris", ["https://app.example/callback"])
        settings.setdefault("scope", "openid profile email address phone offline_access qsm.orders.read qsm.inventory")
        settings.setdefault("post_logout_redirect_uris", ["https://app.example/logged-out"])
        client, secret = register_client(**settings)
        client.plain_secret = secret
        return client

    return make


def csrf_token(html):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


class Auth:
    """Logs a seller in through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, email="seller@example.com", password=PASSWORD, next_url=None):
        page = self.client.get("/login" + (f"?next={next_url}" if next_url else ""))
        data = {"email": email, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True))}
        if next_url:
            data["next"] = next_url
        return self.client.post("/login", data=data)


@pytest.fixture
def auth(client):
    return Auth(client)


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(location):
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class Flow:
    """Drives the authorization code flow through the test client."""

    def __init__(self, client, oauth_client):
        self.client = client
        self.oauth_client = oauth_client
        self.verifier, self.challenge = pkce_pair()

    def authorize_params(self, **overrides):
        params = {
            "response_type": "code",
            "client_id": self.oauth_client.client_id,
            "redirect_uri": self.oauth_client.redirect_uris[0],
            "scope": "openid profile email",
            "state": "st-" + secrets.token_hex(4),
            "nonce": "n-" + secrets.token_hex(4),
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, **overrides):
        return self.client.get("/oauth/authorize", query_string=self.authorize_params(**overrides))

    def get_code(self, **overrides):
        response = self.authorize(**overrides)
        if response.status_code == 200 and "Allow" in response.get_data(as_text=True):
            response = self.client.post(
                "/oauth/authorize",
                query_string=self.authorize_params(**overrides),
                data={"decision": "allow", "csrf_token": csrf_token(response.get_data(as_text=True))},
            )
        assert response.status_code == 302, response.get_data(as_text=True)
        params = query_of(response.location)
        assert "code" in params, params
        return params["code"]

    def token_request(self, data, secret=None, client_id=None):
        client_id = client_id or self.oauth_client.client_id
        secret = self.oauth_client.plain_secret if secret is None else secret
        headers = {}
        if secret:
            basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            headers["Authorization"] = f"Basic {basic}"
        else:
            data = {**data, "client_id": client_id}
        return self.client.post("/oauth/token", data=data, headers=headers)

    def exchange(self, code, **extra):
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.oauth_client.redirect_uris[0],
            "code_verifier": self.verifier,
        }
        data.update(extra)
        return self.token_request({k: v for k, v in data.items() if v is not None})

    def tokens(self, **overrides):
        response = self.exchange(self.get_code(**overrides))
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture
def flow(client, make_client):
    def start(oauth_client=None, **client_settings):
        return Flow(client, oauth_client or make_client(**client_settings))

    return start


# --- Connection pools are closed after every test (added for .ci/run) ---------------------
# Tests build many apps, each with its own engine and pool. Pools left open are closed by the
# garbage collector, and psycopg's ResourceWarning then fails whichever later test is running
# (filterwarnings = error). SQLite is left alone: an in-memory database lives in its one
# connection, and sqlite3 does not warn.

_engines_used = weakref.WeakSet()


@sa_event.listens_for(sa_Engine, "engine_connect")
def _remember_engine(connection):
    _engines_used.add(connection.engine)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        for engine in list(_engines_used):
            if engine.dialect.name != "sqlite":
                engine.dispose()


# --- OpenID provider protocol suite: time control and token helpers --------------------------


class Clock:
    """Stands in for the ``time`` module inside ``idp.clock``: every protocol timestamp (code and
    token expiry, auth_time, signing-key cache and retirement) reads ``idp.clock.now``."""

    def __init__(self, start):
        self.current = float(start)

    def time(self):
        return self.current

    def advance(self, seconds):
        self.current += seconds


@pytest.fixture
def clock(monkeypatch):
    import time

    import idp.clock

    fake = Clock(time.time())
    monkeypatch.setattr(idp.clock, "time", fake)
    return fake


def basic_auth(client_id, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def decode_id_token(http_client, id_token):
    """Verify an ID token's signature against the published JWKS, as a relying party does."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    keys = KeySet.import_key_set(http_client.get("/oauth/jwks").get_json())
    return jwt.decode(id_token, keys, algorithms=["RS256", "ES256"])


def token_request_as_registered(f, data, endpoint="/oauth/token"):
    """POST ``data`` for ``f``'s client, authenticated the way that client registered."""
    c = f.oauth_client
    if c.token_endpoint_auth_method == "client_secret_basic":
        return f.client.post(endpoint, data=data, headers=basic_auth(c.client_id, c.plain_secret))
    data = {**data, "client_id": c.client_id}
    if c.token_endpoint_auth_method == "client_secret_post":
        data["client_secret"] = c.plain_secret
    return f.client.post(endpoint, data=data)


def tokens_as_registered(f, **authorize):
    """The code flow for ``f``'s client, the token request sent with its registered method."""
    code = f.get_code(**authorize)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": f.oauth_client.redirect_uris[0],
        "code_verifier": f.verifier,
    }
    response = token_request_as_registered(f, data)
    assert response.status_code == 200, response.get_json()
    return response.get_json()
