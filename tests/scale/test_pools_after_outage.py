"""PostgreSQL drops every connection of the QSM instances (a restart, a proxy or balancer that
cuts them, an operator's pg_terminate_backend) a moment after each was used, in both pools of
every worker. The database is back at once: no request may find a dead pooled connection (its
socket has the server's goodbye to read, so siteops.database pings and replaces it at
checkout). Every request answers the first time: the hot endpoints, on the autocommit engine,
and a Flask view, on Flask-SQLAlchemy's."""
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from tests.support.oauth import basic_auth

from .cluster import HTTP_TIMEOUT
from .conftest import PG_URL, client_credentials, redeem, wait_until

pytestmark = pytest.mark.live

BURST = 6  # requests of each kind at each instance, sent at once: every worker gets some


def cut_at_the_proxy(cluster):
    cluster.pg_proxy.cut()
    cluster.pg_proxy.restore()


def terminate_backends(cluster):
    """pg_terminate_backend on the instances' connections to QSM's database (not on this
    process's own, nor SmartShip's), all at once, then wait until the proxy has passed each
    goodbye on: tens of milliseconds in all."""
    proxied = sorted(cluster.pg_proxy.upstream_ports())
    with psycopg.connect(PG_URL, connect_timeout=5, autocommit=True) as connection:
        # Chosen first, terminated after: in one WHERE the planner may terminate before it filters.
        backends = connection.execute(
            "SELECT pid, client_port FROM pg_stat_activity WHERE datname = %s AND client_port = ANY(%s)",
            (cluster.qsm_db, proxied),
        ).fetchall()
        pids = [pid for pid, _ in backends]
        connection.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", (pids,))
    terminated = {port for _, port in backends}
    assert terminated, "no connection of the instances to terminate: the pools were not warmed"
    wait_until(lambda: not terminated & cluster.pg_proxy.upstream_ports(), 5, 0.01, "the proxy closing them")


@pytest.fixture
def seller_token(cluster, make_seller):
    seller = make_seller()
    seller.login(cluster.issuer)
    code, verifier, _ = seller.authorize(cluster.issuer, cluster.rp)
    response = redeem(cluster.issuer, cluster.rp, code, verifier)
    assert response.status_code == 200, response.text[:300]
    return response.json()["access_token"]


def requests_of_each_kind(cluster, token):
    """``{kind: send(base_url)}``: the three hot endpoints, and a Flask view. No session: each
    request on a new TCP connection, which Granian hands to any of the instance's workers."""
    bearer = {"Authorization": f"Bearer {token}"}
    return {
        "client_credentials": lambda url: client_credentials(url, cluster.machine),
        "introspection": lambda url: requests.post(
            url + "/oauth/introspect",
            data={"token": token},
            headers=basic_auth(cluster.rp.client_id, cluster.rp.client_secret),
            timeout=HTTP_TIMEOUT,
        ),
        "userinfo": lambda url: requests.get(url + "/oauth/userinfo", headers=bearer, timeout=HTTP_TIMEOUT),
        "orders API (Flask)": lambda url: requests.get(url + "/api/v1/orders", headers=bearer, timeout=HTTP_TIMEOUT),
    }


def burst(cluster, token, when):
    """BURST requests of each kind at each QSM instance, all at once: each answers 200."""
    sends = [
        (instance, kind, send)
        for instance in (cluster.qsm_a, cluster.qsm_b)
        for kind, send in requests_of_each_kind(cluster, token).items()
        for _ in range(BURST)
    ]

    def answer(sent):
        instance, kind, send = sent
        response = send(instance.url)
        return instance.name, kind, response.status_code, response.text[:200]

    with ThreadPoolExecutor(max_workers=16) as pool:
        failed = [answered for answered in pool.map(answer, sends) if answered[2] != 200]
    assert not failed, f"{when}: {len(failed)} of {len(sends)} requests failed:\n" + "\n".join(map(str, failed))


@pytest.mark.parametrize("drop_connections", [cut_at_the_proxy, terminate_backends], ids=["proxy", "terminate"])
def test_every_request_after_the_database_dropped_the_pools_answers_the_first_time(
    cluster, seller_token, drop_connections
):
    burst(cluster, seller_token, "warming the pools")

    drop_connections(cluster)  # within a second of the last use: no idle ping would catch them

    burst(cluster, seller_token, "the first requests after the connections were dropped")
    burst(cluster, seller_token, "the requests after those")
