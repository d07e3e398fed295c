"""Token introspection (RFC 7662): for authenticated confidential clients only."""
import pytest

from idp.extensions import db
from idp.models import Token
from tests.support.oauth import basic_auth, token_request_as_registered, tokens_as_registered

SCOPE = "openid email offline_access qsm.orders.read"


@pytest.fixture(params=["client_secret_basic", "client_secret_post"])
def issued(request, seller, auth, flow, make_client):
    auth.login()
    f = flow(make_client(trusted=True, token_endpoint_auth_method=request.param))
    return f, tokens_as_registered(f, scope=SCOPE)


def introspect(f, token, hint=None, oauth_client=None):
    c = oauth_client or f.oauth_client
    data = {"token": token}
    if hint:
        data["token_type_hint"] = hint
    headers = {}
    if c.token_endpoint_auth_method == "client_secret_post":
        data.update(client_id=c.client_id, client_secret=c.plain_secret)
    else:
        headers = basic_auth(c.client_id, c.plain_secret)
    response = f.client.post("/oauth/introspect", data=data, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


@pytest.mark.parametrize("hint", [None, "access_token", "refresh_token"])
def test_an_active_access_token(clock, issued, seller, hint):
    f, tokens = issued
    body = introspect(f, tokens["access_token"], hint)
    assert body["active"] is True
    assert body["scope"] == SCOPE and body["client_id"] == f.oauth_client.client_id
    assert body["sub"] == seller.sub and body["token_type"] == "Bearer"
    assert body["iat"] == int(clock.time()) and body["exp"] == body["iat"] + 3600
    assert body["iss"] == "http://qsm.test"
    assert "seller@example.com" not in body.values()  # the email scope, not introspection, releases it


@pytest.mark.parametrize("hint", [None, "refresh_token", "access_token"])
def test_an_active_refresh_token_outlives_its_access_token(clock, issued, seller, app, hint):
    f, tokens = issued
    clock.advance(3601)
    assert introspect(f, tokens["access_token"]) == {"active": False}
    body = introspect(f, tokens["refresh_token"], hint)
    assert body["active"] is True and body["sub"] == seller.sub and body["scope"] == SCOPE
    assert body["exp"] == body["iat"] + app.config["REFRESH_TOKEN_TTL"]


def test_expired_tokens_are_inactive(clock, issued, app):
    f, tokens = issued
    clock.advance(app.config["REFRESH_TOKEN_TTL"] + 1)
    assert introspect(f, tokens["access_token"]) == {"active": False}
    assert introspect(f, tokens["refresh_token"]) == {"active": False}


def test_revoked_tokens_are_inactive(issued):
    f, tokens = issued
    db.session.execute(db.update(Token).values(access_revoked_at=1))
    db.session.commit()
    assert introspect(f, tokens["access_token"]) == {"active": False}
    assert introspect(f, tokens["refresh_token"])["active"] is True  # only the access token was revoked
    from idp.oauth.tokens import revoke_family

    revoke_family(db.session.execute(db.select(Token.family_id)).scalar_one(), "test")
    assert introspect(f, tokens["refresh_token"]) == {"active": False}


def test_a_rotated_refresh_token_is_inactive(issued):
    f, tokens = issued
    newer = token_request_as_registered(
        f, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    ).get_json()
    assert introspect(f, tokens["refresh_token"]) == {"active": False}
    assert introspect(f, newer["refresh_token"])["active"] is True


def test_another_clients_token_is_inactive_to_it(issued, make_client):
    f, tokens = issued
    other = make_client()
    assert introspect(f, tokens["access_token"], oauth_client=other) == {"active": False}
    assert introspect(f, tokens["refresh_token"], oauth_client=other) == {"active": False}


@pytest.mark.parametrize("token", ["unknown", "x" * 2000])
@pytest.mark.parametrize("hint", [None, "access_token", "refresh_token", "unknown_hint"])
def test_an_unknown_token_is_inactive(issued, token, hint):
    f, _ = issued
    assert introspect(f, token, hint) == {"active": False}


def test_a_missing_token_is_invalid_request(issued):
    f, _ = issued
    response = token_request_as_registered(f, {"token": ""}, endpoint="/oauth/introspect")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"


def test_a_client_credentials_token_has_no_sub(client, make_client):
    c = make_client(grant_types=("client_credentials",), scope="qsm.orders.read")
    headers = basic_auth(c.client_id, c.plain_secret)
    token = client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "scope": "qsm.orders.read"}, headers=headers
    ).get_json()
    body = client.post("/oauth/introspect", data={"token": token["access_token"]}, headers=headers).get_json()
    assert body["active"] is True and "sub" not in body and body["scope"] == "qsm.orders.read"


def test_public_clients_cannot_introspect(seller, auth, flow, make_client):
    auth.login()
    f = flow(make_client(trusted=True, token_endpoint_auth_method="none"))
    tokens = f.tokens()
    response = f.client.post(
        "/oauth/introspect", data={"token": tokens["access_token"], "client_id": f.oauth_client.client_id}
    )
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("secret", ["wrong", None])
def test_unauthenticated_requests_are_refused(issued, secret):
    f, tokens = issued
    headers = basic_auth(f.oauth_client.client_id, secret) if secret else {}
    response = f.client.post("/oauth/introspect", data={"token": tokens["access_token"]}, headers=headers)
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_client"
