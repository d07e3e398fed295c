"""Log in with QSM pushes the authorization request first (RFC 9126): Parcel Pal sends it to QSM
itself, authenticated, and the seller's browser carries only client_id and the request_uri."""
import base64
import hashlib
from urllib.parse import urlsplit

import pytest
import requests
import responses

from clients.demo_app.extensions import db
from clients.demo_app.models import LoginSession
from tests.demo_app.conftest import BASE_URL, CLIENT_ID, CLIENT_SECRET, ISSUER
from tests.support.pages import csrf_token, query_of


def s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def press_log_in(browser):
    home = browser.get("/")
    return browser.post("/login", data={"csrf_token": csrf_token(home.get_data(as_text=True))})


def pending_logins(browser):
    """What Authlib keeps in the session between the redirect and the callback (state, nonce, verifier)."""
    with browser.session_transaction() as cookie:
        return [key for key in cookie if key.startswith("_state_")]


def test_the_push_carries_pkce_state_nonce_the_exact_redirect_uri_and_the_client_authentication(login, fake_qsm):
    params = login.start()
    (push,) = fake_qsm.pushes
    assert push["form"] == params
    assert push["authorization"] == (CLIENT_ID, CLIENT_SECRET)  # client_secret_basic, as at the token endpoint
    assert "client_secret" not in params
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == f"{BASE_URL}/callback"
    assert params["scope"] == "openid profile qsm.orders.read"
    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    assert push["timeout"] == 5.0  # DEMO_APP_QSM_TIMEOUT: a QSM that hangs cannot hold the seller's request

    # The verifier Parcel Pal redeems the code with is the one whose challenge it pushed.
    login.callback(params)
    (token_request,) = fake_qsm.token_requests
    assert s256(token_request["code_verifier"]) == params["code_challenge"]
    assert token_request["redirect_uri"] == params["redirect_uri"]


def test_the_browser_is_sent_with_only_client_id_and_the_request_uri(login, fake_qsm):
    home = login.client.get("/")
    response = login.client.post("/login", data={"csrf_token": csrf_token(home.get_data(as_text=True))})
    assert response.status_code == 302
    url = urlsplit(response.location)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{ISSUER}/oauth/authorize"
    (push,) = fake_qsm.pushes
    assert push["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert query_of(response.location) == {"client_id": CLIENT_ID, "request_uri": push["request_uri"]}


def test_each_login_pushes_its_own_request(login, fake_qsm):
    first, second = login.start(), login.start()
    assert [push["request_uri"] for push in fake_qsm.pushes] == [
        "urn:ietf:params:oauth:request_uri:pushed-1",
        "urn:ietf:params:oauth:request_uri:pushed-2",
    ]
    assert first["state"] != second["state"] and first["code_challenge"] != second["code_challenge"]
    # Each state was kept once its push succeeded, and either can finish the login.
    assert len(pending_logins(login.client)) == 2
    fake_qsm.nonce = first["nonce"]
    assert login.callback(first).status_code == 302


PUSH_FAILURES = {
    "timeout": (requests.Timeout("read timed out"), 502, "QSM cannot be reached right now"),
    "connection-error": (requests.ConnectionError("refused"), 502, "QSM cannot be reached right now"),
    "invalid-request": (
        (400, {"error": "invalid_request", "error_description": "Invalid 'redirect_uri' in request."}),
        400,
        "QSM refused Parcel Pal&#39;s login request (invalid_request).",
    ),
    "invalid-client": (
        (401, {"error": "invalid_client"}),
        400,
        "QSM refused Parcel Pal&#39;s login request (invalid_client).",
    ),
    "server-error": ((500, "<html>Internal Server Error</html>"), 502, "it answered 500"),
    "ok-instead-of-created": ((200, {"request_uri": "urn:ietf:params:oauth:request_uri:x"}), 502, "it answered 200"),
    "created-without-request-uri": ((201, {"expires_in": 60}), 502, "could not read"),
}


@pytest.mark.parametrize("case", list(PUSH_FAILURES))
def test_a_failed_push_shows_a_clear_page_and_keeps_nothing(login, browser, fake_qsm, case):
    failure, status, message = PUSH_FAILURES[case]
    fake_qsm.push_failure = failure
    response = press_log_in(browser)
    page = response.get_data(as_text=True)
    assert response.status_code == status, page
    assert "Logging in with QSM did not work" in page and message in page
    assert "Try again" in page and 'action="/login"' in page
    assert "Traceback" not in page and "error_description" not in page
    assert pending_logins(browser) == []
    # The state Parcel Pal pushed was never kept: a callback bringing it is refused, and nobody is signed in.
    (push,) = fake_qsm.pushes
    fake_qsm.push_failure = None
    callback = browser.get("/callback", query_string={"code": "code-1", "state": push["form"]["state"], "iss": ISSUER})
    assert callback.status_code == 400 and "expired or was already used" in callback.get_data(as_text=True)
    assert fake_qsm.token_requests == []
    assert db.session.execute(db.select(LoginSession)).first() is None
    assert browser.get("/orders").status_code == 302


def test_a_wrong_client_secret_is_refused_at_the_push(demo_app, login, browser, fake_qsm):
    demo_app.config["CLIENT_SECRET"] = "not-the-secret"
    response = press_log_in(browser)
    assert response.status_code == 400
    assert "(invalid_client)" in response.get_data(as_text=True)
    assert fake_qsm.pushes[0]["authorization"] == (CLIENT_ID, "not-the-secret")
    assert pending_logins(browser) == []


def test_a_qsm_that_does_not_advertise_par_gets_no_plain_request(browser, fake_qsm):
    fake_qsm.advertise_par = False
    response = press_log_in(browser)
    page = response.get_data(as_text=True)
    assert response.status_code == 502, page
    assert "does not take pushed authorization requests" in page and "Try again" in page
    assert fake_qsm.pushes == [] and pending_logins(browser) == []


def test_the_push_follows_the_endpoint_in_discovery(browser, fake_qsm):
    fake_qsm.mock.replace(
        responses.GET,
        f"{ISSUER}/.well-known/openid-configuration",
        json={
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/oauth/authorize",
            "pushed_authorization_request_endpoint": f"{ISSUER}/elsewhere/par",
        },
    )
    fake_qsm.mock.add_callback(responses.POST, f"{ISSUER}/elsewhere/par", callback=fake_qsm._par)
    response = press_log_in(browser)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert [call.request.url for call in fake_qsm.mock.calls if call.request.method == "POST"] == [
        f"{ISSUER}/elsewhere/par"
    ]


def test_the_callback_still_checks_the_state_of_the_pushed_request(login, browser, fake_qsm):
    params = login.start()
    for state in ("forged-state", None):
        refused = login.callback(params, state=state)
        assert refused.status_code == 400 and "expired or was already used" in refused.get_data(as_text=True)
    assert db.session.execute(db.select(LoginSession)).first() is None
    assert fake_qsm.token_requests == []
    assert login.callback(params).status_code == 302
    replay = login.callback(params)
    assert replay.status_code == 400 and "expired or was already used" in replay.get_data(as_text=True)
