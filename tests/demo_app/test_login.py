"""Log in with QSM: code flow with PKCE, state, nonce, RFC 9207 iss and a validated ID token."""
import time

import pytest
import responses

from clients.demo_app.extensions import db
from clients.demo_app.models import LoginSession
from relying_party import token_vault
from tests.demo_app.conftest import BASE_URL, CLIENT_ID, ISSUER
from tests.support.pages import csrf_token


def test_the_home_page_offers_log_in_with_qsm(browser):
    page = browser.get("/").get_data(as_text=True)
    assert '<button type="submit" class="primary">Log in with QSM</button>' in page
    assert 'name="csrf_token"' in page


def test_the_authorization_request_uses_pkce_state_and_nonce(login):
    params = login.start()
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == f"{BASE_URL}/callback"
    assert params["scope"] == "openid profile qsm.orders.read"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20


def test_starting_a_login_needs_the_csrf_token(browser, fake_qsm):
    response = browser.post("/login")
    assert response.status_code == 400
    assert "Try again" in response.get_data(as_text=True)


def test_a_successful_login_keeps_a_server_side_session_with_encrypted_tokens(login, browser, fake_qsm):
    login.log_in()
    row = db.session.execute(db.select(LoginSession)).scalar_one()
    assert (row.sub, row.sid, row.name, row.shop_name) == (
        "sub-seller-1",
        "qsm-session-1",
        "Tan Wei Ling",
        "Lion City Gadgets",
    )
    assert row.access_token_encrypted and "at-1" not in row.access_token_encrypted
    assert token_vault.decrypt(row.access_token_encrypted) == "at-1"
    assert row.ended_at is None and row.expires_at <= time.time() + 3600
    with browser.session_transaction() as cookie:
        assert "at-1" not in str(dict(cookie)) and row.token_hash not in str(dict(cookie))


def test_a_new_login_starts_a_new_session(login, browser):
    login.log_in()
    login.log_in()
    rows = db.session.execute(db.select(LoginSession).order_by(LoginSession.id)).scalars().all()
    assert [row.ended_at is None for row in rows] == [False, True]  # the first was ended, kept a while


def test_a_login_purges_sessions_ended_long_ago(login, browser):
    from clients.demo_app.login_sessions import ENDED_SESSION_RETENTION

    login.log_in()
    first = db.session.execute(db.select(LoginSession)).scalar_one()
    first.ended_at = int(time.time()) - ENDED_SESSION_RETENTION - 1
    db.session.commit()
    login.log_in()
    rows = db.session.execute(db.select(LoginSession)).scalars().all()
    assert [row.ended_at is None for row in rows] == [True]


def refusals(fake, login):
    """Each way the callback can go wrong: (setup, callback overrides, what the page says)."""

    def sign_with_impostor():
        fake.sign_with_impostor_key = True

    def id_token(**claims):
        return lambda: fake.id_token_overrides.update(claims)

    def userinfo_for_someone_else():
        fake.userinfo_sub = "sub-someone-else"

    return {
        "denied": (None, {"error": "access_denied", "code": None}, "You did not allow Parcel Pal"),
        "other-error": (None, {"error": "invalid_scope", "code": None}, "QSM refused the request (invalid_scope)"),
        "bad-state": (None, {"state": "forged-state"}, "expired or was already used"),
        "no-state": (None, {"state": None}, "expired or was already used"),
        "wrong-iss-param": (None, {"iss": "http://evil.test"}, "unexpected issuer"),
        "missing-iss-param": (None, {"iss": None}, "did not say who sent it"),
        "bad-signature": (sign_with_impostor, {}, "could not be validated"),
        "wrong-nonce": (id_token(nonce="another-nonce"), {}, "could not be validated"),
        "no-nonce": (id_token(nonce=None), {}, "could not be validated"),
        "wrong-issuer": (id_token(iss="http://evil.test"), {}, "could not be validated"),
        "wrong-audience": (id_token(aud="someone-else"), {}, "could not be validated"),
        "expired-id-token": (
            id_token(exp=int(time.time()) - 600, iat=int(time.time()) - 1200),
            {},
            "could not be validated",
        ),
        "userinfo-mismatch": (userinfo_for_someone_else, {}, "does not match"),
    }


CASES = [
    "denied",
    "other-error",
    "bad-state",
    "no-state",
    "wrong-iss-param",
    "missing-iss-param",
    "bad-signature",
    "wrong-nonce",
    "no-nonce",
    "wrong-issuer",
    "wrong-audience",
    "expired-id-token",
    "userinfo-mismatch",
]


@pytest.mark.parametrize("case", CASES)
def test_a_failed_callback_shows_a_clear_page_and_signs_nobody_in(login, browser, fake_qsm, case):
    setup, overrides, message = refusals(fake_qsm, login)[case]
    params = login.start()
    if setup:
        setup()
    response = login.callback(params, **overrides)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert message in page
    assert "Try again" in page and 'action="/login"' in page
    assert db.session.execute(db.select(LoginSession)).first() is None
    assert browser.get("/orders").status_code == 302


@pytest.mark.parametrize("where", ["start", "callback"])
def test_qsm_down_is_a_clear_page_not_a_500(login, browser, fake_qsm, where):
    if where == "start":
        fake_qsm.down = True
        home = browser.get("/")
        response = browser.post("/login", data={"csrf_token": csrf_token(home.get_data(as_text=True))})
    else:
        params = login.start()
        fake_qsm.down = True
        response = login.callback(params)
    page = response.get_data(as_text=True)
    assert response.status_code == 502
    assert "QSM cannot be reached right now" in page and "Try again" in page


def test_a_discovery_document_for_another_issuer_is_refused(browser, fake_qsm):
    fake_qsm.mock.replace(responses.GET, f"{ISSUER}/.well-known/openid-configuration", json={"issuer": "http://evil.test"})
    home = browser.get("/")
    response = browser.post("/login", data={"csrf_token": csrf_token(home.get_data(as_text=True))})
    assert response.status_code == 400
    assert "names a different issuer" in response.get_data(as_text=True)


def test_a_state_is_used_once(login, browser):
    params = login.start()
    assert login.callback(params).status_code == 302
    replay = login.callback(params)
    assert replay.status_code == 400 and "expired or was already used" in replay.get_data(as_text=True)
