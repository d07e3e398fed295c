"""Client authentication at the token endpoint, and the client_credentials grant."""
import pytest

from tests.support.oauth import basic_auth, bearer


@pytest.fixture
def tokens_for(seller, auth, flow, make_client):
    """A fresh code for a client registered with the given method."""
    auth.login()

    def make(method):
        f = flow(make_client(trusted=True, token_endpoint_auth_method=method))
        return f, f.get_code()

    return make


def code_request(f, code):
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": f.oauth_client.redirect_uris[0],
        "code_verifier": f.verifier,
    }


def send(f, data, how):
    c = f.oauth_client
    secret = c.plain_secret or "no-secret"
    if how == "client_secret_basic":
        return f.client.post("/oauth/token", data=data, headers=basic_auth(c.client_id, secret))
    if how == "client_secret_post":
        return f.client.post("/oauth/token", data={**data, "client_id": c.client_id, "client_secret": secret})
    return f.client.post("/oauth/token", data={**data, "client_id": c.client_id})


METHODS = ["client_secret_basic", "client_secret_post", "none"]


@pytest.mark.parametrize("registered", METHODS)
@pytest.mark.parametrize("used", METHODS)
def test_a_client_may_only_use_its_registered_method(tokens_for, registered, used):
    f, code = tokens_for(registered)
    response = send(f, code_request(f, code), used)
    if used == registered:
        assert response.status_code == 200, response.get_json()
    else:
        assert response.status_code in (400, 401)
        assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_a_wrong_secret_is_invalid_client(tokens_for, method):
    f, code = tokens_for(method)
    f.oauth_client.plain_secret = "wrong-secret"
    response = send(f, code_request(f, code), method)
    assert response.status_code in (400, 401) and response.get_json()["error"] == "invalid_client"
    if method == "client_secret_basic":
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")


def test_a_public_client_presenting_a_secret_is_refused(tokens_for):
    f, code = tokens_for("none")
    response = f.client.post(
        "/oauth/token", data={**code_request(f, code), "client_id": f.oauth_client.client_id, "client_secret": "x"}
    )
    assert response.get_json()["error"] == "invalid_client"


def test_a_failed_authentication_does_not_spend_the_code(tokens_for):
    f, code = tokens_for("client_secret_basic")
    secret = f.oauth_client.plain_secret
    f.oauth_client.plain_secret = "wrong"
    assert send(f, code_request(f, code), "client_secret_basic").status_code == 401
    f.oauth_client.plain_secret = secret
    assert send(f, code_request(f, code), "client_secret_basic").status_code == 200


def test_an_unknown_client_is_invalid_client(client):
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic_auth("nobody", "secret")
    )
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_client"


# --- client_credentials --------------------------------------------------------------------


@pytest.fixture
def service(make_client):
    return make_client(grant_types=("client_credentials",), scope="openid profile qsm.orders.read qsm.inventory")


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_client_credentials_issues_an_access_token_only(client, make_client, method):
    c = make_client(grant_types=("client_credentials",), scope="qsm.orders.read", token_endpoint_auth_method=method)
    if method == "client_secret_basic":
        response = client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic_auth(c.client_id, c.plain_secret)
        )
    else:
        response = client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": c.client_id, "client_secret": c.plain_secret},
        )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["access_token"]
    assert "refresh_token" not in body and "id_token" not in body


def test_client_credentials_scope_is_limited_to_the_registered_one(client, service):
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "qsm.orders.read email"},
        headers=basic_auth(service.client_id, service.plain_secret),
    )
    assert response.status_code == 200
    assert response.get_json()["scope"] == "qsm.orders.read"


def test_client_credentials_never_carries_seller_identity_scopes(client, service):
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "openid profile offline_access qsm.orders.read"},
        headers=basic_auth(service.client_id, service.plain_secret),
    )
    body = response.get_json()
    assert body["scope"] == "qsm.orders.read" and "refresh_token" not in body
    info = client.get("/oauth/userinfo", headers=bearer(body["access_token"]))
    assert info.status_code in (401, 403)


def test_client_credentials_with_an_unknown_scope_is_invalid_scope(client, service):
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "admin"},
        headers=basic_auth(service.client_id, service.plain_secret),
    )
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_scope"


def test_client_credentials_needs_the_grant(client, make_client):
    c = make_client()
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic_auth(c.client_id, c.plain_secret)
    )
    assert response.status_code == 400 and response.get_json()["error"] == "unauthorized_client"


def test_a_public_client_cannot_use_client_credentials(client, make_client):
    c = make_client(token_endpoint_auth_method="none")
    response = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": c.client_id})
    assert response.status_code in (400, 401) and response.get_json()["error"] == "invalid_client"


# --- a client changed elsewhere: what it changed holds from the next request -----------------
# Each token request reads the client (machine.py); its own tokens carry a MAC over the client's
# registration as issued (client_tokens.py), so they stop working with the change too.


def ask_client_token(client, service, secret, scope=None):
    data = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    return client.post("/oauth/token", data=data, headers=basic_auth(service.client_id, secret))


def introspected(client, service, secret, token):
    response = client.post("/oauth/introspect", data={"token": token}, headers=basic_auth(service.client_id, secret))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["active"]


def test_a_rotated_secret_fails_at_once_and_ends_its_tokens(client, service):
    from idp.extensions import db
    from idp.oauth.clients import rotate_client_secret

    before = ask_client_token(client, service, service.plain_secret).get_json()["access_token"]
    assert introspected(client, service, service.plain_secret, before)
    new_secret = rotate_client_secret(service)
    db.session.commit()
    refused = ask_client_token(client, service, service.plain_secret)
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_client"
    assert not introspected(client, service, new_secret, before)
    after = ask_client_token(client, service, new_secret).get_json()["access_token"]
    assert introspected(client, service, new_secret, after)


def test_a_deleted_client_fails_at_once_and_its_tokens_with_it(client, service):
    from idp.extensions import db

    token = ask_client_token(client, service, service.plain_secret).get_json()["access_token"]
    assert client.get("/oauth/userinfo", headers=bearer(token)).status_code == 403  # works, acts for nobody
    db.session.delete(service)
    db.session.commit()
    refused = ask_client_token(client, service, service.plain_secret)
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_client"
    assert client.get("/oauth/userinfo", headers=bearer(token)).status_code == 401


def test_a_withdrawn_grant_holds_at_once(client, service):
    from idp.extensions import db

    token = ask_client_token(client, service, service.plain_secret).get_json()["access_token"]
    service.grant_types = "authorization_code"
    db.session.commit()
    refused = ask_client_token(client, service, service.plain_secret)
    assert refused.status_code == 400 and refused.get_json()["error"] == "unauthorized_client"
    assert not introspected(client, service, service.plain_secret, token)


@pytest.mark.parametrize(
    "registered, expected",
    [
        ("qsm.orders.read qsm.inventory", "qsm.orders.read qsm.inventory"),  # widened
        ("qsm.inventory", "qsm.inventory"),  # narrowed
    ],
)
def test_a_changed_scope_holds_at_once(client, make_client, registered, expected):
    from idp.extensions import db

    service = make_client(grant_types=("client_credentials",), scope="qsm.orders.read")
    asked = "qsm.orders.read qsm.inventory"
    first = ask_client_token(client, service, service.plain_secret, asked).get_json()
    assert first["scope"] == "qsm.orders.read"
    service.scope = registered
    db.session.commit()
    assert ask_client_token(client, service, service.plain_secret, asked).get_json()["scope"] == expected
    # A token issued under the old registration is not carried over to the new one.
    assert not introspected(client, service, service.plain_secret, first["access_token"])


def test_a_wrong_secret_fails(client, service):
    assert ask_client_token(client, service, service.plain_secret).status_code == 200
    refused = ask_client_token(client, service, service.plain_secret + "x")
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_client"
