"""Parcel Pal as a site: its own cookie, security headers, health checks, config and error pages."""
import pytest
from sqlalchemy.exc import OperationalError

from clients.demo_app import create_demo_app
from config import load


def test_pages_carry_the_security_headers_and_a_request_id(browser):
    response = browser.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.headers["X-Request-ID"]) >= 8


def test_its_session_cookie_has_its_own_name(browser):
    response = browser.get("/")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("demo_app_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks(browser, path):
    response = browser.get(path)
    assert response.status_code == 200 and response.get_json()["status"] in ("ok", "ready")


def test_a_database_outage_is_a_503_page(browser, demo_app, monkeypatch):
    from clients.demo_app.routes import site

    def broken():
        raise OperationalError("SELECT 1", {}, Exception("database is down"))

    monkeypatch.setattr(site, "current_login", broken)
    response = browser.get("/")
    assert response.status_code == 503
    assert "Parcel Pal is temporarily unavailable" in response.get_data(as_text=True)


def test_unknown_pages_are_a_plain_404(browser):
    response = browser.get("/nowhere")
    assert response.status_code == 404 and "Back to Parcel Pal" in response.get_data(as_text=True)


def test_get_login_goes_home(browser):
    assert browser.get("/login").location == "/"


def test_it_asks_only_for_the_scopes_it_needs():
    assert load("demo_app", "development", environ={})["QSM_SCOPE"] == "openid profile qsm.orders.read"


def test_production_refuses_default_secrets(monkeypatch):
    for name in ("SECRET_KEY", "CLIENT_SECRET", "TOKEN_ENCRYPTION_KEYS"):
        monkeypatch.delenv(f"DEMO_APP_{name}", raising=False)
    with pytest.raises(RuntimeError, match="DEMO_APP_SECRET_KEY"):
        create_demo_app("production", test_config={"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_without_an_encryption_key_makes_one_for_the_process():
    app = create_demo_app(
        "development",
        test_config={
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "TOKEN_ENCRYPTION_KEYS": "",
            "LOG_JSON": False,
            "LOG_REQUESTS": False,
        },
    )
    assert len(app.config["TOKEN_ENCRYPTION_KEYS"]) == 44
