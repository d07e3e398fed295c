"""The machine endpoints answered before Flask (idp/oauth/machine.py): a client's own token,
introspection and UserInfo carry what every QSM answer carries, read requests as Flask would,
and fail as cleanly."""
import base64
from urllib.parse import quote

import pytest

from idp.oauth import machine
from tests.support.oauth import basic_auth, bearer


@pytest.fixture
def service(make_client):
    return make_client(grant_types=("client_credentials",), scope="qsm.orders.read", client_id="svc-orders-1")


@pytest.fixture
def seller_token(seller, auth, flow):
    auth.login()
    return flow(trusted=True).tokens(scope="openid email")["access_token"]


def machine_requests(client, service, seller_token):
    """One successful and one refused request of each endpoint."""
    good = basic_auth(service.client_id, service.plain_secret)
    bad = basic_auth(service.client_id, "wrong")
    return [
        (client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=good), 200),
        (client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=bad), 401),
        (client.post("/oauth/introspect", data={"token": "x"}, headers=good), 200),
        (client.post("/oauth/introspect", data={"token": "x"}, headers=bad), 401),
        (client.get("/oauth/userinfo", headers=bearer(seller_token)), 200),
        (client.get("/oauth/userinfo", headers=bearer("unknown")), 401),
    ]


def test_every_answer_carries_the_security_headers_a_request_id_and_no_store(client, service, seller_token):
    for response, status in machine_requests(client, service, seller_token):
        assert response.status_code == status, response.get_json()
        headers = response.headers
        assert headers["Content-Type"] == "application/json"
        assert headers["Cache-Control"] == "no-store" and headers["Pragma"] == "no-cache"
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in headers and "Strict-Transport-Security" not in headers
        assert len(headers["X-Request-ID"]) == 32
        assert int(headers["Content-Length"]) == len(response.get_data())


def test_hsts_over_https(client, service):
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic_auth(service.client_id, service.plain_secret),
        base_url="https://qsm.test",
    )
    assert response.status_code == 200 and response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_basic_credentials_are_form_urlencoded_first(client, make_client):
    """RFC 6749 2.3.1: a client ID with ':' or '/' is sent percent-encoded inside Basic."""
    service = make_client(grant_types=("client_credentials",), scope="qsm.orders.read", client_id="svc:orders/1")
    raw = f"{quote(service.client_id, safe='')}:{quote(service.plain_secret, safe='')}"
    headers = {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "scope": "qsm.orders.read"}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["scope"] == "qsm.orders.read"


def test_a_form_with_a_charset_is_a_form(client, service):
    response = client.post(
        "/oauth/token",
        data="grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
        headers=basic_auth(service.client_id, service.plain_secret),
    )
    assert response.status_code == 200


def test_head_on_userinfo_has_no_body(client, seller_token):
    response = client.head("/oauth/userinfo", headers=bearer(seller_token))
    assert response.status_code == 200 and response.get_data() == b""


def test_another_grant_reaches_flask_with_its_body(client, service):
    """The layer reads a token request's body to see its grant; Authlib must still read it."""
    response = client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "unknown"},
        headers=basic_auth(service.client_id, service.plain_secret),
    )
    # Authlib saw the grant type (the client may not use it), not an empty form.
    assert response.status_code == 400 and response.get_json()["error"] == "unauthorized_client"


def test_a_bug_is_a_json_500_without_a_traceback(client, service, monkeypatch, caplog):
    def broken(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(machine, "introspection_answer", broken)
    response = client.post(
        "/oauth/introspect", data={"token": "x"}, headers=basic_auth(service.client_id, service.plain_secret)
    )
    assert response.status_code == 500
    assert response.get_json() == {"error": "server_error", "error_description": "Internal Server Error"}
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/introspect", "/oauth/userinfo"])
def test_a_statement_that_fails_is_a_503(client, service, seller_token, path):
    from sqlalchemy.exc import OperationalError

    from tests.support.statements import listening

    def fail(conn, cursor, statement, *args):
        raise OperationalError(statement, {}, Exception("connection lost"))

    good = basic_auth(service.client_id, service.plain_secret)
    with listening(fail):
        if path == "/oauth/userinfo":
            response = client.get(path, headers=bearer(seller_token))
        else:
            response = client.post(path, data={"grant_type": "client_credentials", "token": "x"}, headers=good)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["error"] == "temporarily_unavailable"
