"""RP-initiated logout at the end_session_endpoint."""
import base64
import json

import pytest

from idp.extensions import db
from idp.models import LoginSession
from tests.support.pages import csrf_token, query_of

LOGGED_OUT = "https://app.example/logged-out"


@pytest.fixture
def session(seller, auth, client, flow):
    auth.login()
    f = flow(trusted=True)
    return f, f.tokens()["id_token"]


def portal_status(client):
    return client.get("/").status_code


def test_a_valid_hint_and_registered_uri_log_out_and_redirect_with_state(client, session):
    f, id_token = session
    assert portal_status(client) == 200
    assert db.session.execute(db.select(LoginSession.ended_at)).scalar_one() is None
    response = client.get(
        "/oauth/logout",
        query_string={"id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT, "state": "bye"},
    )
    assert response.status_code == 302
    assert response.location.split("?")[0] == LOGGED_OUT
    assert query_of(response.location)["state"] == "bye"
    assert portal_status(client) == 302  # the session has ended...
    db.session.expire_all()
    assert db.session.execute(db.select(LoginSession.ended_at)).scalar_one() is not None  # ...on the server too


def test_the_client_id_may_be_sent_too(client, session):
    f, id_token = session
    params = {"id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT, "client_id": f.oauth_client.client_id}
    assert client.get("/oauth/logout", query_string=params).status_code == 302
    assert portal_status(client) == 302


def test_a_hint_for_another_client_id_is_refused(client, session, make_client):
    f, id_token = session
    other = make_client()
    response = client.get(
        "/oauth/logout",
        query_string={"id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT, "client_id": other.client_id},
    )
    assert response.status_code == 400 and "Location" not in response.headers
    assert portal_status(client) == 200


@pytest.mark.parametrize(
    "uri",
    ["https://evil.test/", "https://app.example/logged-out/x", "https://app.example/logged-out?x=1", "https://app.example/callback"],
)
def test_an_unregistered_post_logout_uri_logs_out_without_redirect(client, session, uri):
    _, id_token = session
    response = client.get("/oauth/logout", query_string={"id_token_hint": id_token, "post_logout_redirect_uri": uri})
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "logged out" in response.get_data(as_text=True)
    assert portal_status(client) == 302


def test_an_expired_hint_still_identifies_the_rp(client, session, clock):
    _, id_token = session
    clock.advance(7 * 24 * 3600)
    response = client.get(
        "/oauth/logout", query_string={"id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT}
    )
    assert response.status_code == 302 and response.location.startswith(LOGGED_OUT)


def test_without_a_hint_the_seller_is_asked_first(client, session):
    response = client.get("/oauth/logout", query_string={"post_logout_redirect_uri": LOGGED_OUT})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Log out" in body and 'name="confirm"' in body
    assert portal_status(client) == 200  # nothing happened yet
    confirmed = client.post(response.request.full_path, data={"confirm": "yes", "csrf_token": csrf_token(body)})
    assert confirmed.status_code == 200 and "Location" not in confirmed.headers  # no hint: no redirect
    assert portal_status(client) == 302


@pytest.mark.parametrize("token", [None, "forged"])
def test_the_confirmation_needs_the_pages_csrf_token(client, session, token):
    data = {"confirm": "yes"}
    if token:
        data["csrf_token"] = token
    response = client.post("/oauth/logout", data=data)
    assert response.status_code == 400
    assert portal_status(client) == 200


def test_a_post_without_confirm_shows_the_page(client, session):
    response = client.post("/oauth/logout", data={})
    assert response.status_code == 200 and 'name="confirm"' in response.get_data(as_text=True)
    assert portal_status(client) == 200


def forge(id_token, **changes):
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    "hint",
    [
        lambda t: forge(t, sub="someone-else"),
        lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),
        lambda t: "not.a.jwt",
        lambda t: "garbage",
        lambda t: t.split(".")[0] + "." + t.split(".")[1] + ".",
        lambda t: base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode() + "." + t.split(".")[1] + ".",
        lambda t: (
            base64.urlsafe_b64encode(b'{"alg":"HS256","kid":"x"}').rstrip(b"=").decode()
            + "."
            + t.split(".")[1]
            + ".c2ln"
        ),
        lambda t: "\u00e9.\u00e9.\u00e9",
    ],
    ids=["tampered-claims", "bad-signature", "not-a-jwt", "garbage", "no-signature", "alg-none", "hs256", "non-ascii"],
)
def test_a_forged_hint_gets_an_error_page_and_no_logout(client, session, hint):
    _, id_token = session
    response = client.get(
        "/oauth/logout", query_string={"id_token_hint": hint(id_token), "post_logout_redirect_uri": LOGGED_OUT}
    )
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Location" not in response.headers
    assert portal_status(client) == 200


def test_a_hint_from_another_issuer_is_refused(client, session):
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    _, id_token = session
    key = RSAKey.generate_key(2048, parameters={"kid": "attacker"}, private=True)
    claims = json.loads(base64.urlsafe_b64decode(id_token.split(".")[1] + "=="))
    forged = jwt.encode({"alg": "RS256", "kid": "attacker"}, claims, key)
    response = client.get(
        "/oauth/logout", query_string={"id_token_hint": forged, "post_logout_redirect_uri": LOGGED_OUT}
    )
    assert response.status_code == 400 and "Location" not in response.headers
    assert portal_status(client) == 200


def test_logout_without_a_session_still_redirects_the_rp(client, seller, auth, flow):
    auth.login()
    f = flow(trusted=True)
    id_token = f.tokens()["id_token"]
    client.get("/oauth/logout", query_string={"id_token_hint": id_token})
    response = client.get(
        "/oauth/logout", query_string={"id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT, "state": "s"}
    )
    assert response.status_code == 302 and query_of(response.location)["state"] == "s"
