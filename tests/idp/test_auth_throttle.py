"""Login throttles: per account and per address, counting only failures, never confirming a guess."""
import re

import pytest

from tests.support.pages import csrf_token
from tests.support.qsm import PASSWORD

THROTTLED = "Too many attempts. Please try again later."


@pytest.fixture
def limits(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"


def attempt(client, email="seller@example.com", password="wrong password", address="10.0.0.1"):
    environ = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=environ)
    data = {"email": email, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True))}
    return client.post("/login", data=data, environ_base=environ)


def without_csrf(body):
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", body)


def test_account_is_refused_after_n_failures_even_with_the_right_password(app, client, seller, limits):
    for _ in range(3):
        assert attempt(client).status_code == 200
    right = attempt(client, password=PASSWORD)
    wrong = attempt(client)
    assert right.status_code == wrong.status_code == 429
    assert THROTTLED in right.get_data(as_text=True)
    assert without_csrf(right.get_data(as_text=True)) == without_csrf(wrong.get_data(as_text=True))
    assert right.mimetype == "text/html"
    assert client.get("/").status_code == 302  # still not logged in


def test_throttled_login_page_still_offers_the_form(client, seller, limits):
    for _ in range(4):
        response = attempt(client)
    html = response.get_data(as_text=True)
    assert '<label for="email">Email</label>' in html and ">Log in</button>" in html
    assert "Traceback" not in html


def test_account_throttle_holds_from_another_address(app, seller, limits):
    first, second = app.test_client(), app.test_client()
    for _ in range(3):
        attempt(first, address="10.0.0.1")
    assert attempt(second, password=PASSWORD, address="10.9.9.9").status_code == 429
    assert attempt(second, email="SELLER@example.com", password=PASSWORD, address="10.9.9.9").status_code == 429


def test_unknown_email_is_throttled_the_same_way(client, limits):
    for _ in range(3):
        assert attempt(client, email="nobody@example.com").status_code == 200
    assert attempt(client, email="nobody@example.com").status_code == 429


def test_address_throttle_spans_different_emails(app, client, make_seller, limits):
    make_seller("victim@example.com")
    for n in range(5):
        assert attempt(client, email=f"guess{n}@example.com").status_code == 200
    refused = attempt(client, email="victim@example.com", password=PASSWORD)
    assert refused.status_code == 429
    assert THROTTLED in refused.get_data(as_text=True)
    other_address = attempt(app.test_client(), email="victim@example.com", password=PASSWORD, address="10.0.0.2")
    assert other_address.status_code == 302


def test_successful_logins_do_not_count(app, seller, limits):
    for _ in range(5):
        assert attempt(app.test_client(), password=PASSWORD).status_code == 302
    assert attempt(app.test_client(), password=PASSWORD).status_code == 302


def test_other_accounts_are_not_throttled_by_one_accounts_failures(app, seller, make_seller, limits):
    make_seller("other@example.com")
    for _ in range(3):
        attempt(app.test_client())
    assert (
        attempt(app.test_client(), email="other@example.com", password=PASSWORD, address="10.0.0.3").status_code == 302
    )


class RecordingRedis:
    """Stands for the Redis client behind the limits library's storage: answers from a dict, records each command."""

    def __init__(self, values):
        self.values, self.commands = values, []

    def mget(self, keys):
        self.commands.append("MGET")
        return [self.values.get(key) for key in keys]

    def get(self, key):
        self.commands.append("GET")
        return self.values.get(key)

    def ttl(self, key):
        self.commands.append("TTL")
        return 600


@pytest.mark.parametrize("account_failures, throttled", [(None, False), (b"2", False), (b"3", True)])
def test_both_throttles_are_read_from_redis_in_one_round_trip(app, monkeypatch, account_failures, throttled):
    from limits.storage import RedisStorage

    from idp.extensions import throttle

    storage = RedisStorage("redis://127.0.0.1:9/0")  # never connected: the client below answers
    checks = [("5 per 15 minutes", "login:address:10.0.0.1"), ("3 per 15 minutes", "login:account:a@example.com")]
    with app.test_request_context():
        monkeypatch.setattr(app.extensions["throttle"]["limiter"], "storage", storage)
        item, key = throttle._items(checks)[1]
        redis = RecordingRedis({storage.prefixed_key(item.key_for(key)): account_failures})
        monkeypatch.setattr(storage, "get_connection", lambda readonly=False: redis)
        wait = throttle.retry_after(checks)
    assert redis.commands[0] == "MGET"  # both counts at once; limits alone sends a GET per throttle
    if throttled:
        assert 0 < wait <= 601
    else:
        assert wait == 0 and redis.commands == ["MGET"]
