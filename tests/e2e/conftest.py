"""Live servers on 127.0.0.1 for end-to-end tests: QSM itself, and small stand-ins for the sites around it.

Every module gets its own QSM (a real socket, a real database: a file SQLite in a temporary
folder, or QSM_TEST_DATABASE_URL when set, as in CI) whose issuer is its own live URL.
Tests reach it only over HTTP, as a relying party or a browser would.
"""
import secrets
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit

import pytest
import requests

# Fixtures kept in modules of their own, imported here so that every test in tests/e2e can ask for
# them by name (a test module that imported them itself would shadow them with its arguments).
from tests.e2e.browser import browser, page  # noqa: F401 (fixtures)
from tests.e2e.demo_app_live import demo  # noqa: F401 (a fixture)
from tests.e2e.smartship_live import start_smartship  # noqa: F401 (a fixture)
from tests.support.live_server import (  # noqa: F401 (live_servers: a fixture, used below and by the tests)
    create_tables,
    live_database_url,
    live_servers,
    stop_and_drop_tables,
)
from tests.support.pages import parse_forms
from tests.support.qsm import PASSWORD, seller_details

HTTP_TIMEOUT = 10
ALL_SCOPES = "openid profile email address phone offline_access qsm.orders.read qsm.inventory"


# --- QSM ----------------------------------------------------------------------------------------


class LiveQSM:
    """A QSM on a real socket, with the few set-up calls a test needs done in its app context."""

    def __init__(self, server):
        self.server = server
        self.app = server.app
        self.base_url = server.base_url
        self._sellers = 0

    def url(self, path=""):
        return self.base_url + path

    def make_seller(self, email=None, password=PASSWORD, **details):
        from idp.auth.sellers import create_seller

        self._sellers += 1
        n = self._sellers
        email = email or f"seller{n}-{secrets.token_hex(3)}@example.com"
        details = seller_details(f"Live Shop {n}", f"Live Seller {n}", **details)
        with self.app.app_context():
            seller = create_seller(email, password, **details)
            return SimpleNamespace(
                email=seller.email,
                password=password,
                sub=seller.sub,
                seller_id=seller.seller_id,
                shop_name=seller.shop_name,
                contact_name=seller.contact_name,
                phone=seller.phone,
            )

    def make_client(self, redirect_uris=None, **settings):
        from idp.oauth.clients import register_client

        settings.setdefault("name", "Live Test App")
        settings.setdefault("scope", ALL_SCOPES)
        redirect_uris = redirect_uris or [f"http://127.0.0.1:9/callback/{secrets.token_hex(4)}"]
        with self.app.app_context():
            client, secret = register_client(redirect_uris=redirect_uris, **settings)
            return SimpleNamespace(
                client_id=client.client_id,
                client_secret=secret,
                redirect_uri=redirect_uris[0],
                redirect_uris=list(redirect_uris),
                scope=client.scope,
                name=client.name,
            )


@pytest.fixture(scope="module")
def start_qsm(live_servers, tmp_path_factory):  # noqa: F811 (the imported fixture)
    """``start(**config)``: a live QSM whose ISSUER is its own base URL; tables dropped at the end."""
    from idp import create_app
    from idp.extensions import db, throttle

    started = []

    def start(**config):
        database_url = live_database_url("QSM_TEST_DATABASE_URL", tmp_path_factory, "qsm")

        def build(base_url):
            app = create_app(
                "testing",
                test_config={
                    "SQLALCHEMY_DATABASE_URI": database_url,
                    "ISSUER": base_url,
                    "SESSION_COOKIE_SECURE": False,
                    **config,
                },
            )
            create_tables(app, db)
            return app

        server = live_servers(build)
        started.append(server)
        return LiveQSM(server)

    yield start
    for server in started:
        stop_and_drop_tables(server, db)
        with server.app.app_context():
            throttle.reset()


@pytest.fixture(scope="module")
def qsm(start_qsm):
    return start_qsm()


# --- A seller's user agent without a browser -------------------------------------------------------


class SellerAgent:
    """A seller at a plain HTTP user agent: logs in through the real form and answers the consent page.

    ``authorize(url)`` follows QSM's redirects by hand and returns the URL that QSM finally
    sends the user agent to outside itself (the client's redirect URI), without fetching it.
    """

    def __init__(self, qsm, email, password):
        self.qsm = qsm
        self.email = email
        self.password = password
        self.http = requests.Session()
        self.pages = []  # (kind, url) of each QSM page answered, for assertions on the path taken

    def authorize(self, url, decision="allow", max_steps=10):
        response = self.http.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT)
        for _ in range(max_steps):
            if response.is_redirect:
                location = urljoin(response.url, response.headers["Location"])
                if not self._on_qsm(location):
                    return location
                response = self.http.get(location, allow_redirects=False, timeout=HTTP_TIMEOUT)
                continue
            assert response.status_code == 200, f"{response.status_code} at {response.url}: {response.text[:500]}"
            forms = parse_forms(response.text)
            login = next((f for f in forms if "password" in f["fields"]), None)
            consent = next((f for f in forms if any(name == "decision" for name, _ in f["buttons"])), None)
            if login is not None:
                self.pages.append(("login", response.url))
                data = {**login["fields"], "email": self.email, "password": self.password}
                response = self._submit(response.url, login, data)
            elif consent is not None:
                self.pages.append(("consent", response.url))
                self.last_consent_page = response.text
                data = {**consent["fields"], "decision": decision}
                response = self._submit(response.url, consent, data)
            else:
                raise AssertionError(f"unexpected page at {response.url}: {response.text[:500]}")
        raise AssertionError(f"no redirect out of QSM after {max_steps} steps")

    def _submit(self, page_url, form, data):
        assert form["method"] == "post"
        action = urljoin(page_url, form["action"] or page_url)  # HTMLParser has unescaped it
        return self.http.post(action, data=data, allow_redirects=False, timeout=HTTP_TIMEOUT)

    def _on_qsm(self, url):
        return urlsplit(url)[:2] == urlsplit(self.qsm.base_url)[:2]


@pytest.fixture
def seller_agent(qsm):
    """``seller_agent(seller)``: a fresh user agent (no cookies) for that seller."""
    agents = []

    def make(seller):
        agent = SellerAgent(qsm, seller.email, seller.password)
        agents.append(agent)
        return agent

    yield make
    for agent in agents:
        agent.http.close()
