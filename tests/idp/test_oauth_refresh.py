"""The refresh_token grant: a new refresh token on every use; using a spent one revokes the
whole family; never more scope than was granted."""
import pytest

from idp.extensions import db
from idp.models import TokenFamily
from tests.support.oauth import basic_auth, bearer, decode_id_token, token_request_as_registered

SCOPE = "openid profile email offline_access qsm.orders.read"


@pytest.fixture(params=["client_secret_basic", "none"], ids=["confidential", "public"])
def session(request, seller, auth, flow, make_client):
    auth.login()
    f = flow(make_client(trusted=True, token_endpoint_auth_method=request.param))
    return f, f.tokens(scope=SCOPE)


def refresh(f, refresh_token, **extra):
    return f.token_request({"grant_type": "refresh_token", "refresh_token": refresh_token, **extra})


def userinfo_status(client, access_token):
    return client.get("/oauth/userinfo", headers=bearer(access_token)).status_code


def test_every_refresh_rotates_the_refresh_token(client, session):
    f, tokens = session
    response = refresh(f, tokens["refresh_token"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    new = response.get_json()
    assert new["refresh_token"] != tokens["refresh_token"] and new["access_token"] != tokens["access_token"]
    assert new["scope"] == SCOPE and new["token_type"] == "Bearer"
    assert userinfo_status(client, new["access_token"]) == 200
    assert refresh(f, new["refresh_token"]).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_family(client, session):
    f, tokens = session
    newest = refresh(f, tokens["refresh_token"]).get_json()
    reuse = refresh(f, tokens["refresh_token"])
    assert reuse.status_code == 400 and reuse.get_json()["error"] == "invalid_grant"
    assert userinfo_status(client, newest["access_token"]) == 401
    assert refresh(f, newest["refresh_token"]).get_json()["error"] == "invalid_grant"
    family = db.session.execute(db.select(TokenFamily)).scalar_one()
    assert family.revoked_reason == "refresh_token_reuse"


def test_a_narrower_scope_may_be_asked_for(client, session):
    f, tokens = session
    response = refresh(f, tokens["refresh_token"], scope="openid offline_access")
    assert response.status_code == 200
    assert response.get_json()["scope"] == "openid offline_access"


@pytest.mark.parametrize(
    "scope", ["openid address", "openid qsm.inventory", "openid offline_access phone", "unknown.scope"]
)
def test_more_scope_than_granted_is_refused_without_spending_the_token(client, session, scope):
    f, tokens = session
    response = refresh(f, tokens["refresh_token"], scope=scope)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_scope"
    assert refresh(f, tokens["refresh_token"]).status_code == 200


def test_another_clients_refresh_token_is_refused_and_not_spent(client, session, make_client):
    f, tokens = session
    other = make_client()
    response = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "scope": "openid address"},
        headers=basic_auth(other.client_id, other.plain_secret),
    )
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"
    assert refresh(f, tokens["refresh_token"]).status_code == 200


def test_an_expired_refresh_token_is_refused(clock, client, session, app):
    f, tokens = session
    clock.advance(app.config["REFRESH_TOKEN_TTL"] + 1)
    assert refresh(f, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize("value", [None, "", "not-a-token"])
def test_missing_or_unknown_refresh_token(session, value):
    f, _ = session
    data = {"grant_type": "refresh_token"}
    if value is not None:
        data["refresh_token"] = value
    response = f.token_request(data)
    assert response.status_code == 400
    assert response.get_json()["error"] in ("invalid_request", "invalid_grant")


def test_an_access_token_is_not_a_refresh_token(session):
    f, tokens = session
    assert refresh(f, tokens["access_token"]).get_json()["error"] == "invalid_grant"


def test_a_refresh_token_is_not_an_access_token(client, session):
    _, tokens = session
    assert userinfo_status(client, tokens["refresh_token"]) == 401


def test_a_client_without_the_refresh_grant_cannot_refresh(seller, auth, flow, make_client):
    auth.login()
    f = flow(make_client(trusted=True))
    tokens = f.tokens(scope="openid offline_access")
    f.oauth_client.grant_types = "authorization_code"
    db.session.commit()
    response = refresh(f, tokens["refresh_token"])
    assert response.get_json()["error"] == "unauthorized_client"


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post", "none"])
@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_refreshed_id_token_is_the_original_logins(app, seller, auth, flow, make_client, method, alg):
    """Confidential clients' refreshes are answered before Flask (machine.py), public clients'
    by Authlib's grant: the ID token is the same either way (OpenID Connect Core 12.2)."""
    import base64
    import hashlib

    auth.login()
    f = flow(make_client(trusted=True, token_endpoint_auth_method=method, id_token_signed_response_alg=alg))
    code = f.get_code(scope=SCOPE)
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": f.oauth_client.redirect_uris[0],
        "code_verifier": f.verifier,
    }
    tokens = token_request_as_registered(f, exchange).get_json()
    original = decode_id_token(f.client, tokens["id_token"])
    response = token_request_as_registered(f, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200, response.get_json()
    new = response.get_json()
    refreshed = decode_id_token(f.client, new["id_token"])
    assert refreshed.header["alg"] == alg and refreshed.header["typ"] == "JWT" and refreshed.header["kid"]
    claims = refreshed.claims
    assert claims["iss"] == app.config["ISSUER"] and claims["aud"] == [f.oauth_client.client_id]
    assert claims["sub"] == original.claims["sub"] == seller.sub
    assert claims["auth_time"] == original.claims["auth_time"]
    assert claims["exp"] - claims["iat"] == app.config["ID_TOKEN_TTL"]
    digest = hashlib.sha256(new["access_token"].encode()).digest()
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")
    assert "nonce" not in claims
    assert claims["email"] == seller.email and claims["shop_name"] == seller.shop_name
    # The login's nonce, session (sid) and method (amr) belong to the login's ID token only.
    expected = set(original.claims) - {"nonce", "sid", "amr"}
    assert set(claims) == expected, set(claims) ^ expected


@pytest.mark.parametrize(
    "scope, refresh_token, id_token", [("openid", False, True), ("offline_access qsm.orders.read", True, False)]
)
def test_a_narrower_refresh_keeps_what_its_scope_allows(client, session, scope, refresh_token, id_token):
    """Without offline_access no new refresh token; without openid no ID token."""
    f, tokens = session
    response = refresh(f, tokens["refresh_token"], scope=scope)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["scope"] == scope
    assert ("refresh_token" in body) is refresh_token and ("id_token" in body) is id_token
