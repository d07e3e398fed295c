"""The Activity page shows the seller's security events."""
from idp.extensions import db
from idp.models import AuditEvent
from tests.support.pages import csrf_token


def kinds(seller):
    return [
        e.kind
        for e in db.session.execute(
            db.select(AuditEvent).filter_by(seller_pk=seller.id).order_by(AuditEvent.id)
        ).scalars()
    ]


def test_logins_failures_and_logout_are_recorded_and_shown(client, seller, auth):
    auth.login(password="wrong password entirely")
    auth.login()
    page = client.get("/account/activity").get_data(as_text=True)
    assert "Failed login attempt" in page and "Logged in" in page and "127.0.0.1" in page
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    assert kinds(seller) == ["login_failed", "login_succeeded", "logout"]


def test_unknown_emails_leave_no_event(client, seller, auth):
    auth.login(email="nobody@example.com")
    assert db.session.execute(db.select(AuditEvent)).first() is None


def test_consent_revocation_and_app_events(client, seller, auth, flow):
    auth.login()
    f = flow(name="Parcel Tracker")
    f.tokens()
    page = client.get(f"/account/connected-apps/{f.oauth_client.client_id}/revoke").get_data(as_text=True)
    client.post(
        f"/account/connected-apps/{f.oauth_client.client_id}/revoke",
        data={"csrf_token": csrf_token(page), "confirm": "yes"},
    )
    assert "app_access_revoked" in kinds(seller)
    assert "Parcel Tracker" in client.get("/account/activity").get_data(as_text=True)


def test_only_the_sellers_own_events_are_shown(client, seller, make_seller, auth):
    make_seller("other@example.com")
    auth.login(email="other@example.com", password="nope nope nope")
    auth.login()
    page = client.get("/account/activity").get_data(as_text=True)
    assert "Failed login attempt" not in page


def test_consent_decisions_are_recorded(client, seller, auth, flow):
    auth.login()
    f = flow(name="Parcel Tracker")
    page = f.authorize()
    f.client.post(
        "/oauth/authorize",
        query_string=f.authorize_params(),
        data={"decision": "deny", "csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    f.get_code()
    assert kinds(seller)[-2:] == ["consent_denied", "consent_granted"]
    html = client.get("/account/activity").get_data(as_text=True)
    assert "Denied an app" in html and "Allowed an app" in html


def test_refresh_token_reuse_shows_on_the_activity_page(client, seller, auth, flow):
    auth.login()
    f = flow(trusted=True)
    tokens = f.tokens(scope="openid offline_access")
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert f.token_request(refresh).status_code == 200
    assert f.token_request(refresh).status_code == 400  # reuse: the whole family goes
    assert "token_family_revoked" in kinds(seller)
    assert "a refresh token was used twice" in client.get("/account/activity").get_data(as_text=True)


def test_consent_page_says_who_registered_the_app(client, seller, make_seller, auth, flow):
    developer = make_seller("dev@example.com", shop_name="Repricer Labs")
    auth.login()
    page = flow(name="Repricer", owner=developer).authorize().get_data(as_text=True)
    assert "Registered by the seller Repricer Labs (developer)" in page
