"""PostgreSQL or Redis cut away from every instance at once (the proxies close every connection
and refuse new ones): clear 503s, /readyz names what is down, and service comes back on its own
once the dependency does, with the same processes (no restart)."""

import pytest
import requests

from tests.support.pages import parse_forms

from .cluster import HTTP_TIMEOUT
from .conftest import client_credentials, sign_up_at_smartship, wait_until

pytestmark = pytest.mark.live

RECOVERY_TIMEOUT = 15
UNAVAILABLE = "temporarily unavailable"


def readiness(instance):
    response = requests.get(instance.url + "/readyz", timeout=HTTP_TIMEOUT)
    return response.status_code, response.json()


def assert_json_503(response):
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "temporarily_unavailable"
    assert response.headers["Retry-After"] and response.headers["X-Request-ID"]


def assert_page_503(response, site_name):
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("text/html")
    assert f"{site_name} is {UNAVAILABLE}" in response.text and "Traceback" not in response.text


def smartship_login_attempt(http, instance, identifier):
    page = http.get(instance.url + "/login", timeout=HTTP_TIMEOUT)
    form = next(f for f in parse_forms(page.text) if "password" in f["fields"])
    data = {**form["fields"], "identifier": identifier, "password": "not the password 1"}
    return http.post(instance.url + "/login", data=data, allow_redirects=False, timeout=HTTP_TIMEOUT)


@pytest.fixture
def all_pids(cluster):
    def collect():
        return {name: sorted(instance.pids()) for name, instance in cluster.instances.items()}

    return collect


@pytest.fixture
def cut(cluster):
    """``cut(proxy)``; whatever happens, the proxy is restored at the end of the test."""
    cut_proxies = []

    def do_cut(proxy):
        cut_proxies.append(proxy)
        proxy.cut()

    yield do_cut
    for proxy in cut_proxies:
        proxy.restore()


def test_postgres_down_gives_503s_and_service_resumes_without_restart(cluster, make_seller, all_pids, cut):
    seller = make_seller()
    sign_up_at_smartship(cluster, seller, cluster.smartship_a)  # signed in at QSM and at SmartShip
    token = client_credentials(cluster.qsm_a.url, cluster.machine).json()["access_token"]
    pids = all_pids()

    cut(cluster.pg_proxy)

    for qsm in (cluster.qsm_a, cluster.qsm_b):
        assert_json_503(client_credentials(qsm.url, cluster.machine))
        assert_json_503(
            requests.get(qsm.url + "/api/v1/orders", headers={"Authorization": f"Bearer {token}"}, timeout=HTTP_TIMEOUT)
        )
        assert_page_503(seller.http.get(qsm.url + "/", timeout=HTTP_TIMEOUT), "QSM")
    for smartship in (cluster.smartship_a, cluster.smartship_b):
        assert_page_503(seller.http.get(smartship.url + "/orders", timeout=HTTP_TIMEOUT), "SmartShip")
        assert_page_503(smartship_login_attempt(requests.Session(), smartship, seller.email), "SmartShip")
    for instance in cluster.instances.values():
        status, body = readiness(instance)
        assert status == 503 and body["checks"] == {"database": "down", "redis": "ok"}, (instance.name, body)
        assert requests.get(instance.url + "/healthz", timeout=HTTP_TIMEOUT).status_code == 200  # the process is fine

    cluster.pg_proxy.restore()

    # Resumed means answering steadily, at every worker of every instance (a worker whose pooled
    # connections the outage broke may answer one 503 before its pool is replaced): several
    # answers in a row, each on a new connection, reach each worker.
    for qsm in (cluster.qsm_a, cluster.qsm_b):
        wait_until(
            lambda qsm=qsm: steadily(lambda: client_credentials(qsm.url, cluster.machine).status_code == 200),
            RECOVERY_TIMEOUT,
            message=f"{qsm.name} tokens",
        )
        assert seller.http.get(qsm.url + "/", timeout=HTTP_TIMEOUT).status_code == 200
    for smartship in (cluster.smartship_a, cluster.smartship_b):
        wait_until(
            lambda smartship=smartship: (
                seller.http.get(smartship.url + "/orders", timeout=HTTP_TIMEOUT).status_code == 200
            ),
            RECOVERY_TIMEOUT,
        )
    for instance in cluster.instances.values():
        wait_until(
            lambda instance=instance: steadily(lambda: readiness(instance)[0] == 200),
            RECOVERY_TIMEOUT,
            message=f"{instance.name} ready",
        )
    assert all_pids() == pids, "no process was restarted"


def steadily(answers_well, times=8):
    """``answers_well()`` holds ``times`` times in a row."""
    return all(answers_well() for _ in range(times))


def test_redis_down_gives_503s_for_logins_and_service_resumes_without_restart(cluster, make_seller, all_pids, cut):
    seller = make_seller()
    pids = all_pids()

    cut(cluster.redis_proxy)

    for qsm in (cluster.qsm_a, cluster.qsm_b):
        form = seller.login_page(qsm.url)  # the page itself needs no Redis
        assert_page_503(seller.attempt_login(qsm.url, form=form), "QSM")
        # Redis holds only rate limits: tokens are still issued.
        assert client_credentials(qsm.url, cluster.machine).status_code == 200
    for smartship in (cluster.smartship_a, cluster.smartship_b):
        assert_page_503(smartship_login_attempt(requests.Session(), smartship, seller.email), "SmartShip")
    for instance in cluster.instances.values():
        status, body = readiness(instance)
        assert status == 503 and body["checks"] == {"database": "ok", "redis": "down"}, (instance.name, body)

    cluster.redis_proxy.restore()

    for qsm in (cluster.qsm_a, cluster.qsm_b):
        wait_until(
            lambda qsm=qsm: seller.attempt_login(qsm.url).status_code == 302,
            RECOVERY_TIMEOUT,
            message=f"login at {qsm.name}",
        )
    for instance in cluster.instances.values():
        wait_until(
            lambda instance=instance: readiness(instance)[0] == 200, RECOVERY_TIMEOUT, message=f"{instance.name} ready"
        )
    assert all_pids() == pids, "no process was restarted"
