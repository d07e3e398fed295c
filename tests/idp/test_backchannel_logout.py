"""QSM's side of OIDC Back-Channel Logout: sid in ID tokens, and a signed logout token to every
client that signed the seller in through the ending session."""
from urllib.parse import parse_qs

import pytest
import responses

from relying_party.logout_tokens import BACKCHANNEL_LOGOUT_EVENT, validate_logout_token
from tests.support.oauth import decode_id_token
from tests.support.pages import csrf_token

BACKCHANNEL = "https://app.example/backchannel-logout"


@pytest.fixture
def mock_clients():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, BACKCHANNEL, status=200)
        mock.add(responses.POST, "https://other.example/backchannel-logout", status=200)
        yield mock


def logout_tokens_sent(mock, url=BACKCHANNEL):
    return [parse_qs(call.request.body)["logout_token"][0] for call in mock.calls if call.request.url == url]


def jwks(client):
    return client.get("/oauth/jwks").get_json()


def test_id_tokens_carry_the_login_session_sid(client, seller, auth, flow):
    auth.login()
    tokens = flow(trusted=True).tokens()
    with client.session_transaction() as session:
        sid = session["sid"]
    assert decode_id_token(client, tokens["id_token"]).claims["sid"] == sid


def test_logout_sends_a_valid_logout_token_to_each_client_of_the_session(client, seller, auth, flow, mock_clients):
    auth.login()
    first = flow(trusted=True, backchannel_logout_uri=BACKCHANNEL)
    sid = decode_id_token(client, first.tokens()["id_token"]).claims["sid"]
    flow(trusted=True, redirect_uris=["https://other.example/cb"], backchannel_logout_uri="https://other.example/backchannel-logout").tokens()
    flow(trusted=True, redirect_uris=["https://quiet.example/cb"]).tokens()  # no back-channel URI: not told

    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})

    [token] = logout_tokens_sent(mock_clients)
    claims = validate_logout_token(token, "http://qsm.test", first.oauth_client.client_id, lambda force: jwks(client))
    assert claims["sid"] == sid and claims["sub"] == seller.sub and claims["events"] == {BACKCHANNEL_LOGOUT_EVENT: {}}
    assert "nonce" not in claims
    assert len(logout_tokens_sent(mock_clients, "https://other.example/backchannel-logout")) == 1
    assert len(mock_clients.calls) == 2


def test_rp_initiated_logout_also_tells_the_clients(client, seller, auth, flow, mock_clients):
    auth.login()
    f = flow(trusted=True, backchannel_logout_uri=BACKCHANNEL)
    tokens = f.tokens()
    response = client.get(
        "/oauth/logout",
        query_string={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://app.example/logged-out",
        },
    )
    assert response.status_code == 302 and response.location.startswith("https://app.example/logged-out")
    assert len(logout_tokens_sent(mock_clients)) == 1
    assert client.get("/").status_code == 302  # the QSM session is over


def test_a_cookie_copied_before_logout_no_longer_works(app, client, seller, auth):
    auth.login()
    with client.session_transaction() as session:
        stolen = dict(session)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    replay = app.test_client()
    with replay.session_transaction() as session:
        session.update(stolen)
    assert replay.get("/").status_code == 302


def test_a_client_that_fails_to_answer_does_not_block_logout(client, seller, auth, flow):
    auth.login()
    flow(trusted=True, backchannel_logout_uri=BACKCHANNEL).tokens()
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, BACKCHANNEL, body=__import__("requests").ConnectionError("down"))
        response = client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_a_password_change_ends_the_other_sessions_and_tells_their_clients(
    app, client, seller, auth, flow, mock_clients
):
    from tests.support.qsm import PASSWORD, Auth

    other_browser = app.test_client()
    Auth(other_browser).login()
    f = flow(trusted=True, backchannel_logout_uri=BACKCHANNEL)
    f.client = other_browser
    f.tokens()
    auth.login()
    page = client.get("/account/password")
    client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "current_password": PASSWORD,
            "new_password": "A brand new passphrase",
            "confirm_password": "A brand new passphrase",
        },
    )
    assert len(logout_tokens_sent(mock_clients)) == 1
    assert other_browser.get("/").status_code == 302
    assert client.get("/").status_code == 200
