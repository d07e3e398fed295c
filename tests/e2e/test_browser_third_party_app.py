"""A developer registers an app on QSM's developer page (requiring pushed authorization requests,
which Parcel Pal makes); a seller uses it through the consent page, then takes the access back on
Connected apps. All in headless Chromium, against live servers."""
import os
import random
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.browser import go_to_my_account_page, log_in_at_qsm
from tests.support.live_server import create_tables

pytestmark = [pytest.mark.live, pytest.mark.browser]


class LateApp:
    """A WSGI app whose real app is built once its address is known and it has been registered."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def parcel_pal(live_servers, tmp_path_factory):
    holder = LateApp()
    server = live_servers(lambda base_url: holder)
    server.holder = holder
    yield server
    if holder.app is not None:
        from clients.demo_app.extensions import db

        server.stop()
        with holder.app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def start_parcel_pal(server, qsm, client_id, client_secret, tmp_path):
    from cryptography.fernet import Fernet

    from clients.demo_app import create_demo_app
    from clients.demo_app.extensions import db

    database_url = os.environ.get("DEMO_APP_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'parcel_pal.db'}"
    app = create_demo_app(
        "testing",
        test_config={
            "SQLALCHEMY_DATABASE_URI": database_url,
            "BASE_URL": server.base_url,
            "QSM_ISSUER": qsm.base_url,
            "CLIENT_ID": client_id,
            "CLIENT_SECRET": client_secret,
            "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        },
    )
    create_tables(app, db)
    server.holder.app = app


def test_register_an_app_consent_deny_allow_orders_then_revoke(browser, qsm, parcel_pal, tmp_path):
    from playwright.sync_api import expect

    developer = qsm.make_seller(shop_name="Parcel Labs")
    seller = qsm.make_seller(shop_name="Harbour Gifts", contact_name="Nur Aisyah")
    with qsm.app.app_context():
        from idp.auth.sellers import find_seller_by_email
        from idp.demo import seed_orders

        seed_orders(find_seller_by_email(seller.email), 3, random.Random(3))

    # The developer registers Parcel Pal on QSM's developer page
    dev = browser.new_context()
    dev_page = dev.new_page()
    dev_page.set_default_timeout(10_000)
    log_in_at_qsm(dev_page, qsm, developer)
    go_to_my_account_page(dev_page, "My apps (developers)")
    dev_page.get_by_role("link", name="Register an app").click()
    dev_page.get_by_label("App name").fill("Parcel Pal")
    dev_page.get_by_label("Home page").fill(parcel_pal.url("/"))
    dev_page.get_by_label("Redirect URIs (one per line)", exact=True).fill(parcel_pal.url("/callback"))
    dev_page.get_by_label("Post-logout redirect URIs (one per line)").fill(parcel_pal.url("/"))
    dev_page.get_by_label("Back-channel logout URI").fill(parcel_pal.url("/backchannel-logout"))
    dev_page.get_by_label(re.compile(r"^qsm\.orders\.read:")).check()
    dev_page.get_by_label("Require pushed authorization requests (PAR, RFC 9126)").check()
    dev_page.get_by_role("button", name="Register app").click()
    expect(dev_page.get_by_text("Copy the client secret now.")).to_be_visible()
    client_id = dev_page.get_by_test_id("client-id").inner_text()
    # A reload neither registers the app again nor shows the secret again
    dev_page.reload()
    expect(dev_page.get_by_text("The client secret of Parcel Pal was shown once")).to_be_visible()
    expect(dev_page.get_by_test_id("client-secret")).to_have_count(0)
    # The developer did not copy it: a new secret, and Back to its page after leaving does not show it again
    dev_page.get_by_role("button", name="Rotate secret").click()
    expect(dev_page.get_by_role("heading", level=1)).to_have_text("Parcel Pal: new client secret")
    client_secret = dev_page.get_by_test_id("client-secret").inner_text()
    dev_page.get_by_role("link", name="App details").click()
    expect(dev_page.locator("dt:text-is('Pushed authorization requests') + dd")).to_have_text("Required")
    dev_page.go_back()
    expect(dev_page.get_by_text("The client secret of Parcel Pal was shown once")).to_be_visible()
    expect(dev_page.get_by_test_id("client-secret")).to_have_count(0)
    go_to_my_account_page(dev_page, "My apps (developers)")
    expect(dev_page.get_by_role("link", name="Parcel Pal", exact=True)).to_have_count(1)
    dev.close()
    start_parcel_pal(parcel_pal, qsm, client_id, client_secret, tmp_path)

    # A seller uses it: the consent page, Deny, then Allow
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    authorization_requests = []
    page.on(
        "request",
        lambda request: (
            authorization_requests.append(request.url) if urlsplit(request.url).path == "/oauth/authorize" else None
        ),
    )
    page.goto(parcel_pal.url("/"))
    page.get_by_role("button", name="Log in with QSM").click()
    page.get_by_label("Email").fill(seller.email)
    page.get_by_label("Password").fill(seller.password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Parcel Pal wants to access your QSM account")
    expect(page.get_by_test_id("registered-by")).to_have_text("Registered by the seller Parcel Labs (developer).")
    expect(page.locator("ul.scopes > li")).to_contain_text(["Sign you in with your QSM account", "Read your orders"])
    page.get_by_role("button", name="Deny").click()
    expect(page.get_by_text("You did not allow Parcel Pal to access your QSM account.")).to_be_visible()

    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Parcel Pal wants to access your QSM account")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(parcel_pal.url("/orders"))
    expect(page.get_by_role("heading", name="Hello, Nur Aisyah")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text(f"{seller.seller_id}-1002")
    # Every authorization request the browser carried (the first, the consent answers, Try again)
    # named a pushed request and nothing else.
    assert authorization_requests
    for url in authorization_requests:
        assert set(parse_qs(urlsplit(url).query)) == {"client_id", "request_uri"}, url

    # Connected apps at QSM: revoke, and Parcel Pal loses access at once
    page.goto(qsm.url("/account/connected-apps"))
    expect(page.get_by_role("heading", name="Parcel Pal")).to_be_visible()
    page.get_by_role("link", name="Revoke Parcel Pal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke access for Parcel Pal?")
    page.get_by_role("link", name="Cancel").click()  # Cancel keeps the access
    expect(page.get_by_role("heading", name="Parcel Pal")).to_be_visible()
    page.get_by_role("link", name="Revoke Parcel Pal").click()
    page.get_by_role("button", name="Revoke access for Parcel Pal").click()
    expect(page.get_by_text("Parcel Pal no longer has access to your QSM account.")).to_be_visible()
    page.goto(parcel_pal.url("/orders"))
    expect(page.get_by_text("Access to your QSM account was revoked. Log in again to reconnect.")).to_be_visible()
    context.close()
