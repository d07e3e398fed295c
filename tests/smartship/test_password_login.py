"""Logging in to SmartShip: with QSM, or with a login ID (or email) and SmartShip's own password."""
import pytest

from clients.smartship.extensions import db
from tests.support.pages import csrf_token, flash_messages, query_of

PASSWORD = "Tr1cky-Passphrase"


def login(client, identifier, password, next_url=None):
    page = client.get("/login")
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "identifier": identifier, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/login", data=data)


def test_login_page_offers_both_ways(smartship):
    html = smartship.get("/login").get_data(as_text=True)
    assert "Log in with QSM" in html
    assert (
        '<label for="identifier">Login ID or email</label>' in html and '<label for="password">Password</label>' in html
    )


@pytest.mark.parametrize("identifier", ["lion-city", "LION-CITY", "seller@example.com", "Seller@Example.com "])
def test_login_with_login_id_or_email(smartship, make_account, identifier):
    make_account("lion-city", "seller@example.com")
    response = login(smartship, identifier, PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/orders")
    assert "lion-city" in smartship.get("/account").get_data(as_text=True)


@pytest.mark.parametrize(
    "identifier,password",
    [("lion-city", "wrong-password!"), ("nobody-here", PASSWORD), ("nobody@example.com", PASSWORD)],
)
def test_failures_get_one_generic_message(smartship, make_account, identifier, password):
    make_account("lion-city", "seller@example.com")
    response = login(smartship, identifier, password)
    assert response.status_code == 400
    assert "The login ID or password is not correct." in response.get_data(as_text=True)
    assert smartship.get("/account").status_code == 302


def test_an_email_shared_by_several_accounts_asks_for_the_login_id(smartship, make_account):
    make_account("one", "shared@example.com")
    make_account("two", "shared@example.com")
    response = login(smartship, "shared@example.com", PASSWORD)
    assert response.status_code == 400 and "log in with your login ID" in response.get_data(as_text=True)
    assert login(smartship, "two", PASSWORD).status_code == 302


def test_an_account_without_password_is_not_told_apart_but_the_page_points_to_reset(smartship, make_account):
    account = make_account("linked@example.com", "linked@example.com")
    account.password_hash = None
    db.session.commit()
    no_password = login(smartship, "linked@example.com", "whatever-it-is")
    unknown = login(smartship, "nobody@example.com", "whatever-it-is")
    assert no_password.status_code == unknown.status_code == 400
    told = flash_messages(no_password.get_data(as_text=True))
    assert told == flash_messages(unknown.get_data(as_text=True)) and "password reset" in told[0]


def test_login_is_throttled_per_account_with_a_retry_time(smartship, make_account):
    make_account("lion-city", "seller@example.com")
    for _ in range(5):
        assert login(smartship, "lion-city", "wrong-password!").status_code == 400
    blocked = login(smartship, "lion-city", PASSWORD)
    assert blocked.status_code == 429 and "try again in" in blocked.get_data(as_text=True)


def test_login_starts_a_new_session_and_logout_ends_it(smartship, make_account, smartship_app):
    make_account("lion-city", "seller@example.com")
    with smartship.session_transaction() as session:
        session["planted"] = "by-attacker"
    login(smartship, "lion-city", PASSWORD)
    with smartship.session_transaction() as session:
        assert "planted" not in session
    page = smartship.get("/orders")
    smartship.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert smartship.get("/orders").status_code == 302


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_never_leaves_the_site(smartship, make_account, target):
    make_account("lion-city", "seller@example.com")
    response = login(smartship, "lion-city", PASSWORD, next_url=target)
    assert response.location.endswith("/orders")


def test_log_in_with_qsm_starts_the_linked_connection(smartship, fake_qsm):
    response = smartship.get("/login/qsm")
    assert response.status_code == 302
    redirected = smartship.get(response.location)
    assert redirected.location.startswith("http://qsm.test/oauth/authorize?")


def test_a_linked_seller_logs_in_with_qsm_without_a_password(signup, smartship):
    signup.done()
    page = smartship.get("/orders")
    smartship.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert smartship.get("/orders").status_code == 302
    response = signup.callback()
    assert response.location.endswith("/orders")
    assert smartship.get("/orders").status_code == 200


def test_logging_out_of_a_qsm_session_logs_out_at_qsm_too(signup, smartship):
    from clients.smartship.models import LoginSession

    signup.done()
    row = db.session.execute(db.select(LoginSession)).scalar_one()
    assert row.id_token_encrypted and "eyJ" not in row.id_token_encrypted  # kept encrypted
    page = smartship.get("/orders")
    response = smartship.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.location.startswith("http://qsm.test/oauth/logout?")
    params = query_of(response.location)
    assert params["post_logout_redirect_uri"] == "http://smartship.test/login"
    assert params["id_token_hint"].count(".") == 2 and params["client_id"] == "smartship"
    assert smartship.get("/orders").status_code == 302


def test_logging_out_of_a_password_session_stays_at_smartship(smartship, make_account):
    make_account("lion-city", "seller@example.com")
    login(smartship, "lion-city", PASSWORD)
    page = smartship.get("/orders")
    response = smartship.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.location == "/login"
