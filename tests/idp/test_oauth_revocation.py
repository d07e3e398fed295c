"""Token revocation (RFC 7009)."""
import pytest

from tests.support.oauth import basic_auth, bearer, token_request_as_registered, tokens_as_registered


@pytest.fixture(params=["client_secret_basic", "client_secret_post", "none"])
def issued(request, seller, auth, flow, make_client):
    auth.login()
    f = flow(make_client(trusted=True, token_endpoint_auth_method=request.param))
    return f, tokens_as_registered(f, scope="openid offline_access")


def revoke(f, token, hint=None, oauth_client=None):
    c = oauth_client or f.oauth_client
    data = {"token": token}
    if hint:
        data["token_type_hint"] = hint
    headers = {}
    if c.token_endpoint_auth_method == "client_secret_basic":
        headers = basic_auth(c.client_id, c.plain_secret)
    elif c.token_endpoint_auth_method == "client_secret_post":
        data.update(client_id=c.client_id, client_secret=c.plain_secret)
    else:
        data["client_id"] = c.client_id
    return f.client.post("/oauth/revoke", data=data, headers=headers)


def works(f, tokens):
    return f.client.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).status_code == 200


def refresh(f, refresh_token):
    return token_request_as_registered(f, {"grant_type": "refresh_token", "refresh_token": refresh_token})


@pytest.mark.parametrize("hint", [None, "access_token", "refresh_token"])
def test_revoking_an_access_token_ends_it_but_not_the_grant(issued, hint):
    f, tokens = issued
    response = revoke(f, tokens["access_token"], hint)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert not works(f, tokens)
    assert refresh(f, tokens["refresh_token"]).status_code == 200


@pytest.mark.parametrize("hint", [None, "refresh_token", "access_token"])
def test_revoking_a_refresh_token_ends_the_whole_family(issued, hint):
    f, tokens = issued
    newer = refresh(f, tokens["refresh_token"]).get_json()
    assert revoke(f, newer["refresh_token"], hint).status_code == 200
    assert not works(f, newer) and not works(f, tokens)
    assert refresh(f, newer["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_another_clients_token_is_answered_200_and_left_alone(issued, make_client):
    f, tokens = issued
    other = make_client()
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert revoke(f, token, oauth_client=other).status_code == 200
    assert works(f, tokens)
    assert refresh(f, tokens["refresh_token"]).status_code == 200


@pytest.mark.parametrize("token", ["unknown", "x" * 2000])
def test_an_unknown_token_is_answered_200(issued, token):
    f, tokens = issued
    response = revoke(f, token)
    assert response.status_code == 200
    assert works(f, tokens)


def test_revoking_twice_is_fine(issued):
    f, tokens = issued
    assert revoke(f, tokens["refresh_token"]).status_code == 200
    assert revoke(f, tokens["refresh_token"]).status_code == 200


def test_the_client_must_authenticate(issued):
    f, tokens = issued
    c = f.oauth_client
    if c.is_public:
        response = f.client.post("/oauth/revoke", data={"token": tokens["access_token"]})
    else:
        response = f.client.post(
            "/oauth/revoke", data={"token": tokens["access_token"]}, headers=basic_auth(c.client_id, "wrong")
        )
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_client"
    assert works(f, tokens)


@pytest.mark.parametrize("data", [{}, {"token": ""}], ids=["missing", "empty"])
def test_a_missing_token_parameter_is_invalid_request(issued, data):
    f, _ = issued
    response = token_request_as_registered(f, data, endpoint="/oauth/revoke")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("hint", ["id_token", "", "x" * 100])
def test_an_unknown_hint_is_ignored(issued, hint):
    f, tokens = issued
    response = revoke(f, tokens["access_token"], hint=hint)
    assert response.status_code == 200
    assert not works(f, tokens)
