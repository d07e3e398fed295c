"""Fixtures shared by every suite: a fresh QSM app and database per test.

The database comes from QSM_TEST_DATABASE_URL (SQLite in memory by default; .ci/run
points it at PostgreSQL) and rate limits from QSM_TEST_REDIS_URL. What the fixtures hand out
(the login and code flow drivers, page and token helpers) lives in tests/support/.
"""
import time
import weakref

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine as sa_Engine

import idp.clock
from idp import create_app
from idp.auth.sellers import create_seller
from idp.extensions import db as qsm_db, throttle
from idp.oauth.clients import register_client
from tests.support.apps import app_under_test
from tests.support.oauth import Flow
from tests.support.qsm import PASSWORD, Auth, seller_details


@pytest.fixture
def app():
    with app_under_test(create_app("testing"), qsm_db) as app:
        yield app
    with app.app_context():
        throttle.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_seller(app):
    counter = iter(range(1, 10_000))

    def make(email=None, password=PASSWORD, **details):
        n = next(counter)
        details = seller_details(f"Shop {n}", f"Seller {n}", **details)
        return create_seller(email or f"seller{n}@example.com", password, **details)

    return make


@pytest.fixture
def seller(make_seller):
    return make_seller("seller@example.com")


@pytest.fixture
def make_client(app):
    def make(**settings):
        settings.setdefault("name", "Test App")
        settings.setdefault("redirect_uris", ["https://app.example/callback"])
        settings.setdefault("scope", "openid profile email address phone offline_access qsm.orders.read qsm.inventory")
        settings.setdefault("post_logout_redirect_uris", ["https://app.example/logged-out"])
        client, secret = register_client(**settings)
        client.plain_secret = secret
        return client

    return make


@pytest.fixture
def auth(client):
    return Auth(client)


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


# --- OpenID provider protocol suite: time control ----------------------------------------


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
    fake = Clock(time.time())
    monkeypatch.setattr(idp.clock, "time", fake)
    return fake
