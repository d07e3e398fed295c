"""Bad input on every OAuth and API endpoint: an OAuth error in JSON (or an error page where a
person's browser is talking), never a 500 and never a traceback."""
import base64

import pytest

from tests.support.oauth import basic_auth

JSON_POST_ENDPOINTS = ["/oauth/token", "/oauth/revoke", "/oauth/introspect", "/oauth/userinfo"]
JSON_GET_ENDPOINTS = [
    "/oauth/userinfo",
    "/.well-known/openid-configuration",
    "/oauth/jwks",
    "/api/v1/orders",
    "/api/v1/smart-inventory/link",
]
PAGE_ENDPOINTS = ["/oauth/authorize", "/oauth/logout"]


def b64(raw):
    return base64.b64encode(raw).decode()


BAD_AUTHORIZATION = {
    "basic-garbage": "Basic !!!",
    "basic-no-colon": "Basic " + b64(b"just-a-client-id"),
    "basic-non-utf8": "Basic " + b64(b"\xff\xfe:\xfd\xfc"),
    "basic-empty": "Basic ",
    "basic-bare": "Basic",
    "basic-colon-only": "Basic " + b64(b":"),
    "basic-bad-percent": "Basic " + b64(b"%zz:%"),
    "basic-nul": "Basic " + b64(b"a\x00b:c\x00d"),
    "basic-huge": "Basic " + "A" * 8000,
    "bearer-empty": "Bearer ",
    "bearer-bare": "Bearer",
    "bearer-garbage": "Bearer !!!",
    "unknown-scheme": "Digest username=x",
    "empty": "",
    "non-latin": "Basic \u00e9\u00e8",
}


@pytest.fixture
def oauth_client(make_client):
    return make_client(grant_types=("authorization_code", "refresh_token", "client_credentials"))


def assert_json_error(response, statuses=None):
    assert response.status_code < 500, response.get_data(as_text=True)
    assert 400 <= response.status_code
    if statuses:
        assert response.status_code in statuses
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert response.get_json()["error"], body


def assert_error_page(response):
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert response.mimetype == "text/html"
    assert "Location" not in response.headers


@pytest.mark.parametrize("path", JSON_POST_ENDPOINTS)
@pytest.mark.parametrize("name", list(BAD_AUTHORIZATION))
def test_bad_authorization_headers(client, path, name):
    response = client.post(
        path,
        data={"grant_type": "client_credentials", "token": "x"},
        headers={"Authorization": BAD_AUTHORIZATION[name]},
    )
    assert_json_error(response, (400, 401))


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
def test_basic_with_a_client_id_but_no_secret_is_invalid_client(client, oauth_client, path):
    response = client.post(
        path,
        data={"grant_type": "client_credentials", "token": "x"},
        headers={"Authorization": "Basic " + b64(oauth_client.client_id.encode())},
    )
    assert_json_error(response, (400, 401))
    assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("path", JSON_POST_ENDPOINTS)
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_methods_on_json_endpoints(client, path, method):
    assert_json_error(client.open(path, method=method), (405,))


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
def test_get_on_post_only_endpoints(client, path):
    assert_json_error(client.get(path, query_string={"grant_type": "client_credentials"}), (405,))


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration", "/oauth/jwks"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_wrong_methods_on_metadata(client, path, method):
    assert_json_error(client.open(path, method=method), (405,))


@pytest.mark.parametrize("path", PAGE_ENDPOINTS)
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_methods_on_pages(client, path, method):
    assert_error_page(client.open(path, method=method))


def post_form(client, oauth_client, path, body):
    return client.post(
        path,
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers=basic_auth(oauth_client.client_id, oauth_client.plain_secret),
    )


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
@pytest.mark.parametrize(
    "body",
    [
        "grant_type=client_credentials&grant_type=authorization_code&token=a",
        "grant_type=client_credentials&token=a&token=b&scope=a&scope=b",
        "grant_type=client_credentials&token=" + "x" * 3000,
        "grant_type=client_credentials&" + "n" * 200 + "=v",
        "grant_type=client_credentials&token=a%00b",
        "grant_type=client_credentials&client_id=a%00b",
    ],
    ids=["repeated-grant", "repeated-token", "oversized", "long-name", "nul", "nul-client-id"],
)
def test_repeated_oversized_or_nul_parameters_are_invalid_request(client, oauth_client, path, body):
    response = post_form(client, oauth_client, path, body)
    assert_json_error(response, (400,))
    assert response.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
@pytest.mark.parametrize(
    "body",
    [
        "grant_type=%FF%FE&token=%FF",
        "=&&==&grant_type",
        "%",
        "grant_type=authorization_code&code=%FF&redirect_uri=%FE&code_verifier=%FD",
    ],
    ids=["non-utf8", "empty-names", "bad-escape", "non-utf8-code"],
)
def test_odd_form_bodies_get_a_json_answer(client, oauth_client, path, body):
    response = post_form(client, oauth_client, path, body)
    assert response.status_code < 500
    assert "Traceback" not in response.get_data(as_text=True)
    body = response.get_json()
    assert body.get("error") or path != "/oauth/token"
    # Revocation and introspection answer an unreadable token as an unknown one.
    assert response.status_code >= 400 or body in ({}, {"active": False})


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
def test_a_parameter_in_both_query_and_body_is_repeated(client, oauth_client, path):
    response = client.post(
        path + "?grant_type=client_credentials&token=a",
        data={"grant_type": "client_credentials", "token": "a"},
        headers=basic_auth(oauth_client.client_id, oauth_client.plain_secret),
    )
    assert_json_error(response, (400,))
    assert response.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("path", JSON_POST_ENDPOINTS)
@pytest.mark.parametrize(
    "data, content_type",
    [
        ("{not json", "application/json"),
        ('{"grant_type": "client_credentials"}', "application/json"),
        ("[]", "application/json"),
        (b"\xff\xfe\xfd", "application/octet-stream"),
        ("<xml/>", "text/xml"),
        ("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n", "multipart/form-data; boundary=x"),
    ],
    ids=["bad-json", "json", "json-array", "binary", "xml", "broken-multipart"],
)
def test_bodies_that_are_not_forms(client, oauth_client, path, data, content_type):
    response = client.post(
        path,
        data=data,
        content_type=content_type,
        headers=basic_auth(oauth_client.client_id, oauth_client.plain_secret),
    )
    assert_json_error(response)


@pytest.mark.parametrize("path", JSON_POST_ENDPOINTS)
def test_a_body_over_64kb_is_refused(client, oauth_client, path):
    response = client.post(path, data={"token": "x" * 70_000, "grant_type": "client_credentials"})
    assert_json_error(response, (413,))


@pytest.mark.parametrize("path", PAGE_ENDPOINTS)
def test_a_body_over_64kb_on_a_page_is_refused(client, path):
    response = client.post(path, data={"x": "y" * 70_000})
    assert 400 <= response.status_code < 500
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", JSON_GET_ENDPOINTS)
@pytest.mark.parametrize(
    "query",
    ["a=1&a=2", "x=" + "y" * 3000, "%FF%FE=%FD", "page=%00", "=" * 50],
    ids=["repeated", "oversized", "non-utf8", "nul", "equals"],
)
def test_malformed_query_strings_on_json_endpoints(client, path, query):
    response = client.get(path + "?" + query)
    assert response.status_code < 500
    assert "Traceback" not in response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.get_json()["error"]


@pytest.mark.parametrize(
    "query",
    [
        "client_id=a&client_id=b",
        "state=" + "s" * 3000,
        "%FF%FE=%FD",
        "response_type=%FF&client_id=%FE&redirect_uri=%FD",
        "response_type=code%22&client_id=x&redirect_uri=https://app.example/callback",
        "n\u00e9=1&n\u00e9=2",
        "client_id=%00",
        "max_age=" + "9" * 400,
    ],
    ids=[
        "repeated",
        "oversized",
        "non-utf8-name",
        "non-utf8-values",
        "quote",
        "repeated-non-ascii",
        "nul",
        "huge-max-age",
    ],
)
def test_malformed_authorization_requests_get_an_error_page(client, query):
    assert_error_page(client.get("/oauth/authorize?" + query))


@pytest.mark.parametrize(
    "query",
    [
        "id_token_hint=a&id_token_hint=b",
        "id_token_hint=" + "a" * 3000,
        "id_token_hint=a.b.c&post_logout_redirect_uri=%FF",
        "id_token_hint=%FF%FE",
        "id_token_hint=%00",
        "client_id=unknown&id_token_hint=x.y.z",
    ],
    ids=["repeated", "oversized", "bad-hint", "non-utf8-hint", "nul", "unknown-client"],
)
def test_malformed_logout_requests_get_an_error_page(client, query):
    assert_error_page(client.get("/oauth/logout?" + query))


@pytest.mark.parametrize(
    "query", ["%FF%FE=%FD", "post_logout_redirect_uri=%FF", "client_id=unknown", "state=" + "s" * 2000]
)
def test_logout_requests_without_a_hint_get_the_confirmation_page(client, query):
    response = client.get("/oauth/logout?" + query)
    assert response.status_code == 200 and 'name="confirm"' in response.get_data(as_text=True)


def test_response_type_with_odd_characters_and_a_valid_client(client, seller, auth, make_client):
    auth.login()
    c = make_client(trusted=True)
    for response_type in ('code"', "code\\", "c\u00f6de", "code\x01"):
        response = client.get(
            "/oauth/authorize",
            query_string={
                "response_type": response_type,
                "client_id": c.client_id,
                "redirect_uri": c.redirect_uris[0],
                "state": "q",
            },
        )
        assert response.status_code == 302, response_type
        assert "error=unsupported_response_type" in response.location


def test_huge_max_age_with_a_session_is_handled(client, seller, auth, flow):
    auth.login()
    response = flow(trusted=True).authorize(max_age="9" * 400)
    assert response.status_code == 302
