"""What every QSM response shares: security headers, error pages, production secrets."""
import os

import pytest
from cryptography.fernet import Fernet

from config import DEFAULT_SECRET
from idp import create_app
from tests.support.pages import csrf_token


def test_pages_carry_the_security_headers(client):
    response = client.get("/login")
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]:
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in headers["Cache-Control"]


def test_logged_in_pages_are_not_cached(client, seller, auth):
    auth.login()
    for path in ["/", "/listing/option-management/qx-smart-inventory", "/account/password"]:
        assert "no-store" in client.get(path).headers["Cache-Control"]


def test_static_files_get_nosniff_but_may_be_cached(client):
    response = client.get("/static/qsm.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://qsm.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def add_crashing_route(app):
    def crash():
        raise RuntimeError("secret internals: db password=hunter2")

    app.add_url_rule("/crash", "crash", crash)


@pytest.mark.parametrize(
    "method, path, kwargs, status, phrase",
    [
        ("get", "/no-such-page", {}, 404, "This page does not exist"),
        ("get", "/logout", {}, 405, "cannot be used that way"),
        ("delete", "/login", {}, 405, "cannot be used that way"),
        ("post", "/login", {"data": {"email": "x" * 70_000}}, 413, "too large"),
        ("get", "/crash", {}, 500, "Something went wrong on our side"),
        ("put", "/oauth/authorize", {}, 405, "cannot be used that way"),
    ],
)
def test_errors_are_pages_for_people_without_tracebacks(app, client, method, path, kwargs, status, phrase):
    add_crashing_route(app)
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert f"<h1>{status} " in body
    assert phrase in body
    assert "Traceback" not in body and "hunter2" not in body and "RuntimeError" not in body
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_too_large_post_from_a_logged_in_seller_still_gets_a_page(client, seller, auth):
    auth.login()
    response = client.post("/account/password", data={"current_password": "x" * 70_000})
    assert response.status_code == 413
    assert "Log out</button>" in response.get_data(as_text=True)


def test_too_many_requests_page_says_to_try_again_later(app, client):
    from werkzeug.exceptions import TooManyRequests

    def busy():
        raise TooManyRequests("1 per 1 minute")

    app.add_url_rule("/busy", "busy", busy)
    response = client.get("/busy")
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "try again later" in body
    assert "1 per 1 minute" not in body


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/.well-known/nothing", "/oauth/nothing"])
def test_machine_endpoints_get_json_errors(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"] == "not_found"


def test_csrf_failure_is_a_page_that_explains(client, seller, auth):
    auth.login()
    response = client.post("/account/password", data={"current_password": "x"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_every_form_page_has_a_csrf_token(client, seller, auth):
    assert csrf_token(client.get("/login").get_data(as_text=True))
    auth.login()
    for path in ["/", "/account/password", "/listing/option-management/qx-smart-inventory"]:
        assert csrf_token(client.get(path).get_data(as_text=True))


KEY_ENCRYPTION_KEY = Fernet.generate_key().decode()


def production_environment(monkeypatch, secret, key_encryption_keys=KEY_ENCRYPTION_KEY):
    """This process's environment set as a production QSM's with this secret and these keys."""
    monkeypatch.delenv("QSM_SECRET_KEY", raising=False)
    monkeypatch.delenv("QSM_KEY_ENCRYPTION_KEYS", raising=False)
    if key_encryption_keys is not None:
        monkeypatch.setenv("QSM_KEY_ENCRYPTION_KEYS", key_encryption_keys)
    if secret is not None:
        monkeypatch.setenv("QSM_SECRET_KEY", secret)
    return {**os.environ, "QSM_ENV": "production"}


BAD_SECRETS = [None, "", DEFAULT_SECRET, "too-short-secret", " " * 40]


@pytest.mark.parametrize("secret", BAD_SECRETS)
def test_production_refuses_a_missing_default_or_short_secret(monkeypatch, secret):
    environ = production_environment(monkeypatch, secret)
    with pytest.raises(RuntimeError, match="QSM_SECRET_KEY"):
        create_app(environ=environ)
    with pytest.raises(RuntimeError, match="QSM_SECRET_KEY"):
        create_app("production")


def test_production_starts_with_a_long_secret_from_the_environment(monkeypatch):
    secret = "s" * 20 + "-production-secret-0123456789"
    environ = production_environment(monkeypatch, secret)
    assert create_app(environ=environ).secret_key == secret
    app = create_app("production")
    assert app.secret_key == secret
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEBUG"] is False and app.config["TESTING"] is False


@pytest.mark.parametrize("keys", [None, "", "not-a-fernet-key-but-long-enough-to-pass-length-check"])
def test_production_refuses_missing_or_malformed_key_encryption_keys(monkeypatch, keys):
    environ = production_environment(monkeypatch, "s" * 20 + "-production-secret-0123456789", key_encryption_keys=keys)
    with pytest.raises(RuntimeError, match="QSM_KEY_ENCRYPTION_KEYS"):
        create_app(environ=environ)


def test_development_and_testing_do_not_need_a_secret(monkeypatch):
    monkeypatch.delenv("QSM_SECRET_KEY", raising=False)
    assert create_app("testing").secret_key
    assert create_app("development").secret_key
