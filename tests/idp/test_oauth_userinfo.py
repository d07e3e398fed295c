"""UserInfo: GET and POST with a Bearer header, claims filtered by the token's scope."""
import pytest

from idp.extensions import db
from idp.models import Token
from tests.support.oauth import bearer


@pytest.fixture
def token_for(seller, auth, flow):
    auth.login()
    f = flow(trusted=True)

    def issue(scope):
        return f.tokens(scope=scope)["access_token"]

    return issue


EXPECTED = {
    "openid": {"sub"},
    "openid profile": {"sub", "name", "shop_name", "seller_id", "updated_at"},
    "openid email": {"sub", "email", "email_verified"},
    "openid address": {"sub", "address"},
    "openid phone": {"sub", "phone_number"},
    "openid qsm.orders.read offline_access": {"sub"},
    "openid profile email address phone": {
        "sub", "name", "shop_name", "seller_id", "updated_at", "email", "email_verified", "address", "phone_number",
    },
}


@pytest.mark.parametrize("scope", list(EXPECTED))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_claims_are_filtered_by_scope(client, token_for, seller, scope, method):
    response = client.open("/oauth/userinfo", method=method, headers=bearer(token_for(scope)))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert set(response.get_json()) == EXPECTED[scope]


def test_claim_values(client, token_for, seller):
    info = client.get("/oauth/userinfo", headers=bearer(token_for("openid profile email address phone"))).get_json()
    assert info["sub"] == seller.sub
    assert info["name"] == seller.contact_name and info["shop_name"] == seller.shop_name
    assert info["seller_id"] == seller.seller_id and info["seller_id"].startswith("QS")
    assert info["email"] == "seller@example.com" and info["email_verified"] is True
    assert info["phone_number"] == seller.phone
    assert info["address"] == {
        "street_address": "1 Test Street",
        "locality": "Singapore",
        "postal_code": "000001",
        "country": "SG",
        "formatted": "1 Test Street\nSingapore 000001\nSG",
    }


def test_sub_is_stable_and_not_the_row_id(client, token_for, seller):
    first = client.get("/oauth/userinfo", headers=bearer(token_for("openid"))).get_json()["sub"]
    second = client.get("/oauth/userinfo", headers=bearer(token_for("openid"))).get_json()["sub"]
    assert first == second == seller.sub
    assert first != str(seller.id) and len(first) >= 32
    seller.email = "renamed@example.com"
    db.session.commit()
    assert client.get("/oauth/userinfo", headers=bearer(token_for("openid"))).get_json()["sub"] == first


def test_a_token_without_openid_is_insufficient_scope(client, token_for):
    response = client.get("/oauth/userinfo", headers=bearer(token_for("qsm.orders.read")))
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"


def test_no_token_is_a_bearer_challenge(client):
    response = client.get("/oauth/userinfo")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "error=" not in response.headers["WWW-Authenticate"]  # RFC 6750 3.1: no error without a token


@pytest.mark.parametrize("how", ["unknown", "expired", "revoked", "family-revoked"])
def test_an_unusable_token_is_invalid_token(client, token_for, clock, how):
    token = token_for("openid") if how != "unknown" else "not-a-token"
    if how == "expired":
        clock.advance(3601)
    elif how == "revoked":
        db.session.execute(db.update(Token).values(access_revoked_at=1))
        db.session.commit()
    elif how == "family-revoked":
        from idp.oauth.tokens import revoke_family

        revoke_family(db.session.execute(db.select(Token.family_id)).scalar_one(), "test")
    response = client.get("/oauth/userinfo", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_in_the_post_body_is_not_accepted(client, token_for):
    """RFC 6750 2.2 is optional and Authlib reads only the header; QSM does not claim it."""
    response = client.post("/oauth/userinfo", data={"access_token": token_for("openid")})
    assert response.status_code == 401


def test_a_token_in_the_query_is_not_accepted(client, token_for):
    response = client.get("/oauth/userinfo", query_string={"access_token": token_for("openid")})
    assert response.status_code == 401


def test_claims_a_seller_has_not_given_are_left_out(client, make_seller, auth, flow):
    make_seller("bare@example.com", phone=None, street_address=None, locality=None, postal_code=None, country=None)
    auth.login("bare@example.com")
    token = flow(trusted=True).tokens(scope="openid address phone")["access_token"]
    assert set(client.get("/oauth/userinfo", headers=bearer(token)).get_json()) == {"sub"}
