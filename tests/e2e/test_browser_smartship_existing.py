"""Linking an existing SmartShip account, password reset over SMTP, and both ways to log in — in Chromium."""
import re
import socket

import pytest
from aiosmtpd.controller import Controller

from tests.e2e.browser import log_in_at_qsm
from tests.e2e.smartship_live import SMARTSHIP_PASSWORD, linked_login_id, make_account
from tests.support.mail import SMTPInbox

pytestmark = [pytest.mark.live, pytest.mark.browser]


@pytest.fixture(scope="module")
def inbox():
    inbox = SMTPInbox(r"(http://127\.0\.0\.1:\d+/reset-password/\S+)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture(scope="module")
def smartship(qsm, start_smartship, inbox):
    site = start_smartship(qsm)
    site.app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port)
    return site


def join(page, qsm, smartship, seller):
    from playwright.sync_api import expect

    log_in_at_qsm(page, qsm, seller)
    page.goto(qsm.url("/listing/option-management/qx-smart-inventory"))
    with page.expect_popup() as popup_info:
        page.get_by_role("link", name="Join SmartShip").click()
    signup = popup_info.value
    signup.wait_for_url(smartship.url("/linked-signup"))
    expect(signup.get_by_test_id("qsm-details")).to_contain_text(seller.email)
    return signup


def agree_and_done(signup):
    signup.get_by_label("Agree to all").check()
    signup.get_by_role("button", name="Done").click()


def test_link_one_existing_account_with_its_password(page, qsm, smartship):
    from playwright.sync_api import expect

    seller = qsm.make_seller()
    make_account(smartship, "my-old-shop", seller.email)
    signup = join(page, qsm, smartship, seller)
    expect(signup.get_by_role("radio", name="Link an existing account")).to_be_checked()
    expect(signup.get_by_role("radio", name=re.compile(r"^my-old-shop \(created"))).to_be_checked()
    expect(signup.get_by_role("radio", name="Do you want to create a new account?")).not_to_be_checked()
    # No "no password is created" hint when linking an account that may well have one
    expect(signup.get_by_test_id("no-password-hint")).to_be_hidden()
    signup.get_by_role("radio", name="Do you want to create a new account?").check()
    expect(signup.get_by_test_id("no-password-hint")).to_be_visible()
    signup.get_by_role("radio", name="Link an existing account").check()
    signup.get_by_label("Password", exact=True).fill(SMARTSHIP_PASSWORD)
    agree_and_done(signup)
    signup.wait_for_url(smartship.url("/orders"))
    assert linked_login_id(smartship, seller) == "my-old-shop"


def test_choose_among_several_accounts_with_one_email(page, qsm, smartship):
    from playwright.sync_api import expect

    seller = qsm.make_seller()
    make_account(smartship, "first-shop", seller.email)
    make_account(smartship, "main-shop", seller.email, primary=True)
    signup = join(page, qsm, smartship, seller)
    radios = signup.get_by_role("group", name=re.compile("SmartShip accounts registered with")).get_by_role("radio")
    expect(radios.first).to_have_accessible_name(re.compile(r"^main-shop .*primary account"))
    expect(radios.first).to_be_checked()
    signup.get_by_role("radio", name=re.compile(r"^first-shop ")).check()
    signup.get_by_label("Password", exact=True).fill(SMARTSHIP_PASSWORD)
    agree_and_done(signup)
    signup.wait_for_url(smartship.url("/orders"))
    assert linked_login_id(smartship, seller) == "first-shop"


def test_type_a_login_id_not_in_the_list(page, qsm, smartship):
    seller = qsm.make_seller()
    make_account(smartship, "typed-shop", "another-address@example.com")
    signup = join(page, qsm, smartship, seller)
    signup.get_by_role("radio", name="Link an existing account").check()
    signup.get_by_label("Login ID or email").fill("typed-shop")
    signup.get_by_label("Password", exact=True).fill(SMARTSHIP_PASSWORD)
    agree_and_done(signup)
    signup.wait_for_url(smartship.url("/orders"))
    assert linked_login_id(smartship, seller) == "typed-shop"


def test_a_wrong_password_then_the_throttle(page, qsm, smartship):
    from playwright.sync_api import expect

    seller = qsm.make_seller()
    make_account(smartship, "throttled-shop", seller.email)
    signup = join(page, qsm, smartship, seller)
    for _ in range(5):
        signup.get_by_label("Password", exact=True).fill("not-the-password")
        agree_and_done(signup)
        expect(signup.get_by_role("alert").filter(has_text="The login ID or password is not correct.")).to_be_visible()
    signup.get_by_label("Password", exact=True).fill(SMARTSHIP_PASSWORD)
    agree_and_done(signup)
    expect(
        signup.get_by_role("alert").filter(
            has_text=re.compile(r"Too many attempts\. Please try again in \d+ minutes?\.")
        )
    ).to_be_visible()
    assert linked_login_id(smartship, seller) is None


def test_password_reset_from_the_linking_page_then_both_logins(page, qsm, smartship, inbox):
    from playwright.sync_api import expect

    seller = qsm.make_seller()
    make_account(smartship, "forgotten-shop", seller.email, password="Lost-long-ago-pass-1")
    signup = join(page, qsm, smartship, seller)
    signup.get_by_role("button", name="Password Reset").click()
    expect(signup.get_by_role("status").filter(has_text="we sent a password reset link")).to_be_visible()

    # Follow the link from the mail caught over SMTP, in the same browser
    signup.goto(inbox.link_to(seller.email))
    expect(signup.get_by_role("heading", name="Set a new password")).to_be_visible()
    signup.get_by_label("New password", exact=True).fill("Brand-new-pass-77")
    signup.get_by_label("Confirm new password").fill("Brand-new-pass-77")
    signup.get_by_role("button", name="Set new password").click()

    # Back to finish linking
    signup.wait_for_url(smartship.url("/linked-signup"))
    signup.get_by_label("Password", exact=True).fill("Brand-new-pass-77")
    agree_and_done(signup)
    signup.wait_for_url(smartship.url("/orders"))
    assert linked_login_id(smartship, seller) == "forgotten-shop"

    # Log out: signed in through QSM, so QSM's session ends too (RP-initiated logout), and back here
    signup.get_by_role("button", name="Log out").click()
    signup.wait_for_url(smartship.url("/login"))
    expect(signup.get_by_role("status").filter(has_text="logged out of SmartShip")).to_be_visible()
    signup.goto(qsm.url("/"))
    expect(signup.get_by_role("heading", name="Log in to QSM")).to_be_visible()

    # Log in with the login ID and the new password
    signup.goto(smartship.url("/login"))
    signup.get_by_label("Login ID or email").fill("forgotten-shop")
    signup.get_by_label("Password", exact=True).fill("Brand-new-pass-77")
    signup.get_by_role("button", name="Log in", exact=True).click()
    signup.wait_for_url(smartship.url("/orders"))

    # And Log in with QSM: the linked connection, no SmartShip password (QSM asks for its own login first)
    signup.get_by_role("button", name="Log out").click()
    signup.get_by_role("link", name="Log in with QSM").click()
    signup.get_by_label("Email").fill(seller.email)
    signup.get_by_label("Password", exact=True).fill(seller.password)
    signup.get_by_role("button", name="Log in", exact=True).click()
    signup.wait_for_url(smartship.url("/orders"))
    expect(signup.get_by_role("heading", name="Order management")).to_be_visible()
