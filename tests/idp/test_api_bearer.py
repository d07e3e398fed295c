"""The seller API as a resource server: RFC 6750 errors for missing, bad and under-scoped tokens."""
import pytest

from idp.extensions import db
from idp.models import Token
from tests.support.oauth import basic_auth, bearer

ENDPOINTS = [
    ("GET", "/api/v1/orders", "qsm.orders.read"),
    ("GET", "/api/v1/smart-inventory/link", "qsm.inventory"),
    ("PUT", "/api/v1/smart-inventory/link", "qsm.inventory"),
]
ids = [f"{m} {p}" for m, p, _ in ENDPOINTS]


@pytest.fixture
def token_for(seller, auth, flow):
    auth.login()
    f = flow(trusted=True)
    return lambda scope: f.tokens(scope=scope)["access_token"]


def call(client, method, path, token=None, headers=None):
    headers = dict(headers or {})
    if token is not None:
        headers.update(bearer(token))
    return client.open(
        path, method=method, headers=headers, json={"smartship_login_id": "ship-1"} if method == "PUT" else None
    )


@pytest.mark.parametrize("method, path, scope", ENDPOINTS, ids=ids)
def test_no_token_gets_a_bearer_challenge(client, method, path, scope):
    response = call(client, method, path)
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer") and "error=" not in challenge
    assert response.get_json()["error"]


@pytest.mark.parametrize("method, path, scope", ENDPOINTS, ids=ids)
@pytest.mark.parametrize("how", ["unknown", "expired", "revoked", "family-revoked"])
def test_an_unusable_token_is_invalid_token(client, token_for, clock, method, path, scope, how):
    token = "not-a-token" if how == "unknown" else token_for(f"openid {scope}")
    if how == "expired":
        clock.advance(3601)
    elif how == "revoked":
        db.session.execute(db.update(Token).values(access_revoked_at=1))
        db.session.commit()
    elif how == "family-revoked":
        from idp.oauth.tokens import revoke_family

        revoke_family(db.session.execute(db.select(Token.family_id)).scalar_one(), "test")
    response = call(client, method, path, token)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith('Bearer ')
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("method, path, scope", ENDPOINTS, ids=ids)
def test_a_token_without_the_scope_is_insufficient_scope(client, token_for, method, path, scope):
    other = "qsm.inventory" if scope == "qsm.orders.read" else "qsm.orders.read"
    response = call(client, method, path, token_for(f"openid profile {other}"))
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in response.headers.get("WWW-Authenticate", "")
    assert scope in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("method, path, scope", ENDPOINTS, ids=ids)
def test_a_client_credentials_token_has_no_seller_and_is_forbidden(client, make_client, method, path, scope):
    service = make_client(grant_types=("client_credentials",), scope="qsm.orders.read qsm.inventory")
    token = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        headers=basic_auth(service.client_id, service.plain_secret),
    ).get_json()["access_token"]
    response = call(client, method, path, token)
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"


@pytest.mark.parametrize("method, path, scope", ENDPOINTS, ids=ids)
@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Bearer  ",
        "bearer",
        "Basic dXNlcjpwYXNz",
        "Basic !!!",
        "Token abc",
        "Bearer a b c",
        "Bearer \u00e9\u00e8",
        "x" * 5000,
    ],
    ids=[
        "bare",
        "empty",
        "spaces",
        "lower-bare",
        "basic",
        "basic-garbage",
        "other-scheme",
        "spaces-in-token",
        "non-ascii",
        "huge",
    ],
)
def test_malformed_authorization_headers_are_refused_cleanly(client, method, path, scope, authorization):
    response = call(client, method, path, headers={"Authorization": authorization})
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] in ("invalid_request", "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("method, path, scope", ENDPOINTS, ids=ids)
def test_the_bearer_scheme_is_case_insensitive(client, token_for, method, path, scope):
    token = token_for(f"openid {scope}")
    response = call(client, method, path, headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200


@pytest.mark.parametrize("method, path, scope", ENDPOINTS, ids=ids)
def test_a_refresh_token_is_not_an_access_token(client, token_for, flow, method, path, scope):
    refresh_token = flow(trusted=True).tokens(scope=f"openid offline_access {scope}")["refresh_token"]
    assert call(client, method, path, refresh_token).status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/orders", "/api/v1/smart-inventory/link"])
@pytest.mark.parametrize("method", ["POST", "DELETE", "PATCH"])
def test_other_methods_are_refused_in_json(client, token_for, path, method):
    response = client.open(path, method=method, headers=bearer(token_for("openid qsm.orders.read qsm.inventory")))
    assert response.status_code == 405
    assert response.get_json()["error"]


def test_an_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]
