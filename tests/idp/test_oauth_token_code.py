"""The token endpoint, authorization_code grant: codes short-lived, single-use and bound to
client, redirect URI and PKCE challenge; a replay revokes what the first redemption issued."""
import base64
import hashlib

import pytest

from tests.support.oauth import bearer, decode_id_token, pkce_pair, token_request_as_registered

ISSUER = "http://qsm.test"


@pytest.fixture
def logged_in(seller, auth):
    auth.login()
    return seller


@pytest.fixture(params=["client_secret_basic", "client_secret_post", "none"])
def any_client(request, make_client):
    return make_client(trusted=True, token_endpoint_auth_method=request.param)


def post_token(f, data):
    return token_request_as_registered(f, data)


def exchange(f, code, **overrides):
    return post_token(f, f.exchange_data(code, **overrides))


def at_hash(access_token):
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def assert_error(response, error, status=400):
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"] == error
    assert response.headers["Cache-Control"] == "no-store"


def test_a_code_buys_tokens_and_an_id_token(logged_in, client, flow, any_client, clock):
    f = flow(any_client)
    code = f.get_code(scope="openid profile", nonce="the-nonce")
    clock.advance(10)
    response = exchange(f, code)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "openid profile"
    assert "refresh_token" not in body  # offline_access was not asked for
    claims = decode_id_token(client, body["id_token"]).claims
    assert claims["iss"] == ISSUER
    assert claims["aud"] in (any_client.client_id, [any_client.client_id])
    assert claims["sub"] == logged_in.sub and claims["sub"] != str(logged_in.id)
    assert claims["nonce"] == "the-nonce"
    assert claims["at_hash"] == at_hash(body["access_token"])
    assert claims["iat"] == int(clock.time()) and claims["exp"] == claims["iat"] + 3600
    assert claims["name"] == logged_in.contact_name and "email" not in claims


def test_without_a_nonce_the_id_token_has_none(logged_in, client, flow):
    f = flow(trusted=True)
    tokens = f.tokens(nonce=None)
    assert "nonce" not in decode_id_token(client, tokens["id_token"]).claims


def test_without_openid_scope_there_is_no_id_token(logged_in, flow):
    tokens = flow(trusted=True).tokens(scope="qsm.orders.read")
    assert "id_token" not in tokens and tokens["scope"] == "qsm.orders.read"


def test_refresh_token_only_with_offline_access(logged_in, flow):
    f = flow(trusted=True)
    assert "refresh_token" in f.tokens(scope="openid offline_access")
    assert "refresh_token" not in f.tokens(scope="openid profile")


def test_no_refresh_token_for_a_client_without_the_refresh_grant(logged_in, flow):
    f = flow(trusted=True, grant_types=("authorization_code",))
    tokens = f.tokens(scope="openid offline_access")
    assert "refresh_token" not in tokens


@pytest.mark.parametrize(
    "verifier, error",
    [
        (None, "invalid_request"),
        ("", "invalid_request"),
        ("short", "invalid_request"),
        ("a" * 129, "invalid_request"),
        ("has spaces in it and is long enough to pass the length check", "invalid_request"),
        (pkce_pair()[0], "invalid_grant"),
    ],
    ids=["missing", "empty", "short", "long", "bad-chars", "wrong"],
)
def test_the_code_verifier_must_match_the_challenge(logged_in, flow, any_client, verifier, error):
    f = flow(any_client)
    assert_error(exchange(f, f.get_code(), code_verifier=verifier), error)


def test_the_plain_method_cannot_be_used_by_sending_the_challenge_as_verifier(logged_in, flow, any_client):
    f = flow(any_client)
    assert_error(exchange(f, f.get_code(), code_verifier=f.challenge), "invalid_grant")


def test_a_code_expires_after_sixty_seconds(logged_in, flow, any_client, clock):
    f = flow(any_client)
    code = f.get_code()
    clock.advance(59)
    assert exchange(f, code).status_code == 200
    code = f.get_code()
    clock.advance(61)
    assert_error(exchange(f, code), "invalid_grant")


def test_a_code_lives_at_most_sixty_seconds_whatever_the_config(app, logged_in, flow, clock):
    app.config["AUTHORIZATION_CODE_TTL"] = 600
    f = flow(trusted=True)
    code = f.get_code()
    clock.advance(61)
    assert_error(exchange(f, code), "invalid_grant")


def test_a_shorter_configured_lifetime_is_kept(app, logged_in, flow, clock):
    app.config["AUTHORIZATION_CODE_TTL"] = 10
    f = flow(trusted=True)
    code = f.get_code()
    clock.advance(11)
    assert_error(exchange(f, code), "invalid_grant")


def test_a_code_is_single_use_and_a_replay_revokes_what_it_issued(logged_in, client, flow, any_client):
    f = flow(any_client)
    code = f.get_code(scope="openid offline_access")
    first = exchange(f, code).get_json()
    assert client.get("/oauth/userinfo", headers=bearer(first["access_token"])).status_code == 200
    assert_error(exchange(f, code), "invalid_grant")
    assert client.get("/oauth/userinfo", headers=bearer(first["access_token"])).status_code == 401
    assert_error(
        post_token(f, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}), "invalid_grant"
    )


def test_a_code_is_bound_to_its_client(logged_in, flow, make_client):
    mine = flow(make_client(trusted=True))
    code = mine.get_code()
    other = flow(make_client(trusted=True))
    other.verifier = mine.verifier
    assert_error(exchange(other, code), "invalid_grant")
    assert exchange(mine, code).status_code == 200  # the attempt did not spend it


def test_a_code_is_bound_to_its_redirect_uri(logged_in, flow, make_client):
    f = flow(make_client(trusted=True, redirect_uris=["https://app.example/callback", "https://app.example/other"]))
    assert_error(exchange(f, f.get_code(), redirect_uri="https://app.example/other"), "invalid_grant")
    assert_error(exchange(f, f.get_code(), redirect_uri=None), "invalid_grant")


@pytest.mark.parametrize("code", ["", "unknown-code", "x" * 2048])
def test_an_unknown_code_is_invalid_grant(logged_in, flow, any_client, code):
    f = flow(any_client)
    response = exchange(f, code)
    assert response.status_code == 400
    assert response.get_json()["error"] in ("invalid_grant", "invalid_request")


def test_a_missing_code_is_invalid_request(logged_in, flow, any_client):
    f = flow(any_client)
    assert_error(exchange(f, None), "invalid_request")


def test_a_client_without_the_code_grant_is_unauthorized(logged_in, flow, make_client):
    oauth_client = make_client(grant_types=("client_credentials",))
    f = flow(oauth_client)
    assert_error(exchange(f, "whatever"), "unauthorized_client")


def test_id_token_claims_follow_the_granted_scope(logged_in, client, flow):
    tokens = flow(trusted=True).tokens(scope="openid email phone")
    claims = decode_id_token(client, tokens["id_token"]).claims
    assert claims["email"] == logged_in.email and claims["phone_number"] == logged_in.phone
    assert "name" not in claims and "address" not in claims
