"""The hot endpoints stay lean: a budget of SQL statements per request, so a change that adds
a lookup per token request or per UserInfo call shows up here."""
import pytest

from idp.extensions import db
from tests.support.oauth import basic_auth, bearer
from tests.support.statements import statements


@pytest.fixture
def issued(seller, auth, client, flow):
    auth.login()
    f = flow(trusted=True)
    client.get("/oauth/jwks")  # the key cache is warm, as in a running process
    code = f.get_code(scope="openid email offline_access")
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": f.oauth_client.redirect_uris[0],
        "code_verifier": f.verifier,
    }
    auth_header = basic_auth(f.oauth_client.client_id, f.oauth_client.plain_secret)
    return f, data, auth_header


def test_code_exchange_is_five_statements(client, issued):
    f, data, auth_header = issued
    with statements() as seen:
        tokens = client.post("/oauth/token", data=data, headers=auth_header).get_json()
    assert "id_token" in tokens and "refresh_token" in tokens
    # the client, the code; then one transaction: the family, the code redeemed, the token.
    # Nothing is reloaded after the commit to build the ID token.
    assert len(seen) == 5, seen


def test_refresh_is_two_statements(client, issued):
    f, data, auth_header = issued
    tokens = client.post("/oauth/token", data=data, headers=auth_header).get_json()
    with statements() as seen:
        refreshed = client.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            headers=auth_header,
        )
    assert refreshed.status_code == 200 and "id_token" in refreshed.get_json()
    # the client, the token, its family and the seller in one query; then spending it and storing
    # its successor: one statement on PostgreSQL, a transaction of two on SQLite.
    assert len(seen) == (2 if db.engine.dialect.name == "postgresql" else 3), seen


def test_client_credentials_is_one_read(client, make_client):
    machine = make_client(redirect_uris=[], scope="qsm.orders.read", grant_types=("client_credentials",))
    headers = basic_auth(machine.client_id, machine.plain_secret)
    for _ in range(2):
        with statements() as seen:
            response = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=headers)
        assert response.status_code == 200
        # the client; the token is self-contained (client_tokens.py): nothing is written.
        assert len(seen) == 1 and seen[0].split()[0] == "SELECT", seen


def test_userinfo_is_one_query(client, issued):
    f, data, auth_header = issued
    access_token = client.post("/oauth/token", data=data, headers=auth_header).get_json()["access_token"]
    with statements() as seen:
        assert client.get("/oauth/userinfo", headers=bearer(access_token)).status_code == 200
    assert len(seen) == 1, seen


@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
def test_introspection_is_one_query(client, issued, kind):
    f, data, auth_header = issued
    token = client.post("/oauth/token", data=data, headers=auth_header).get_json()[kind]
    with statements() as seen:
        assert client.post("/oauth/introspect", data={"token": token}, headers=auth_header).get_json()["active"] is True
    assert len(seen) == 1, seen  # the client and, if it was issued to that client, the token


def test_a_client_token_costs_one_query_where_it_is_checked(client, make_client):
    machine = make_client(redirect_uris=[], scope="qsm.orders.read", grant_types=("client_credentials",))
    headers = basic_auth(machine.client_id, machine.plain_secret)
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=headers).get_json()
    with statements() as introspected:
        assert client.post("/oauth/introspect", data={"token": token["access_token"]}, headers=headers).get_json()[
            "active"
        ]
    with statements() as at_userinfo:
        assert client.get("/oauth/userinfo", headers=bearer(token["access_token"])).status_code == 403
    # the client (introspection: the one authenticating; UserInfo: the token's holder) and
    # whether the token is revoked, in one query.
    assert len(introspected) == 1 and len(at_userinfo) == 1, (introspected, at_userinfo)
    with statements() as revoked:
        assert client.post("/oauth/revoke", data={"token": token["access_token"]}, headers=headers).status_code == 200
    assert len(revoked) == 2, revoked  # the client, the revocation's row


def test_revoking_an_access_token_is_three_statements(client, issued):
    f, data, auth_header = issued
    token = client.post("/oauth/token", data=data, headers=auth_header).get_json()["access_token"]
    with statements() as seen:
        assert client.post("/oauth/revoke", data={"token": token}, headers=auth_header).status_code == 200
    assert len(seen) == 3, seen  # the client, the token, the update


def test_discovery_and_jwks_need_no_query(client, issued):
    with statements() as seen:
        assert client.get("/.well-known/openid-configuration").status_code == 200
        assert client.get("/oauth/jwks").status_code == 200
    assert seen == []


def test_a_password_login_is_two_statements(client, seller):
    """The seller's row by email; then the login session and its audit event, one statement on
    PostgreSQL (a transaction of two on SQLite). No transaction is open while bcrypt runs."""
    from tests.support.pages import csrf_token
    from tests.support.qsm import PASSWORD

    page = client.get("/login").get_data(as_text=True)
    form = {"email": seller.email, "password": PASSWORD, "csrf_token": csrf_token(page)}
    with statements() as seen:
        response = client.post("/login", data=form)
    assert response.status_code == 302
    assert len(seen) == (2 if db.engine.dialect.name == "postgresql" else 3), seen
