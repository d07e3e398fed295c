"""The seller's page: name, shop and recent orders read through QSM's seller API."""
import pytest

from clients.demo_app.extensions import db
from clients.demo_app.models import LoginSession


def test_the_orders_page_shows_the_seller_and_their_orders(login, browser, fake_qsm):
    login.log_in()
    response = browser.get("/orders")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hello, Tan Wei Ling" in page and "Lion City Gadgets" in page
    for order_no in ("QS1-1000", "QS1-1001", "QS1-1002"):
        assert order_no in page
    assert "SGD\u00a09.90" in page
    assert '<button type="submit">Log out</button>' in page
    api_calls = [c.request for c in fake_qsm.mock.calls if "/api/v1/orders" in c.request.url]
    assert api_calls[-1].headers["Authorization"] == "Bearer at-1"
    assert "page=1" in api_calls[-1].url and "per_page=20" in api_calls[-1].url


def test_the_home_page_sends_a_signed_in_seller_to_the_orders(login, browser):
    login.log_in()
    assert browser.get("/").location == "/orders"


def test_no_orders_yet(login, browser, fake_qsm):
    fake_qsm.orders = []
    login.log_in()
    assert "You have no orders on QSM yet." in browser.get("/orders").get_data(as_text=True)


def test_without_a_session_the_orders_page_sends_the_seller_home(browser, fake_qsm):
    response = browser.get("/orders")
    assert response.status_code == 302 and response.location == "/"
    assert "Please log in with QSM" in browser.get("/").get_data(as_text=True)


def test_revoked_at_qsm_ends_the_session_and_asks_to_log_in_again(login, browser, fake_qsm):
    login.log_in()
    fake_qsm.revoke_all()
    response = browser.get("/orders")
    assert response.status_code == 302 and response.location == "/"
    home = browser.get("/")
    page = home.get_data(as_text=True)
    assert home.status_code == 200
    assert "Access to your QSM account was revoked. Log in again to reconnect." in page
    assert "Log in with QSM" in page
    row = db.session.execute(db.select(LoginSession)).scalar_one()
    assert row.ended_at is not None and row.access_token_encrypted is None and row.id_token_encrypted is None
    assert browser.get("/orders").location == "/"


@pytest.mark.parametrize("failure", ["down", "500", "503"])
def test_qsm_failing_on_the_orders_call_keeps_the_session_and_says_so(login, browser, fake_qsm, failure):
    login.log_in()
    if failure == "down":
        fake_qsm.down = True
    else:
        fake_qsm.orders_status = int(failure)
    response = browser.get("/orders")
    page = response.get_data(as_text=True)
    assert response.status_code == 502
    assert "Try again" in page and "Tan Wei Ling" in page
    fake_qsm.down, fake_qsm.orders_status = False, None
    assert browser.get("/orders").status_code == 200


def test_an_undecryptable_token_ends_the_session_cleanly(login, browser, demo_app):
    login.log_in()
    row = db.session.execute(db.select(LoginSession)).scalar_one()
    row.access_token_encrypted = "not-a-fernet-token"
    db.session.commit()
    response = browser.get("/orders")
    assert response.status_code == 302 and response.location == "/"
    assert "Your session has ended" in browser.get("/").get_data(as_text=True)


def test_an_expired_session_is_not_used(login, browser):
    login.log_in()
    row = db.session.execute(db.select(LoginSession)).scalar_one()
    row.expires_at = 1
    db.session.commit()
    assert browser.get("/orders").location == "/"
