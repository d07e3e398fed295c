"""A seller adds a passkey and logs in with it, in headless Chromium with a virtual
authenticator (the DevTools protocol's WebAuthn domain, through a Playwright CDP session).

Browsers refuse WebAuthn on an IP address, so the seller opens the live QSM (issuer
http://127.0.0.1:PORT) at http://localhost:PORT, QSM's passkey origin for such an issuer."""
import pytest
from playwright.sync_api import expect

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


def presence(cdp, authenticator_id, enabled):
    cdp.send("WebAuthn.setAutomaticPresenceSimulation", {"authenticatorId": authenticator_id, "enabled": enabled})


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

    page.get_by_role("link", name="Passkeys").click()
    expect(page.get_by_role("heading", name="Passkeys", exact=True)).to_be_visible()
    page.get_by_label("Passkey name").fill("Test laptop")
    page.get_by_label("Your QSM password").fill(seller.password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Create passkey").click()
    expect(page.get_by_text("Passkey \u201cTest laptop\u201d added.")).to_be_visible()
    expect(page.get_by_role("cell", name="Test laptop", exact=True)).to_be_visible()
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"] is True

    # The button: with no automatic user presence, the autofill (conditional) request waits, as it
    # does until a person picks a passkey; the button's request replaces it.
    presence(cdp, authenticator_id, False)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to QSM")).to_be_visible()
    page.get_by_role("button", name="Log in with a passkey").click()
    presence(cdp, authenticator_id, True)
    expect(page.get_by_role("button", name="Log out")).to_be_visible(timeout=15_000)
    assert (
        cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"][0]["signCount"] >= 1
    )

    page.goto(on_localhost(qsm, "/account/activity"))
    expect(page.get_by_text("Logged in with a passkey").first).to_be_visible()
    expect(page.get_by_text("Added a passkey")).to_be_visible()

    assert page.evaluate("PublicKeyCredential.isConditionalMediationAvailable()") is True
    # The autofill (conditional UI): the login page asks for a passkey as it loads; the virtual
    # authenticator, present, answers as a seller picking the passkey offered in the email field.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("heading", name="Log in to QSM")).to_have_count(0)
