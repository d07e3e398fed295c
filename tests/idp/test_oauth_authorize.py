"""The authorization endpoint: the code flow only, PKCE S256 always, exact redirect URIs,
state and RFC 9207 iss on every redirect back, error pages where no redirect is safe."""
import pytest

from tests.support.pages import query_of

ISSUER = "http://qsm.test"
CALLBACK = "https://app.example/callback"


@pytest.fixture
def logged_in(seller, auth):
    auth.login()
    return seller


@pytest.fixture(params=["client_secret_basic", "none"], ids=["confidential", "public"])
def any_client(request, make_client):
    return make_client(trusted=True, token_endpoint_auth_method=request.param)


def redirect_params(response, redirect_uri=CALLBACK):
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.startswith(redirect_uri + "?")
    return query_of(response.location)


def assert_error_page(response):
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Location" not in response.headers
    assert "code=" not in response.get_data(as_text=True)


def test_success_returns_a_code_with_state_and_issuer(logged_in, flow, any_client):
    f = flow(any_client)
    params = redirect_params(f.authorize(state="xyz-123"))
    assert set(params) == {"code", "state", "iss"}
    assert params["state"] == "xyz-123" and params["iss"] == ISSUER
    assert len(params["code"]) >= 32


def test_state_is_optional(logged_in, flow, any_client):
    params = redirect_params(flow(any_client).authorize(state=None))
    assert "state" not in params and params["code"]


@pytest.mark.parametrize(
    "response_type", ["token", "id_token", "code id_token", "code token", "id_token token", "none", "CODE", None]
)
def test_only_response_type_code_is_accepted(logged_in, flow, any_client, response_type):
    params = redirect_params(flow(any_client).authorize(response_type=response_type, state="s1"))
    assert params["error"] == "unsupported_response_type"
    assert params["state"] == "s1" and params["iss"] == ISSUER
    assert "code" not in params


@pytest.mark.parametrize(
    "overrides",
    [
        {"code_challenge": None, "code_challenge_method": None},
        {"code_challenge": None},
        {"code_challenge_method": None},
        {"code_challenge_method": "plain"},
        {"code_challenge_method": "s256"},
        {"code_challenge_method": "S512"},
        {"code_challenge": "too-short"},
        {"code_challenge": "x" * 129},
        {"code_challenge": "not valid characters!" * 3},
    ],
    ids=["no-pkce", "no-challenge", "no-method", "plain", "lowercase", "unknown-method", "short", "long", "bad-chars"],
)
def test_pkce_s256_is_required_of_every_client(logged_in, flow, any_client, overrides):
    params = redirect_params(flow(any_client).authorize(state="s2", **overrides))
    assert params["error"] == "invalid_request"
    assert params["state"] == "s2" and params["iss"] == ISSUER
    assert "code" not in params


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://app.example/call",  # a prefix
        "https://app.example/callback/extra",  # extra path
        "https://app.example/callback?next=/admin",  # extra query
        "https://app.example/callback/",
        "https://app.example/callback#frag",
        "https://APP.example/callback",  # case of the host
        "https://app.example/Callback",  # case of the path
        "https://app.example:8443/callback",  # port
        "https://app.example:443/callback",  # explicit default port is still another string
        "http://app.example/callback",  # scheme
        "https://app.example.evil.test/callback",
        "https://evil.test/callback",
        "https://app.example/%63allback",
        "https://app.example/callback\u00e4",
        'https://app.example/call"back',
        "javascript:alert(1)",
        "",
    ],
)
def test_a_redirect_uri_that_is_not_exactly_registered_gets_an_error_page(logged_in, flow, any_client, redirect_uri):
    response = flow(any_client).authorize(redirect_uri=redirect_uri)
    assert_error_page(response)


@pytest.mark.parametrize("logged", [True, False], ids=["logged-in", "anonymous"])
def test_a_missing_redirect_uri_is_refused_even_with_one_registered(seller, auth, flow, any_client, logged):
    if logged:
        auth.login()
    assert any_client.redirect_uris == [CALLBACK]
    assert_error_page(flow(any_client).authorize(redirect_uri=None))
    # Nothing else about the request is looked at before the redirect URI is known.
    assert_error_page(flow(any_client).authorize(redirect_uri=None, code_challenge=None, response_type="token"))


def test_every_registered_uri_is_accepted_exactly(logged_in, flow, make_client):
    oauth_client = make_client(trusted=True, redirect_uris=["https://app.example/cb1", "http://127.0.0.1:8000/cb2"])
    f = flow(oauth_client)
    for uri in oauth_client.redirect_uris:
        redirect_params(f.authorize(redirect_uri=uri), uri)


@pytest.mark.parametrize("client_id", ["unknown-client", "", "x" * 65, None])
def test_an_unknown_client_gets_an_error_page_and_no_redirect(logged_in, flow, any_client, client_id):
    response = flow(any_client).authorize(client_id=client_id)
    assert_error_page(response)


def test_an_unknown_client_with_a_bad_response_type_gets_no_redirect(logged_in, flow, any_client):
    assert_error_page(flow(any_client).authorize(client_id="unknown", response_type="token"))


def test_a_bad_response_type_with_an_unregistered_uri_gets_no_redirect(logged_in, flow, any_client):
    assert_error_page(flow(any_client).authorize(response_type="token", redirect_uri="https://evil.test/cb"))


def test_a_client_not_allowed_the_code_grant_is_refused(logged_in, flow, make_client):
    oauth_client = make_client(trusted=True, grant_types=("client_credentials",))
    params = redirect_params(flow(oauth_client).authorize(state="s3"))
    assert params["error"] == "unauthorized_client" and params["iss"] == ISSUER and params["state"] == "s3"


def test_anonymous_seller_is_sent_to_the_login_page_first(seller, client, flow, any_client):
    response = flow(any_client).authorize()
    assert response.status_code == 302
    assert response.location.startswith("/login?")
    assert "/oauth/authorize" in query_of(response.location)["next"]


def test_a_nonce_can_be_used_once_per_client(logged_in, flow, any_client):
    f = flow(any_client)
    redirect_params(f.authorize(nonce="nonce-1"))
    params = redirect_params(f.authorize(nonce="nonce-1", state="s4"))
    assert params["error"] == "invalid_request" and params["state"] == "s4"


def test_an_rp_may_post_the_authorization_request(logged_in, client, flow, any_client):
    """OpenID Connect Core 3.1.2.1: the authorization endpoint takes GET and POST."""
    f = flow(any_client)
    response = client.post("/oauth/authorize", data=f.authorize_params(state="posted"))
    assert response.status_code in (302, 303)
    response = client.get(response.location)
    params = redirect_params(response)
    assert params["state"] == "posted" and params["code"]
