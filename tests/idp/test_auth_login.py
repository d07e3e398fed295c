"""Logging in and out through the real forms: CSRF, generic failures, fixation, cookies, next."""
import re

import pytest

from tests.support.pages import csrf_token
from tests.support.qsm import PASSWORD

LOGIN_FAILED = "The email or password is not correct."


def login_page(client, query=""):
    page = client.get("/login" + query)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def post_login(client, email="seller@example.com", password=PASSWORD, **extra):
    data = {"email": email, "password": password, "csrf_token": csrf_token(login_page(client))}
    data.update(extra)
    return client.post("/login", data={k: v for k, v in data.items() if v is not None})


def is_logged_in(client):
    response = client.get("/")
    return response.status_code == 200


def test_login_page_has_labelled_email_and_password_and_a_log_in_button(client):
    html = login_page(client)
    assert re.search(r'<label for="email">Email</label>', html)
    assert re.search(r'<label for="password">Password</label>', html)
    assert re.search(r'<input[^>]*id="email"[^>]*type="email"|<input[^>]*type="email"[^>]*id="email"', html)
    assert re.search(r'<input[^>]*id="password"[^>]*type="password"|<input[^>]*type="password"[^>]*id="password"', html)
    assert re.search(r"<button[^>]*type=\"submit\"[^>]*>Log in</button>", html)


def test_right_credentials_log_in_and_open_the_seller_home(client, seller):
    response = post_login(client)
    assert response.status_code == 302
    assert response.location == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert seller.shop_name in home.get_data(as_text=True)


def test_email_is_matched_whatever_its_case(client, seller):
    assert post_login(client, email="  SELLER@Example.com ").status_code == 302
    assert is_logged_in(client)


def test_pages_need_a_login(client):
    response = client.get("/listing/option-management/qx-smart-inventory")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def normalized(body, *emails):
    body = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', 'name="csrf_token" value=""', body)
    for email in emails:
        body = body.replace(email, "EMAIL")
    return body


def test_unknown_email_and_wrong_password_get_the_same_answer(client, seller):
    unknown = post_login(client, email="nobody@example.com")
    wrong = post_login(client, password="not the password")
    assert unknown.status_code == wrong.status_code == 200
    assert LOGIN_FAILED in wrong.get_data(as_text=True)
    assert normalized(unknown.get_data(as_text=True), "nobody@example.com") == normalized(
        wrong.get_data(as_text=True), "seller@example.com"
    )
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    "email, password",
    [
        ("nobody@example.com", PASSWORD),
        ("seller@example.com", "not the password"),
        ("seller@example.com", ""),
        ("", PASSWORD),
        ("seller@example.com", PASSWORD.upper()),
    ],
)
def test_every_failed_login_shows_one_generic_message(client, seller, email, password):
    response = post_login(client, email=email, password=password)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert LOGIN_FAILED in body
    assert "not found" not in body.lower() and "unknown" not in body.lower()
    assert not is_logged_in(client)


def test_login_without_csrf_token_is_refused_and_does_not_log_in(client, seller):
    response = client.post("/login", data={"email": "seller@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "reload the page" in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_login_with_a_forged_csrf_token_does_not_log_in(client, seller):
    login_page(client)
    response = client.post("/login", data={"email": "seller@example.com", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert not is_logged_in(client)


def test_login_starts_a_new_session(client, seller):
    login_page(client)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        planted_csrf = session["csrf_token"]
    post_login(client)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != planted_csrf
        assert session["_user_id"].startswith(seller.sub + ":")
        assert isinstance(session["auth_time"], int)


def test_session_cookie_is_httponly_and_samesite(client, seller):
    response = post_login(client)
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("qsm_session=")]
    assert cookies
    attributes = [a.strip().lower() for a in cookies[-1].split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes  # plain http in tests; production sets Secure


def test_session_cookie_is_secure_in_production_config():
    from config import load

    production = {"QSM_SECRET_KEY": "p" * 40, "QSM_KEY_ENCRYPTION_KEYS": "k" * 44}
    assert load("qsm", "production", production)["SESSION_COOKIE_SECURE"] is True


def test_logout_needs_post_with_csrf(client, seller, auth):
    auth.login()
    assert client.get("/logout").status_code == 405
    refused = client.post("/logout")
    assert refused.status_code == 400
    assert is_logged_in(client)

    home = client.get("/").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(home)})
    assert response.status_code == 302 and response.location == "/login"
    assert not is_logged_in(client)
    with client.session_transaction() as session:
        assert "_user_id" not in session and "auth_time" not in session
    assert "You have been logged out." in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "http://evil.example/path",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "http:/evil",
        "https:evil.example",
        " /x",
        "x",
        "data:text/html,hi",
    ],
)
def test_next_never_leaves_the_site(client, seller, target):
    response = post_login(client, next=target)
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)"],
)
def test_login_page_does_not_carry_an_off_site_next(client, target):
    from urllib.parse import quote

    html = login_page(client, "?next=" + quote(target, safe=""))
    assert re.search(r'<input[^>]*name="next"[^>]*value=""', html)
    assert "evil" not in html and "javascript" not in html


@pytest.mark.parametrize(
    "target", ["/listing/option-management/qx-smart-inventory", "/oauth/authorize?client_id=a&scope=openid+email"]
)
def test_next_on_this_site_is_followed(client, seller, target):
    response = post_login(client, next=target)
    assert response.status_code == 302
    assert response.location == target


def test_login_hint_fills_in_the_email(client):
    html = login_page(client, "?login_hint=hint%40example.com")
    assert re.search(r'<input[^>]*id="email"[^>]*value="hint@example.com"', html)


def test_a_login_writes_its_session_and_audit_event_all_or_nothing(client, seller, monkeypatch):
    """Never a login session without its audit event: when the event cannot be written, the
    session is not either, and the browser is not logged in."""
    from sqlalchemy.exc import IntegrityError

    from idp import audit
    from idp.extensions import db
    from idp.models import AuditEvent, LoginSession

    real_event_values = audit.event_values
    monkeypatch.setattr(audit, "event_values", lambda *args: {**real_event_values(*args), "kind": None})  # NOT NULL
    with pytest.raises(IntegrityError):  # the testing app lets an unexpected error through
        post_login(client)
    monkeypatch.undo()
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count()).select_from(LoginSession)).scalar() == 0
    assert db.session.execute(db.select(db.func.count()).select_from(AuditEvent)).scalar() == 0
    assert not is_logged_in(client)


def test_a_login_writes_its_session_and_audit_event(client, seller):
    from idp.extensions import db
    from idp.models import AuditEvent, LoginSession

    assert post_login(client).status_code == 302
    session_row = db.session.execute(db.select(LoginSession)).scalar_one()
    assert session_row.seller_pk == seller.id and session_row.ended_at is None
    assert (
        session_row.expires_at - session_row.auth_time
        == client.application.config["PERMANENT_SESSION_LIFETIME_SECONDS"]
    )
    event = db.session.execute(db.select(AuditEvent).filter_by(seller_pk=seller.id)).scalar_one()
    assert (event.kind, event.ip_address) == ("login_succeeded", "127.0.0.1")
    assert is_logged_in(client)

def test_no_database_connection_is_held_while_the_password_is_checked(client, seller, monkeypatch):
    """bcrypt takes tens of milliseconds: a login storm must not hold the pool's connections."""
    from idp.auth import sellers
    from idp.extensions import db
    from siteops.database import autocommit_engine

    held = []
    real_check = sellers.check_password

    def check_password(password, password_hash):
        pools = {engine.pool for engine in (db.engine, autocommit_engine(client.application))}
        held.append(
            (db.session().in_transaction(), sum(pool.checkedout() for pool in pools if hasattr(pool, "checkedout")))
        )
        return real_check(password, password_hash)

    monkeypatch.setattr(sellers, "check_password", check_password)
    assert post_login(client).status_code == 302
    assert held == [(False, 0)]
