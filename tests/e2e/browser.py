"""Headless Chromium (Debian's) driven by Playwright; it reaches nothing but the loopback."""
import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Nothing leaves the machine: every request not to loopback goes to a closed port.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1;localhost",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is not installed (Debian package 'chromium')"
        if os.environ.get("QSM_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + ", and QSM_REQUIRE_BROWSER=1 requires it")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})  # fresh cookies for every test
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def fill_qsm_login(page, seller):
    """On QSM's login page (its heading shown): the seller's email and password, then Log in."""
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name="Log in to QSM")).to_be_visible()
    page.get_by_label("Email").fill(seller.email)
    page.get_by_label("Password").fill(seller.password)
    page.get_by_role("button", name="Log in", exact=True).click()


def log_in_at_qsm(page, qsm, seller):
    from playwright.sync_api import expect

    page.goto(qsm.url("/login"))
    fill_qsm_login(page, seller)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def open_qsm_menu(page, group, menu="Main menu"):
    """Open one group of QSM's main menu (a <details> disclosure: closed on every page load); returns the menu.
    ``group`` and ``menu`` (the menu's name): in the page's language."""
    import re

    menu = page.get_by_role("navigation", name=menu)
    summary = menu.locator("summary").filter(has_text=re.compile(rf"^\s*{re.escape(group)}\s*$"))
    if not summary.evaluate("summary => summary.parentElement.open"):
        summary.click()
    return menu


def go_to_qx_smart_inventory(page, group="Listing & Pricing", link="Qx Smart Inventory", menu="Main menu"):
    """Listing & Pricing > Option Management > Qx Smart Inventory, through the menu as a seller would
    (``group``, ``link`` and ``menu``: those labels in the page's language)."""
    open_qsm_menu(page, group, menu).get_by_role("link", name=link).click()


def choose_language(page, language, label="Language", button="Change language"):
    """The switcher at the foot of the page, as a seller uses it: ``language`` as the list names it (日本語),
    ``label`` and ``button`` in the page's current language."""
    page.get_by_role("combobox", name=label).select_option(label=language)
    page.get_by_role("button", name=button).click()


def go_to_my_account_page(page, name):
    """My account > ``name`` (Change password, Passkeys, Connected apps, Activity, My apps (developers))."""
    open_qsm_menu(page, "My account").get_by_role("link", name=name).click()
