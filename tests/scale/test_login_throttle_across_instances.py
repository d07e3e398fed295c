"""The login throttles count in Redis, so attempts spread over instances add up; and behind a
balancer that sets X-Forwarded-For, they count each client's own address."""
import secrets

import pytest
import requests

from .cluster import HTTP_TIMEOUT
from .conftest import delete_redis_keys

pytestmark = pytest.mark.live

THROTTLED = "Too many attempts. Please try again later."


@pytest.fixture
def fresh_throttles(cluster):
    """Both throttles start from zero and are left at zero: every test here logs in from 127.0.0.1."""
    delete_redis_keys([f"*{cluster.ratelimit_prefix}*"])
    yield
    delete_redis_keys([f"*{cluster.ratelimit_prefix}*"])


def redis_keys(cluster):
    import redis

    from .conftest import REDIS_URL

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return [key.decode() for key in client.scan_iter(match=f"*{cluster.ratelimit_prefix}*")]
    finally:
        client.close()


def test_failed_logins_for_one_account_count_across_instances(cluster, make_seller, fresh_throttles):
    seller = make_seller()
    instances = [cluster.qsm_a, cluster.qsm_b]
    form = seller.login_page(cluster.qsm_a.url)  # one CSRF token serves both: one secret key
    for attempt in range(5):  # QSM_LOGIN_LIMIT_PER_ACCOUNT: 5 per 15 minutes
        instance = instances[attempt % 2]
        response = seller.attempt_login(instance.url, password="wrong password 123", form=form)
        assert response.status_code == 200, f"attempt {attempt + 1} at {instance.name}: {response.status_code}"
        assert "The email or password is not correct." in response.text

    assert any("login:account:" in key for key in redis_keys(cluster)), "the count lives in Redis"
    for instance in instances:
        refused = seller.attempt_login(instance.url, password="wrong password 123", form=form)
        assert refused.status_code == 429 and THROTTLED in refused.text, instance.name
        # The right password is refused the same way: the throttle must not confirm a guess.
        right = seller.attempt_login(instance.url, form=form)
        assert right.status_code == 429 and THROTTLED in right.text, instance.name

    other = make_seller()  # another account from the same address is not held back (5 < 20)
    assert other.attempt_login(cluster.qsm_b.url).status_code == 302


def test_failed_logins_from_one_address_count_across_instances(cluster, make_seller, fresh_throttles):
    seller = make_seller()
    form = seller.login_page(cluster.qsm_b.url)
    instances = [cluster.qsm_a, cluster.qsm_b]
    for attempt in range(20):  # QSM_LOGIN_LIMIT_PER_ADDRESS: 20 per 15 minutes, each a new account
        seller.email = f"nobody-{secrets.token_hex(4)}@example.com"
        response = seller.attempt_login(instances[attempt % 2].url, form=form)
        assert response.status_code == 200, f"attempt {attempt + 1}: {response.status_code}"
    real = make_seller()
    for instance in instances:
        refused = real.attempt_login(instance.url)
        assert refused.status_code == 429 and THROTTLED in refused.text, instance.name


def post_through_balancer(instance, client_address, path, fields, cookies, forwarded_for=()):
    """POST as a balancer would pass it on: the client's address appended to X-Forwarded-For
    (after whatever the client itself sent, ``forwarded_for``)."""
    response = requests.post(
        instance.url + path,
        data=fields,
        cookies=cookies,
        headers={"X-Forwarded-For": ", ".join([*forwarded_for, client_address])},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    return response.status_code, response.text


def test_behind_a_balancer_each_client_address_has_its_own_count(cluster, make_seller, fresh_throttles):
    """The QSM instances run with QSM_TRUSTED_PROXY_HOPS=1 (docs/deploy.md, client addresses):
    REMOTE_ADDR is the address the balancer appended to X-Forwarded-For, so one attacking address
    is held back while the sellers behind other addresses still log in, and the attacker cannot
    get out of it by sending an X-Forwarded-For of its own."""
    seller = make_seller()
    form = seller.login_page(cluster.qsm_a.url)
    cookies = seller.http.cookies.get_dict()
    wrong = {**form["fields"], "email": seller.email, "password": "wrong password 123"}
    instances = [cluster.qsm_a, cluster.qsm_b]
    for attempt in range(20):  # a different account each time: only the address throttle counts
        fields = {**wrong, "email": f"nobody-{secrets.token_hex(4)}@example.com"}
        status, _ = post_through_balancer(instances[attempt % 2], "203.0.113.7", "/login", fields, cookies)
        assert status == 200, f"attempt {attempt + 1}: {status}"
    for instance in instances:
        status, body = post_through_balancer(instance, "203.0.113.7", "/login", wrong, cookies)
        assert status == 429 and THROTTLED in body, instance.name
        forged = {**wrong, "email": f"nobody-{secrets.token_hex(4)}@example.com"}
        status, body = post_through_balancer(
            instance, "203.0.113.7", "/login", forged, cookies, forwarded_for=["192.0.2.99"]
        )
        assert status == 429 and THROTTLED in body, f"a forged X-Forwarded-For escaped the throttle at {instance.name}"
        status, _ = post_through_balancer(instance, "198.51.100.20", "/login", wrong, cookies)
        assert status == 200, f"another client address is not held back at {instance.name}"
    logged = {r.get("remote_addr") for i in instances for r in i.log_records() if r.get("path") == "/login"}
    assert {"203.0.113.7", "198.51.100.20"} <= logged
