"""A seller adds a passkey and logs in with it, in headless Chromium with a virtual
authenticator (the DevTools protocol's WebAuthn domain, through a Playwright CDP session).

Browsers refuse WebAuthn on an IP address, so the seller opens the live QSM (issuer
http://127.0.0.1:PORT) at http://localhost:PORT, QSM's passkey origin for such an issuer."""
import pytest
from playwright.sync_api import expect

from tests.e2e.browser import go_to_my_account_page

pytestmark = [pytest.mark.live, pytest.mark.browser]


@pytest.fixture
def authenticator(page):
    """A platform authenticator that holds discoverable credentials and verifies the user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


WITHOUT_CONDITIONAL_UI = "PublicKeyCredential.isConditionalMediationAvailable = async () => false;"


def passkey_login(response):
    return response.request.method == "POST" and response.url.endswith("/login/passkey")


def on_localhost(qsm, path):
    return qsm.url(path).replace("://127.0.0.1:", "://localhost:")


def test_a_seller_adds_a_passkey_and_logs_in_with_it(qsm, page, authenticator):
    cdp, authenticator_id = authenticator
    seller = qsm.make_seller()
    page.goto(on_localhost(qsm, "/login"))
    page.get_by_label("Email").fill(seller.email)
    page.get_by_label("Password").fill(seller.password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    go_to_my_account_page(page, "Passkeys")
    expect(page.get_by_role("heading", name="Passkeys", exact=True)).to_be_visible()
    page.get_by_label("Passkey name").fill("Test laptop")
    page.get_by_label("Your QSM password").fill(seller.password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Create passkey").click()
    expect(page.get_by_text("Passkey \u201cTest laptop\u201d added.")).to_be_visible()
    expect(page.get_by_role("cell", name="Test laptop", exact=True)).to_be_visible()
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"] is True

    # The autofill (conditional UI): the login page asks for a passkey as it loads; the virtual
    # authenticator, present, answers as a seller picking the passkey offered in the email field.
    assert page.evaluate("PublicKeyCredential.isConditionalMediationAvailable()") is True
    with page.expect_response(passkey_login, timeout=15_000) as login:
        page.get_by_role("button", name="Log out").click()
    assert login.value.ok
    expect(page.get_by_role("button", name="Log out")).to_be_visible(timeout=15_000)

    # The button, as in a browser without conditional UI (nothing asks for a passkey on load).
    page.add_init_script(WITHOUT_CONDITIONAL_UI)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to QSM")).to_be_visible()
    with page.expect_response(passkey_login, timeout=15_000) as login:
        page.get_by_role("button", name="Log in with a passkey").click()
    assert login.value.ok
    expect(page.get_by_role("button", name="Log out")).to_be_visible(timeout=15_000)
    assert (
        cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"][0]["signCount"] >= 2
    )

    page.goto(on_localhost(qsm, "/account/activity"))
    expect(page.get_by_text("Logged in with a passkey").first).to_be_visible()
    expect(page.get_by_text("Added a passkey")).to_be_visible()

