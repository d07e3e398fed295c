"""Log out: the local session ends, the token is revoked, then QSM's RP-initiated logout."""
import json

from clients.demo_app.extensions import db
from clients.demo_app.models import LoginSession
from tests.demo_app.conftest import BASE_URL, CLIENT_ID, ISSUER
from tests.support.pages import csrf_token, query_of


def id_token_issued(fake):
    token_calls = [c for c in fake.mock.calls if c.request.url == f"{ISSUER}/oauth/token"]
    return json.loads(token_calls[-1].response.text)["id_token"]


def test_logout_ends_the_session_and_redirects_to_qsm_end_session(login, browser, fake_qsm):
    login.log_in()
    response = login.log_out()
    assert response.status_code == 302
    assert response.location.startswith(f"{ISSUER}/oauth/logout?")
    params = query_of(response.location)
    assert params == {
        "id_token_hint": id_token_issued(fake_qsm),
        "post_logout_redirect_uri": f"{BASE_URL}/",
        "client_id": CLIENT_ID,
    }
    row = db.session.execute(db.select(LoginSession)).scalar_one()
    assert row.ended_at is not None and row.access_token_encrypted is None and row.id_token_encrypted is None
    assert browser.get("/orders").location == "/"


def test_logout_revokes_the_access_token_at_qsm(login, fake_qsm):
    login.log_in()
    login.log_out()
    assert fake_qsm.revoked_tokens == {"at-1"}
    [revoke] = [c.request for c in fake_qsm.mock.calls if c.request.url == f"{ISSUER}/oauth/revoke"]
    assert revoke.headers["Authorization"].startswith("Basic ")


def test_returning_from_qsm_shows_the_home_page(login, browser):
    login.log_in()
    login.log_out()
    page = browser.get("/").get_data(as_text=True)
    assert "You are logged out of Parcel Pal." in page and "Log in with QSM" in page


def test_logout_needs_the_csrf_token(login, browser):
    login.log_in()
    response = browser.post("/logout")
    assert response.status_code == 400
    assert browser.get("/orders").status_code == 200


def test_logout_with_qsm_down_still_ends_the_local_session(login, browser, fake_qsm, demo_app):
    login.log_in()
    demo_app.extensions.pop("demo_app_oauth")  # forget the cached discovery document
    fake_qsm.down = True
    response = login.log_out()
    assert response.status_code == 302 and response.location == "/"
    assert "you may still be logged in there" in browser.get("/").get_data(as_text=True)
    assert db.session.execute(db.select(LoginSession.ended_at)).scalar() is not None


def test_logout_without_a_session_just_goes_home(browser, fake_qsm):
    home = browser.get("/")
    response = browser.post("/logout", data={"csrf_token": csrf_token(home.get_data(as_text=True))})
    assert response.status_code == 302 and response.location == "/"
