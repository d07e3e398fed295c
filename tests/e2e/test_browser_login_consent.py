"""A seller in a real browser (headless Chromium through Playwright) against a live QSM.

Three live servers on 127.0.0.1: QSM; a relying party's callback page that shows what it was
sent; and a stand-in for SmartShip's sign-up page, which QSM's "Join SmartShip" button opens.
The seller finds everything by what a person sees: labels, button names, headings.
"""
import re
from html import escape
from urllib.parse import urlencode

import pytest
from werkzeug.wrappers import Request, Response

from tests.e2e.browser import PNG_SIGNATURE, fill_qsm_login, go_to_qx_smart_inventory
from tests.support.oauth import authorization_params
from tests.support.pages import query_of

pytestmark = [pytest.mark.live, pytest.mark.browser]

SCOPE = "openid profile email qsm.orders.read"


# --- The sites around QSM ------------------------------------------------------------------------


@Request.application
def callback_page(request):
    """A relying party's redirect URI: shows the parameters it received, nothing more."""
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in request.args.items())
    return Response(f"<!doctype html><title>Callback</title><h1>Callback</h1><dl>{rows}</dl>", mimetype="text/html")


@Request.application
def smartship_stub(request):
    return Response(
        f"<!doctype html><title>SmartShip</title><h1>SmartShip sign-up</h1><p>{escape(request.path)}</p>",
        mimetype="text/html",
    )


@pytest.fixture(scope="module")
def callback_server(live_servers):
    return live_servers(lambda base_url: callback_page)


@pytest.fixture(scope="module")
def smartship(live_servers):
    return live_servers(lambda base_url: smartship_stub)


@pytest.fixture(scope="module")
def qsm(start_qsm, smartship):
    """Overrides the plain live QSM: this one's SmartShip links point at the stand-in."""
    return start_qsm(
        SMARTSHIP_SIGNUP_URL=smartship.url("/linked-signup/start"),
        SMARTSHIP_LOGIN_URL=smartship.url("/login/qsm"),
    )


@pytest.fixture(scope="module")
def seller(qsm):
    return qsm.make_seller(shop_name="Lion City Gadgets")


@pytest.fixture(scope="module")
def third_party(qsm, callback_server):
    return qsm.make_client(name="Parcel Tracker", redirect_uris=[callback_server.url("/callback")], scope=SCOPE)


# --- The browser -------------------------------------------------------------------------------------


def authorization_url(qsm, client, state):
    challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636 appendix B
    params = authorization_params(client.client_id, client.redirect_uri, SCOPE, challenge, state=state)
    return qsm.url("/oauth/authorize?" + urlencode(params))


# --- The tests ---------------------------------------------------------------------------------------


def test_seller_logs_in_denies_then_allows_a_third_party_app(page, qsm, seller, third_party, callback_server, tmp_path):
    from playwright.sync_api import expect

    callback = re.compile(re.escape(callback_server.url("/callback")) + r"\?.*")

    page.goto(authorization_url(qsm, third_party, state="first-try"))
    expect(page).to_have_url(re.compile(re.escape(qsm.url("/login")) + r"\?"))
    fill_qsm_login(page, seller)

    # The consent page says who is asking and, in plain words, for what.
    expect(page.get_by_role("heading", level=1)).to_have_text("Parcel Tracker wants to access your QSM account")
    expect(page.locator("ul.scopes > li")).to_have_text(
        [
            "Sign you in with your QSM account",
            "See your name, shop name and seller ID",
            "See your email address and whether it is verified",
            "Read your orders",
        ]
    )
    expect(page.get_by_text(f"You are logged in as {seller.email}")).to_be_visible()
    screenshot = tmp_path / "consent.png"
    page.screenshot(path=str(screenshot), full_page=True)
    data = screenshot.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR" and len(data) > 1000

    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(callback)
    expect(page.get_by_role("heading", name="Callback")).to_be_visible()
    denied = query_of(page.url)
    assert denied["error"] == "access_denied"
    assert denied["state"] == "first-try"
    assert denied["iss"] == qsm.base_url
    assert "code" not in denied

    # Start again: still logged in, and a denial allowed nothing, so the question comes back.
    page.goto(authorization_url(qsm, third_party, state="second-try"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Parcel Tracker wants to access your QSM account")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(callback)
    allowed = query_of(page.url)
    assert allowed["state"] == "second-try"
    assert allowed["iss"] == qsm.base_url
    assert len(allowed["code"]) >= 20
    assert "error" not in allowed


def test_qx_smart_inventory_offers_join_smartship_in_a_new_window(page, qsm, seller, smartship):
    from playwright.sync_api import expect

    page.goto(qsm.url("/login"))
    fill_qsm_login(page, seller)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    go_to_qx_smart_inventory(page)  # Listing & Pricing > Option Management > Qx Smart Inventory

    expect(page.get_by_role("heading", level=1)).to_have_text("Qx Smart Inventory")
    status = page.get_by_role("region", name="SmartShip link status")
    expect(status).to_contain_text("No SmartShip account is linked yet")
    expect(status.locator("dl")).to_have_count(0)
    expect(page.get_by_role("link", name="Go to SmartShip")).to_have_count(0)

    join = page.get_by_role("link", name="Join SmartShip")
    expect(join).to_be_visible()
    with page.expect_popup() as opened:
        join.click()
    popup = opened.value
    popup.wait_for_load_state()
    assert popup.url == smartship.url("/linked-signup/start")
    expect(popup.get_by_role("heading", name="SmartShip sign-up")).to_be_visible()
    assert page.url == qsm.url("/listing/option-management/qx-smart-inventory")  # QSM stays open
