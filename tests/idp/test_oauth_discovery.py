"""The discovery document and the JWKS, checked against what the endpoints really do."""
import pytest

from tests.support.oauth import basic_auth, bearer, decode_id_token

ISSUER = "http://qsm.test"


@pytest.fixture
def metadata(client):
    response = client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def path_of(url):
    assert url.startswith(ISSUER + "/"), url
    return url[len(ISSUER):]


def test_issuer_and_every_endpoint_hang_off_the_issuer(metadata):
    assert metadata["issuer"] == ISSUER
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "introspection_endpoint",
        "end_session_endpoint",
    ):
        path_of(metadata[name])


def test_only_the_code_flow_with_s256_and_query_responses_is_offered(metadata):
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["response_modes_supported"] == ["query"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert set(metadata["prompt_values_supported"]) == {"none", "login", "consent"}
    assert metadata["subject_types_supported"] == ["public"]


def test_scopes_and_signing_algorithms(metadata):
    assert metadata["scopes_supported"] == [
        "openid", "profile", "email", "address", "phone", "offline_access", "qsm.orders.read", "qsm.inventory",
    ]
    assert set(metadata["id_token_signing_alg_values_supported"]) == {"RS256", "ES256"}
    assert {
        "sub",
        "name",
        "shop_name",
        "seller_id",
        "email",
        "email_verified",
        "address",
        "phone_number",
        "auth_time",
        "nonce",
    } <= set(metadata["claims_supported"])


def test_discovery_is_cacheable_but_token_answers_are_not(client, metadata):
    response = client.get("/.well-known/openid-configuration")
    assert "max-age" in response.headers["Cache-Control"]


def test_authorization_endpoint_answers_an_empty_request_with_an_error_page(client, metadata):
    response = client.get(path_of(metadata["authorization_endpoint"]))
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Location" not in response.headers


def test_token_endpoint_takes_post_only_and_answers_in_json(client, metadata):
    path = path_of(metadata["token_endpoint"])
    assert client.get(path).status_code == 405
    response = client.post(path, data={"grant_type": "authorization_code"})
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"
    assert response.headers["Cache-Control"] == "no-store"


def test_userinfo_endpoint_asks_for_a_bearer_token(client, metadata):
    path = path_of(metadata["userinfo_endpoint"])
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("name", ["revocation_endpoint", "introspection_endpoint"])
def test_revocation_and_introspection_need_client_authentication(client, metadata, name):
    path = path_of(metadata[name])
    assert client.get(path).status_code == 405
    response = client.post(path, data={"token": "x"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_end_session_endpoint_asks_before_logging_out(client, metadata):
    response = client.get(path_of(metadata["end_session_endpoint"]))
    assert response.status_code == 200
    assert "Log out" in response.get_data(as_text=True)


def test_advertised_grant_types_are_the_ones_the_token_endpoint_knows(client, metadata, make_client):
    oauth_client = make_client(grant_types=("authorization_code", "refresh_token", "client_credentials"))
    headers = basic_auth(oauth_client.client_id, oauth_client.plain_secret)
    path = path_of(metadata["token_endpoint"])
    assert set(metadata["grant_types_supported"]) == {"authorization_code", "refresh_token", "client_credentials"}
    for grant_type in metadata["grant_types_supported"]:
        response = client.post(path, data={"grant_type": grant_type}, headers=headers)
        assert response.get_json().get("error") != "unsupported_grant_type", grant_type
    for grant_type in ("password", "implicit", "urn:ietf:params:oauth:grant-type:device_code"):
        response = client.post(path, data={"grant_type": grant_type}, headers=headers)
        assert response.status_code == 400
        assert response.get_json()["error"] == "unsupported_grant_type"


def test_advertised_auth_methods_match_the_endpoints(metadata):
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "none",
    }
    assert set(metadata["revocation_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "none",
    }
    # Introspection is for confidential clients only.
    assert set(metadata["introspection_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }


def test_jwks_publishes_public_keys_for_every_advertised_algorithm(client, metadata):
    response = client.get(path_of(metadata["jwks_uri"]))
    assert response.status_code == 200
    assert response.mimetype == "application/jwk-set+json"
    assert "max-age" in response.headers["Cache-Control"]
    keys = response.get_json()["keys"]
    assert {k["alg"] for k in keys} == set(metadata["id_token_signing_alg_values_supported"])
    for key in keys:
        assert key["use"] == "sig" and key["kid"]
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key), "private key material published"


def test_a_whole_flow_driven_from_the_discovery_document(client, seller, auth, flow, metadata):
    """An RP that knows only the issuer finds every endpoint it needs in discovery."""
    auth.login()
    f = flow(trusted=True)
    tokens = f.tokens(scope="openid email")
    claims = decode_id_token(client, tokens["id_token"]).claims
    assert claims["iss"] == metadata["issuer"]
    info = client.get(path_of(metadata["userinfo_endpoint"]), headers=bearer(tokens["access_token"]))
    assert info.get_json()["sub"] == claims["sub"]
