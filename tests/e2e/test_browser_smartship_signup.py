"""The seller's story in a real browser: QSM > Qx Smart Inventory > Join SmartShip > a new SmartShip account."""
import os
import random
import re
from pathlib import Path

import pytest

from tests.e2e.browser import PNG_SIGNATURE, go_to_qx_smart_inventory, log_in_at_qsm

pytestmark = [pytest.mark.live, pytest.mark.browser]


@pytest.fixture(scope="module")
def smartship(qsm, start_smartship):
    return start_smartship(qsm)


class SubmitWatch:
    """Counts the POSTs a page sends to one URL, and records (in sessionStorage, which outlives
    the navigation) what the form showed right after it was submitted: the button's text and
    state, the form's aria-busy and its status line."""

    RECORD = """(selector) => document.addEventListener("submit", () => setTimeout(() => {
        const button = document.querySelector(selector);
        sessionStorage.setItem("busy", JSON.stringify([button.textContent.trim(), button.disabled,
            button.form.getAttribute("aria-busy"), button.form.querySelector("[data-busy-status]").textContent]));
    }, 0))"""

    def __init__(self, page, url, button_selector):
        self.page, self.url, self.posts = page, url, []
        page.on("request", self.count)
        page.evaluate(self.RECORD, button_selector)

    def count(self, request):
        if request.method == "POST" and request.url == self.url:
            self.posts.append(request)

    def shown(self):
        self.page.remove_listener("request", self.count)
        return tuple(self.page.evaluate("JSON.parse(sessionStorage.getItem('busy'))"))


def test_join_smartship_creates_an_account_and_lands_on_order_management(page, qsm, smartship, tmp_path):
    from playwright.sync_api import expect

    seller = qsm.make_seller(shop_name="Lion City Gadgets", contact_name="Tan Wei Ling")
    with qsm.app.app_context():
        from idp.auth.sellers import find_seller_by_email
        from idp.demo import seed_orders

        seed_orders(find_seller_by_email(seller.email), 4, random.Random(7))

    log_in_at_qsm(page, qsm, seller)
    go_to_qx_smart_inventory(page)
    expect(page.get_by_role("heading", name="Qx Smart Inventory")).to_be_visible()
    expect(page.get_by_text("No SmartShip account is linked yet")).to_be_visible()

    with page.expect_popup() as popup_info:
        page.get_by_role("link", name="Join SmartShip").click()
    signup = popup_info.value
    signup.wait_for_url(smartship.url("/linked-signup"))

    # What came from QSM, and no registration form to fill in
    details = signup.get_by_test_id("qsm-details")
    for value in (seller.email, "Tan Wei Ling", "Lion City Gadgets", "+65 6000 0000"):
        expect(details).to_contain_text(value)
    expect(signup.get_by_role("radio", name="Create a new account")).to_be_checked()
    expect(signup.get_by_test_id("no-password-hint")).to_be_visible()

    done = signup.get_by_role("button", name="Done")
    expect(done).to_be_disabled()
    signup.get_by_label("(Required) I agree to the SmartShip terms of service").check()
    expect(done).to_be_disabled()
    signup.get_by_label("Agree to all").check()
    expect(signup.get_by_label("(Optional) Send me SmartShip news and offers by email")).to_be_checked()
    expect(done).to_be_enabled()
    signup.get_by_label("(Optional) Send me SmartShip news and offers by email").uncheck()
    expect(signup.get_by_label("Agree to all")).not_to_be_checked()
    expect(done).to_be_enabled()

    # The terms open in a new tab; the form keeps what the seller ticked
    with signup.expect_popup() as terms_info:
        signup.get_by_role("link", name="Read the terms of service (opens in a new tab)").click()
    terms = terms_info.value
    expect(terms.get_by_role("heading", name="SmartShip terms of service")).to_be_visible()
    terms.close()
    expect(signup.get_by_label("(Required) I agree to the SmartShip terms of service")).to_be_checked()
    expect(done).to_be_enabled()

    shot = Path(os.environ.get("QSM_SCREENSHOT_DIR") or tmp_path) / "linked-signup.png"
    signup.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(PNG_SIGNATURE)

    # Done, clicked twice: it says it is working and is sent once
    watch = SubmitWatch(signup, smartship.url("/linked-signup"), "#done")
    signup.locator("#done").dblclick()
    signup.wait_for_url(smartship.url("/orders"))
    text, disabled, busy, status = watch.shown()
    assert (text, disabled, busy) == ("Working…", True, "true")
    assert "importing your orders from QSM" in status
    assert len(watch.posts) == 1
    expect(signup.get_by_role("heading", name="Order management")).to_be_visible()
    expect(signup.get_by_role("table")).to_contain_text(f"{seller.seller_id}-1003")
    expect(signup.get_by_role("row")).to_have_count(5)

    # Sync now: the same while the orders are imported
    watch = SubmitWatch(signup, smartship.url("/orders/sync"), "form[data-busy-form] button")
    signup.get_by_role("button", name="Sync now").dblclick()
    expect(signup.get_by_text("Orders are up to date (0 new).")).to_be_visible()
    text, disabled, busy, status = watch.shown()
    assert (text, disabled, busy) == ("Importing orders…", True, "true")
    assert "Importing your orders from QSM" in status
    assert len(watch.posts) == 1
    expect(signup.get_by_role("row")).to_have_count(5)

    # Back at QSM, the panel shows the link
    page.reload()
    expect(page.get_by_test_id("smartship-login-id")).to_have_text(seller.email)
    expect(page.get_by_test_id("fulfillment-status")).to_have_text("Not applied yet")
    expect(page.get_by_role("link", name="Go to SmartShip")).to_be_visible()

    # The account page explains there is no password yet
    signup.get_by_role("link", name="My account").click()
    expect(signup.get_by_test_id("password-status")).to_contain_text("No password is set")


def test_a_seller_not_logged_in_at_qsm_logs_in_there_first(page, qsm, smartship):
    from playwright.sync_api import expect

    seller = qsm.make_seller()
    page.goto(smartship.url("/linked-signup/start?platform=qoo10-sg"))
    expect(page.get_by_role("heading", name="Log in to QSM")).to_be_visible()
    page.get_by_label("Email").fill(seller.email)
    page.get_by_label("Password").fill(seller.password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(smartship.url("/linked-signup"))
    expect(page.get_by_test_id("qsm-details")).to_contain_text(seller.email)
    assert re.search(r"Agree to all", page.content())
