"""The multi-instance suite: two QSM and two SmartShip instances (``python -m siteops.serve``)
sharing PostgreSQL and Redis (see cluster.py for the picture).

Services: PostgreSQL at QSM_SCALE_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres,
a maintenance database where the suite may CREATE DATABASE) and Redis at QSM_SCALE_REDIS_URL
(default redis://127.0.0.1:6379/14: a database number of its own). When either is unreachable
the suite is skipped, unless QSM_REQUIRE_SERVICES=1 (CI), when it fails. QSM_SCALE_SUITE=0 skips it
on purpose: CI's first run (SQLite) leaves it to the second, which runs it against PostgreSQL.

The suite makes two fresh databases with random names, creates their tables in this process,
starts everything, and at the end stops every process, drops both databases and deletes the
Redis keys it made.
"""
import os
import secrets
import time
from types import SimpleNamespace

import pytest
import requests

from siteops.database import dispose_engines as dispose_app_engines
from tests.support.live_flows import new_account_signup_data, qsm_login_form, submit_qsm_login
from tests.support.oauth import authorization_params, basic_auth, code_exchange, pkce_pair
from tests.support.pages import query_of
from tests.support.qsm import PASSWORD, seller_details

from .cluster import HTTP_TIMEOUT, PLATFORM_ID, SMARTSHIP_SCOPE, Cluster

PG_URL = os.environ.get("QSM_SCALE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("QSM_SCALE_REDIS_URL", "redis://127.0.0.1:6379/14")
RP_REDIRECT_URI = "http://127.0.0.1:9/scale/callback"
RP_SCOPE = "openid profile email offline_access qsm.orders.read"


def services_problem():
    """Why PostgreSQL or Redis cannot be used, or None."""
    import psycopg
    import redis

    try:
        with psycopg.connect(PG_URL, connect_timeout=3, autocommit=True) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL is not reachable at {PG_URL}: {str(error).strip()}"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        return f"Redis is not reachable at {REDIS_URL}: {error}"
    finally:
        client.close()
    return None


def require_services():
    if os.environ.get("QSM_SCALE_SUITE") == "0":
        pytest.skip("multi-instance suite left to another run (QSM_SCALE_SUITE=0): .ci/run runs it against PostgreSQL")
    problem = services_problem()
    if problem is None:
        return
    if os.environ.get("QSM_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{problem} (QSM_REQUIRE_SERVICES=1: the multi-instance suite must run)", pytrace=False)
    pytest.skip(f"multi-instance suite skipped: {problem}")


def run_maintenance(*statements):
    import psycopg

    with psycopg.connect(PG_URL, connect_timeout=5, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def delete_redis_keys(patterns):
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        for pattern in patterns:
            for key in list(client.scan_iter(match=pattern, count=500)):
                client.delete(key)
    finally:
        client.close()


def build_schemas(cluster):
    """Tables made in this process (``db.create_all()``), plus the registrations every test uses."""
    from clients.smartship import create_app as create_smartship
    from clients.smartship.extensions import db as smartship_db
    from idp import create_app as create_qsm
    from idp.extensions import db as qsm_db
    from idp.oauth.clients import register_client

    qsm_app = create_qsm("testing", test_config={"SQLALCHEMY_DATABASE_URI": cluster.direct_db_url(cluster.qsm_db)})
    with qsm_app.app_context():
        qsm_db.create_all()
        smartship_client, smartship_secret = register_client(
            name="SmartShip",
            redirect_uris=[f"{cluster.smartship_url}/auth/callback/{PLATFORM_ID}"],
            post_logout_redirect_uris=[f"{cluster.smartship_url}/login"],
            scope=SMARTSHIP_SCOPE,
            trusted=True,
            client_id="smartship",
        )
        rp, rp_secret = register_client(name="Scale RP", redirect_uris=[RP_REDIRECT_URI], scope=RP_SCOPE, trusted=True)
        machine, machine_secret = register_client(
            name="Scale machine client", redirect_uris=[], scope="qsm.orders.read", grant_types=("client_credentials",)
        )
        cluster.rp = SimpleNamespace(client_id=rp.client_id, client_secret=rp_secret, redirect_uri=RP_REDIRECT_URI)
        cluster.machine = SimpleNamespace(client_id=machine.client_id, client_secret=machine_secret)
        cluster.secrets_for((smartship_client.client_id, smartship_secret))
        qsm_db.session.remove()
    smartship_app = create_smartship(
        "testing", test_config={"SQLALCHEMY_DATABASE_URI": cluster.direct_db_url(cluster.smartship_db)}
    )
    with smartship_app.app_context():
        smartship_db.create_all()
        smartship_db.session.remove()
    cluster.qsm_app, cluster.smartship_app = qsm_app, smartship_app


def dispose_engines(cluster):
    from clients.smartship.extensions import db as smartship_db
    from idp.extensions import db as qsm_db

    for app, db in (
        (getattr(cluster, "qsm_app", None), qsm_db),
        (getattr(cluster, "smartship_app", None), smartship_db),
    ):
        if app is not None:
            with app.app_context():
                db.session.remove()
                dispose_app_engines(app, db)


@pytest.fixture(scope="package")
def cluster(tmp_path_factory):
    require_services()
    cluster = Cluster(PG_URL, REDIS_URL, tmp_path_factory.mktemp("scale"))
    created = []
    try:
        cluster.start_proxies()
        for database in (cluster.qsm_db, cluster.smartship_db):
            run_maintenance(f'CREATE DATABASE "{database}"')
            created.append(database)
        build_schemas(cluster)
        # The operator's step after migrations: one signing key per algorithm, made once.
        cluster.flask_cli("qsm", "keys", "ensure")
        cluster.start_instances()
        yield cluster
    finally:
        cluster.stop()
        dispose_engines(cluster)
        for database in created:
            run_maintenance(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        delete_redis_keys([f"*{cluster.ratelimit_prefix}*", "*smartship*"])


# --- a failure shows what the servers logged ------------------------------------------------

LOG_TAIL_LINES = 40
LOG_LINE_CHARACTERS = 1200  # a line with a traceback keeps its start and its end


def servers_with_logs(item):
    """What the test's fixtures run that keeps a log file (``log_tail``): the cluster's
    instances, and the servers of the tests that start their own (a namespace of them)."""
    candidates = []
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, Cluster):
            candidates.extend(value.instances.values())
        elif isinstance(value, SimpleNamespace):
            candidates.extend(vars(value).values())
        else:
            candidates.append(value)
    servers = {id(c): c for c in candidates if callable(getattr(c, "log_tail", None))}
    return list(servers.values())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report ends with the tail of each server's log (its stdout and stderr)."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    half = LOG_LINE_CHARACTERS // 2
    for server in servers_with_logs(item):
        name = getattr(server, "name", type(server).__name__)
        lines = [
            line if len(line) <= LOG_LINE_CHARACTERS else f"{line[:half]} [...] {line[-half:]}"
            for line in server.log_tail(LOG_TAIL_LINES).splitlines()
        ]
        path = getattr(server, "log_path", "its log")
        report.sections.append((f"{name}: last {LOG_TAIL_LINES} lines of {path}", "\n".join(lines)))


# --- what the tests do over HTTP ------------------------------------------------------------


class Seller:
    """A seller with a browser-like requests session; cookies work at every instance, as the
    instances share their secret key."""

    def __init__(self, cluster, email, password=PASSWORD):
        self.cluster = cluster
        self.email = email
        self.password = password
        self.http = requests.Session()
        self.windows = []

    def another_window(self):
        """The same seller in a second browser window: its own cookies, so its own sessions."""
        window = Seller(self.cluster, self.email, self.password)
        self.windows.append(window)
        return window

    def close(self):
        for window in self.windows:
            window.close()
        self.http.close()

    def login_page(self, base_url):
        return qsm_login_form(self.http, base_url, HTTP_TIMEOUT)

    def attempt_login(self, base_url, password=None, form=None):
        return submit_qsm_login(
            self.http, base_url, self.email, password or self.password, HTTP_TIMEOUT, form, allow_redirects=False
        )

    def login(self, base_url):
        response = self.attempt_login(base_url)
        assert response.status_code == 302, f"login at {base_url}: {response.status_code} {response.text[:300]}"
        return response

    def authorize(self, base_url, client, scope=RP_SCOPE, verifier_challenge=None):
        """Run /oauth/authorize at ``base_url`` (logged in already); returns (code, verifier, nonce)."""
        verifier, challenge = verifier_challenge or pkce_pair()
        nonce = secrets.token_hex(8)
        params = authorization_params(
            client.client_id, client.redirect_uri, scope, challenge, state=secrets.token_hex(8), nonce=nonce
        )
        response = self.http.get(
            base_url + "/oauth/authorize", params=params, allow_redirects=False, timeout=HTTP_TIMEOUT
        )
        assert response.status_code == 302, f"{response.status_code}: {response.text[:300]}"
        location = response.headers["Location"]
        assert location.startswith(client.redirect_uri), location
        answer = query_of(location)
        assert answer["state"] == params["state"] and answer["iss"] == self.cluster.issuer, answer
        return answer["code"], verifier, nonce


def redeem(base_url, client, code, verifier, timeout=HTTP_TIMEOUT):
    return requests.post(
        base_url + "/oauth/token",
        data=code_exchange(code, client.redirect_uri, verifier),
        headers=basic_auth(client.client_id, client.client_secret),
        timeout=timeout,
    )


def refresh(base_url, client, refresh_token, timeout=HTTP_TIMEOUT):
    return requests.post(
        base_url + "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers=basic_auth(client.client_id, client.client_secret),
        timeout=timeout,
    )


def client_credentials(base_url, client, timeout=HTTP_TIMEOUT, session=None):
    return (session or requests).post(
        base_url + "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "qsm.orders.read"},
        headers=basic_auth(client.client_id, client.client_secret),
        timeout=timeout,
    )


def revoke(base_url, client, token):
    response = requests.post(
        base_url + "/oauth/revoke",
        data={"token": token},
        headers=basic_auth(client.client_id, client.client_secret),
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 200, response.text[:300]


def introspect(base_url, client, token, hint=None):
    data = {"token": token}
    if hint:
        data["token_type_hint"] = hint
    response = requests.post(
        base_url + "/oauth/introspect",
        data=data,
        headers=basic_auth(client.client_id, client.client_secret),
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 200, response.text[:300]
    return response.json()


def reach_done_step(cluster, seller):
    """Log in at QSM and follow SmartShip's Join link through QSM and back: the sign-up page."""
    seller.login(cluster.issuer)
    page = seller.http.get(f"{cluster.smartship_url}/linked-signup/start?platform={PLATFORM_ID}", timeout=HTTP_TIMEOUT)
    assert page.status_code == 200 and page.url == f"{cluster.smartship_url}/linked-signup", (page.url, page.text[:300])
    assert seller.email in page.text
    return new_account_signup_data(page.text)


def sign_up_at_smartship(cluster, seller, instance):
    """The whole linked sign-up: the seller ends signed in at SmartShip with a new account."""
    data = reach_done_step(cluster, seller)
    response = seller.http.post(instance.url + "/linked-signup", data=data, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200 and response.url.endswith("/orders"), (response.status_code, response.url)
    return response


@pytest.fixture
def make_seller(cluster):
    from idp.auth.sellers import create_seller
    from idp.extensions import db

    def make(**details):
        email = f"scale-{secrets.token_hex(4)}@example.com"
        with cluster.qsm_app.app_context():
            create_seller(email, PASSWORD, **seller_details("Scale Shop", "Scale Seller", **details))
            db.session.remove()
        seller = Seller(cluster, email)
        made.append(seller)
        return seller

    made = []
    yield make
    for seller in made:
        seller.close()


@pytest.fixture
def make_client(cluster):
    """Register a client at QSM (in this process, in the shared database)."""
    from idp.extensions import db
    from idp.oauth.clients import register_client

    def make(name="Scale client", grant_types=("client_credentials",), scope="qsm.orders.read", **settings):
        redirect_uris = [RP_REDIRECT_URI] if "authorization_code" in grant_types else []
        with cluster.qsm_app.app_context():
            client, secret = register_client(
                name=name, redirect_uris=redirect_uris, scope=scope, grant_types=grant_types, trusted=True, **settings
            )
            made = SimpleNamespace(
                pk=client.id, client_id=client.client_id, client_secret=secret, redirect_uri=RP_REDIRECT_URI
            )
            db.session.remove()
        return made

    return make


def wait_until(check, timeout, interval=0.2, message="condition"):
    """Poll ``check()`` until it returns a true value, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not reached within {timeout}s")
        time.sleep(interval)
