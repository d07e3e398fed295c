"""Pushed authorization requests (RFC 9126): the push, the authorization request that names it,
single use, lifetimes, other clients, and clients that require it."""
import html
import json

import pytest

from idp.digests import digest
from idp.extensions import db
from idp.models import OAuthClient, PushedAuthorizationRequest
from idp.oauth.pushed import INTERACTION, LIFETIME, REQUEST_URI_PREFIX
from tests.support.oauth import basic_auth
from tests.support.pages import csrf_token, query_of
from tests.support.qsm import PASSWORD

ISSUER = "http://qsm.test"


@pytest.fixture
def app_flow(flow):
    """A confidential third-party app (consent asked), authenticating with client_secret_basic."""
    return flow()


def push(f, headers=None, **overrides):
    c = f.oauth_client
    return f.client.post(
        "/oauth/par",
        data=f.authorize_params(**overrides),
        headers=basic_auth(c.client_id, c.plain_secret) if headers is None else headers,
    )


def pushed_uri(f, **overrides):
    response = push(f, **overrides)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["request_uri"]


def authorize_with(f, request_uri, **extra):
    return f.client.get(
        "/oauth/authorize", query_string={"client_id": f.oauth_client.client_id, "request_uri": request_uri, **extra}
    )


def allow(f, page, request_uri):
    assert page.status_code == 200 and "Allow" in page.get_data(as_text=True), page.status_code
    return f.client.post(
        "/oauth/authorize",
        query_string={"client_id": f.oauth_client.client_id, "request_uri": request_uri},
        data={"decision": "allow", "csrf_token": csrf_token(page.get_data(as_text=True))},
    )


def assert_request_uri_refused(response):
    assert response.status_code == 400
    assert "invalid_request_uri" in response.get_data(as_text=True)
    assert response.location is None  # never sent back through the browser


# --- Discovery and the push -----------------------------------------------------------------


def test_discovery_advertises_the_push_endpoint(client):
    metadata = client.get("/.well-known/openid-configuration").get_json()
    assert metadata["pushed_authorization_request_endpoint"] == ISSUER + "/oauth/par"
    assert metadata["require_pushed_authorization_requests"] is False


def test_a_push_answers_a_single_use_reference_and_stores_only_its_digest(seller, app_flow):
    response = push(app_flow, state="s-1")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["expires_in"] == LIFETIME == 60
    assert body["request_uri"].startswith(REQUEST_URI_PREFIX)
    reference = body["request_uri"][len(REQUEST_URI_PREFIX):]
    assert len(reference) >= 43  # 256 bits
    row = db.session.execute(db.select(PushedAuthorizationRequest)).scalar_one()
    assert row.reference_hash == digest(reference)
    stored = json.loads(row.parameters_json)
    assert stored["state"] == "s-1" and stored["client_id"] == app_flow.oauth_client.client_id
    assert reference not in row.parameters_json and app_flow.oauth_client.plain_secret not in row.parameters_json


def test_a_client_secret_post_client_pushes_without_its_secret_being_kept(seller, flow):
    f = flow(token_endpoint_auth_method="client_secret_post")
    params = {**f.authorize_params(), "client_secret": f.oauth_client.plain_secret}
    response = f.client.post("/oauth/par", data=params)
    assert response.status_code == 201, response.get_json()
    row = db.session.execute(db.select(PushedAuthorizationRequest)).scalar_one()
    assert "client_secret" not in json.loads(row.parameters_json)


def test_a_public_client_pushes_with_its_client_id(seller, flow):
    f = flow(token_endpoint_auth_method="none")
    assert f.client.post("/oauth/par", data=f.authorize_params()).status_code == 201


@pytest.mark.parametrize(
    "headers, error, status",
    [
        ({}, "invalid_client", 401),
        ("wrong-secret", "invalid_client", 401),
    ],
)
def test_a_push_needs_the_clients_credentials(seller, app_flow, headers, error, status):
    if headers == "wrong-secret":
        headers = basic_auth(app_flow.oauth_client.client_id, "not-the-secret")
    response = push(app_flow, headers=headers)
    assert response.status_code == status
    assert response.get_json()["error"] == error
    assert db.session.execute(db.select(PushedAuthorizationRequest)).first() is None


@pytest.mark.parametrize(
    "overrides, error, words",
    [
        ({"code_challenge": None}, "invalid_request", "code_challenge"),
        ({"code_challenge_method": "plain"}, "invalid_request", "code_challenge_method"),
        ({"redirect_uri": "https://app.example/other"}, "invalid_request", "redirect_uri"),
        ({"redirect_uri": None}, "invalid_request", "redirect_uri"),
        ({"response_type": "token"}, "unsupported_response_type", "response_type=code"),
        ({"scope": "openid qsm.everything"}, "invalid_scope", ""),
        ({"prompt": "none login"}, "invalid_request", "prompt"),
        ({"max_age": "soon"}, "invalid_request", "max_age"),
        ({"max_age": "-1"}, "invalid_request", "max_age"),
        ({"request_uri": REQUEST_URI_PREFIX + "abc"}, "invalid_request", "request_uri"),
        ({"request": "eyJhbGciOiJub25lIn0.e30."}, "invalid_request", "request"),
        ({"client_id": "another-client"}, "invalid_request", "client_id"),
    ],
)
def test_a_bad_request_is_told_to_the_client_at_the_push(seller, app_flow, overrides, error, words):
    response = push(app_flow, **overrides)
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == error, body
    assert words in body.get("error_description", "")
    assert "Location" not in response.headers
    assert db.session.execute(db.select(PushedAuthorizationRequest)).first() is None


def test_the_push_endpoint_takes_only_post(client):
    assert client.get("/oauth/par").status_code == 405


# --- The authorization request that names a pushed one -----------------------------------


def test_a_pushed_request_gives_a_code_once(seller, auth, app_flow):
    auth.login()
    request_uri = pushed_uri(app_flow, state="s-par", nonce="n-par")
    page = authorize_with(app_flow, request_uri)
    page = authorize_with(app_flow, request_uri)  # a reload of the consent page is fine
    answer = allow(app_flow, page, request_uri)
    assert answer.status_code == 302
    params = query_of(answer.location)
    assert answer.location.startswith("https://app.example/callback?")
    assert params["state"] == "s-par" and params["iss"] == ISSUER
    tokens = app_flow.exchange(params["code"])
    assert tokens.status_code == 200, tokens.get_json()

    assert_request_uri_refused(authorize_with(app_flow, request_uri))


def test_a_second_answer_to_the_same_pushed_request_is_refused(seller, auth, app_flow):
    auth.login()
    request_uri = pushed_uri(app_flow)
    page = authorize_with(app_flow, request_uri)
    assert allow(app_flow, page, request_uri).status_code == 302
    assert_request_uri_refused(allow(app_flow, page, request_uri))


def test_a_denial_spends_the_pushed_request(seller, auth, app_flow):
    auth.login()
    request_uri = pushed_uri(app_flow)
    page = authorize_with(app_flow, request_uri)
    denied = app_flow.client.post(
        "/oauth/authorize",
        query_string={"client_id": app_flow.oauth_client.client_id, "request_uri": request_uri},
        data={"decision": "deny", "csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    assert query_of(denied.location)["error"] == "access_denied"
    assert_request_uri_refused(authorize_with(app_flow, request_uri))


def test_what_the_browser_adds_to_a_pushed_request_is_ignored(seller, auth, app_flow):
    auth.login()
    request_uri = pushed_uri(app_flow, state="from-the-client", scope="openid")
    page = authorize_with(
        app_flow, request_uri, redirect_uri="https://evil.example/cb", state="from-the-browser", scope="openid email"
    )
    answer = allow(app_flow, page, request_uri)
    assert answer.location.startswith("https://app.example/callback?")
    assert query_of(answer.location)["state"] == "from-the-client"
    assert app_flow.exchange(query_of(answer.location)["code"]).get_json()["scope"] == "openid"


def test_a_pushed_request_must_be_started_within_its_lifetime(seller, auth, app_flow, clock):
    auth.login()
    request_uri = pushed_uri(app_flow)
    clock.advance(LIFETIME + 1)
    assert_request_uri_refused(authorize_with(app_flow, request_uri))


def test_once_started_the_seller_has_the_interaction_time_but_no_more(seller, auth, app_flow, clock):
    auth.login()
    request_uri = pushed_uri(app_flow)
    authorize_with(app_flow, request_uri)
    clock.advance(LIFETIME + 30)  # past the time to start, within the interaction
    page = authorize_with(app_flow, request_uri)
    assert page.status_code == 200
    clock.advance(INTERACTION)
    assert_request_uri_refused(allow(app_flow, page, request_uri))


@pytest.mark.parametrize("request_uri", ["", "nonsense", REQUEST_URI_PREFIX, REQUEST_URI_PREFIX + "x" * 43])
def test_an_unknown_request_uri_is_refused(seller, auth, app_flow, request_uri):
    auth.login()
    assert_request_uri_refused(authorize_with(app_flow, request_uri))


def test_another_clients_request_uri_is_refused(seller, auth, flow, make_client):
    auth.login()
    owner = flow()
    other = flow(make_client(name="Other App"))
    request_uri = pushed_uri(owner)
    assert_request_uri_refused(authorize_with(other, request_uri))
    assert_request_uri_refused(authorize_with(owner, request_uri, client_id=""))


def test_a_request_uri_without_client_id_is_refused(seller, auth, app_flow):
    auth.login()
    request_uri = pushed_uri(app_flow)
    response = app_flow.client.get("/oauth/authorize", query_string={"request_uri": request_uri})
    assert response.status_code == 400 and response.location is None


def test_prompt_login_in_a_pushed_request_asks_for_one_login_and_no_more(seller, auth, app_flow, clock):
    auth.login()
    request_uri = pushed_uri(app_flow, prompt="login", max_age="0")
    to_login = authorize_with(app_flow, request_uri)
    clock.advance(1)  # the new login comes after the request started
    assert to_login.status_code == 302 and "/login?" in to_login.location
    page = app_flow.client.get(to_login.location)
    next_url = html.unescape(query_of(to_login.location)["next"])
    assert "request_uri=" in next_url and "prompt" not in next_url
    back = app_flow.client.post(
        "/login",
        data={
            "email": "seller@example.com",
            "password": PASSWORD,
            "next": next_url,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    consent = app_flow.client.get(back.location)
    answer = allow(app_flow, consent, request_uri)
    assert answer.status_code == 302 and "code" in query_of(answer.location)


def test_prompt_none_in_a_pushed_request_answers_the_client_and_spends_it(seller, app_flow):
    request_uri = pushed_uri(app_flow, prompt="none", state="s-none")
    response = authorize_with(app_flow, request_uri)
    params = query_of(response.location)
    assert params["error"] == "login_required" and params["state"] == "s-none"
    assert_request_uri_refused(authorize_with(app_flow, request_uri))


# --- Clients that require pushed requests -------------------------------------------------


def test_a_client_that_requires_par_is_refused_a_plain_authorization_request(seller, auth, flow):
    auth.login()
    f = flow(require_pushed_authorization_requests=True)
    response = f.authorize(state="s-plain")
    params = query_of(response.location)
    assert params["error"] == "invalid_request" and "push" in params["error_description"]
    assert params["state"] == "s-plain"
    page = authorize_with(f, pushed_uri(f))
    assert page.status_code == 200 and "Allow" in page.get_data(as_text=True)


def test_the_cli_registers_a_client_that_requires_par(app):
    result = app.test_cli_runner().invoke(
        args=["clients", "create", "--name", "Pushy", "--redirect-uri", "https://pushy.example/cb", "--require-par"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["require_pushed_authorization_requests"] is True
    assert db.session.execute(db.select(OAuthClient.require_pushed_authorization_requests)).scalar_one() is True


def test_the_developer_page_registers_an_app_that_requires_par(seller, auth, client):
    auth.login()
    page = client.get("/developer/apps/new")
    assert '<label class="inline" for="require_par">' in page.get_data(as_text=True)
    response = client.post(
        "/developer/apps/new",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "name": "Pushy",
            "redirect_uris": "https://pushy.example/cb",
            "client_type": "confidential",
            "scopes": ["openid"],
            "require_par": "y",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    app = db.session.execute(db.select(OAuthClient)).scalar_one()
    assert app.require_pushed_authorization_requests is True
    assert "Required" in client.get(f"/developer/apps/{app.client_id}").get_data(as_text=True)
