"""Every seller page of QSM, SmartShip and Parcel Pal in headless Chromium, on a phone (390 px) and a desk
(1280 px), in English and Japanese: no page scrolls sideways, axe-core finds no accessibility violation, QSM's
menu opens and closes from the keyboard (and without JavaScript), and the register-app form is laid out for
its fields.

One live stack for the module; one seller logged in everywhere (QSM, a linked SmartShip account, Parcel Pal),
one seller in the middle of the linked sign-up, and a browser with no login. Each test walks every page for
its viewport and language and names each page that fails.
"""
import base64
import hashlib
import os
import random
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import pytest

from tests.e2e.browser import log_in_at_qsm

pytestmark = [pytest.mark.live, pytest.mark.browser]

AXE_DIR = Path(__file__).parent / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
NPM_CI_TIMEOUT = 180
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1280, "height": 900}}
LANGUAGES = ["en", "ja"]
QX_PATH = "/listing/option-management/qx-smart-inventory"

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + ": " + n.failureSummary.replace(/\\s+/g, " ")),
  }));
}"""
SCROLL_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def unavailable(reason):
    if os.environ.get("QSM_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + ", and QSM_REQUIRE_BROWSER=1 requires it")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def axe_script():
    """axe-core's axe.min.js from npm (the version pinned in tests/e2e/axe/package-lock.json)."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            unavailable("node and npm are not installed (they bring axe-core)")
        try:
            subprocess.run(
                [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                cwd=AXE_DIR,
                check=True,
                capture_output=True,
                timeout=NPM_CI_TIMEOUT,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            unavailable(f"npm ci in {AXE_DIR} failed: {error} {getattr(error, 'stderr', b'')!r}")
    return str(AXE_JS)


@pytest.fixture(scope="module")
def smartship(qsm, start_smartship):
    return start_smartship(qsm)


def pkce_challenge(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def new_context(browser, viewport, language=None, storage_state=None, **options):
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], storage_state=storage_state, bypass_csp=True, **options
    )  # bypass_csp: axe is injected as an inline script
    context.set_default_timeout(10_000)
    if language:
        context.add_cookies([{"name": "lang", "value": language, "domain": "127.0.0.1", "path": "/"}])
    return context


@pytest.fixture(scope="module")
def stack(browser, qsm, smartship, demo):
    """The live sites, the pages to visit, and the cookies of each kind of visitor."""
    from playwright.sync_api import expect

    seller = qsm.make_seller(shop_name="Layout Shop", contact_name="Lay Out")
    with qsm.app.app_context():
        from idp.auth.sellers import find_seller_by_email
        from idp.demo import seed_orders
        from idp.oauth.clients import register_client

        seed_orders(find_seller_by_email(seller.email), 6, random.Random(12))
        own_app, _secret = register_client(
            name="Layout Test App",
            redirect_uris=["https://layout.example/callback/a-long-path-that-a-phone-has-to-wrap"],
            scope="openid profile qsm.orders.read",
            owner=find_seller_by_email(seller.email),
        )
        own_app_id = own_app.client_id
    other_app = qsm.make_client(name="Label Printer", scope="openid profile qsm.orders.read")
    consent_url = qsm.url(
        "/oauth/authorize?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": other_app.client_id,
                "redirect_uri": other_app.redirect_uri,
                "scope": "openid profile qsm.orders.read",
                "state": "layout",
                "nonce": "layout",
                "code_challenge": pkce_challenge("v" * 50),
                "code_challenge_method": "S256",
            }
        )
    )

    # The seller logs in to QSM, joins SmartShip (its orders imported) and allows Parcel Pal.
    context = new_context(browser, "desk")
    page = context.new_page()
    log_in_at_qsm(page, qsm, seller)
    page.goto(smartship.url(f"/linked-signup/start?platform={smartship.platform_id}"))
    page.wait_for_url(smartship.url("/linked-signup"))
    page.locator("[data-agree-all]").check()
    page.locator("#done").click()
    page.wait_for_url(smartship.url("/orders"))
    page.goto(demo.url("/"))
    page.locator("main form button[type=submit]").first.click()
    page.locator("button[name=decision][value=allow]").click()
    page.wait_for_url(demo.url("/orders"))
    expect(page.locator("table")).to_be_visible()
    logged_in = context.storage_state()
    context.close()

    # Another seller stops at SmartShip's linked sign-up page.
    joining = qsm.make_seller(shop_name="Joining Shop")
    context = new_context(browser, "desk")
    page = context.new_page()
    log_in_at_qsm(page, qsm, joining)
    page.goto(smartship.url(f"/linked-signup/start?platform={smartship.platform_id}"))
    page.wait_for_url(smartship.url("/linked-signup"))
    signing_up = context.storage_state()
    context.close()

    def reset_token():
        from clients.smartship import account_tokens
        from clients.smartship.accounts import find_by_login_id

        return account_tokens.issue(find_by_login_id(seller.email), account_tokens.RESET)

    reset_path = f"/reset-password/{smartship.query(reset_token)}"
    pages = {
        None: [
            ("QSM login", qsm.url("/login")),
            ("QSM error page (logged out)", qsm.url("/no-such-page")),
            ("SmartShip login", smartship.url("/login")),
            ("SmartShip sign-up", smartship.url("/signup")),
            ("SmartShip forgot password", smartship.url("/forgot-password")),
            ("SmartShip reset password", smartship.url(reset_path)),
            ("SmartShip error page", smartship.url("/no-such-page")),
            ("Parcel Pal home", demo.url("/")),
        ],
        "logged_in": [
            ("QSM home", qsm.url("/")),
            ("QSM Qx Smart Inventory", qsm.url(QX_PATH)),
            ("QSM connected apps", qsm.url("/account/connected-apps")),
            ("QSM activity", qsm.url("/account/activity")),
            ("QSM my apps", qsm.url("/developer/apps")),
            ("QSM register an app", qsm.url("/developer/apps/new")),
            ("QSM my app", qsm.url(f"/developer/apps/{own_app_id}")),
            ("QSM delete my app", qsm.url(f"/developer/apps/{own_app_id}/delete")),
            ("QSM revoke an app", qsm.url(f"/account/connected-apps/{demo.app.registration.client_id}/revoke")),
            ("QSM log out (confirm)", qsm.url("/oauth/logout")),
            ("QSM passkeys", qsm.url("/account/passkeys")),
            ("QSM change password", qsm.url("/account/password")),
            ("QSM consent page", consent_url),
            ("QSM error page", qsm.url("/no-such-page")),
            ("QSM sign-in error page", qsm.url("/oauth/authorize?client_id=no-such-app&response_type=code")),
            ("SmartShip order management", smartship.url("/orders")),
            ("SmartShip account", smartship.url("/account")),
            ("SmartShip change password", smartship.url("/account/password")),
            ("SmartShip fulfillment", smartship.url("/fulfillment")),
            ("Parcel Pal orders", demo.url("/orders")),
        ],
        "signing_up": [
            ("SmartShip linked sign-up", smartship.url("/linked-signup")),
        ],
    }
    return SimpleNamespace(
        qsm=qsm, smartship=smartship, demo=demo, pages=pages, states={"logged_in": logged_in, "signing_up": signing_up}
    )


def axe_violations(page, axe_script):
    page.add_script_tag(path=axe_script)
    return page.evaluate(RUN_AXE)


def describe(violations):
    return "; ".join(f"{v['id']} ({v['impact']}): {v['help']} at {' | '.join(v['nodes'])}" for v in violations)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_no_page_scrolls_sideways_and_axe_finds_no_violation(browser, stack, axe_script, viewport, language):
    problems = []
    screenshots = Path(os.environ["QSM_SCREENSHOT_DIR"]) if os.environ.get("QSM_SCREENSHOT_DIR") else None
    for visitor, pages in stack.pages.items():
        context = new_context(browser, viewport, language, stack.states.get(visitor))
        page = context.new_page()
        for name, url in pages:
            page.goto(url)
            if urlsplit(page.url).path != urlsplit(url).path:
                problems.append(f"{name}: sent on to {page.url} instead of {url}")
                continue
            if page.locator("html").get_attribute("lang") != language:
                problems.append(f"{name}: <html lang> is not {language}")
            scroll_width, inner_width = page.evaluate(SCROLL_WIDTH)
            if scroll_width > inner_width:
                problems.append(f"{name}: scrolls sideways ({scroll_width} px wide in a {inner_width} px window)")
            violations = axe_violations(page, axe_script)
            if violations:
                problems.append(f"{name}: axe: {describe(violations)}")
            if screenshots:  # QSM_SCREENSHOT_DIR: every page as the test saw it, to look at
                slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
                page.screenshot(path=str(screenshots / f"{viewport}-{language}-{slug}.png"), full_page=True)
        context.close()
    assert not problems, f"{viewport} ({VIEWPORTS[viewport]['width']} px), {language}:\n" + "\n".join(problems)


def focused(page):
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {tag: e.tagName.toLowerCase(), href: e.getAttribute('href'),"
        " group: e.closest('details') ? e.closest('details').querySelector('a').getAttribute('href') : null}; }"
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_qsm_menu_opens_and_closes_from_the_keyboard(browser, stack, axe_script, viewport, language):
    from playwright.sync_api import expect

    context = new_context(browser, viewport, language, stack.states["logged_in"])
    page = context.new_page()
    page.goto(stack.qsm.url("/"))
    qx = page.get_by_role("navigation").locator(f"a[href='{QX_PATH}']")
    expect(qx).to_be_hidden()

    for _ in range(10):  # Tab from the top of the page to the Listing & Pricing summary
        page.keyboard.press("Tab")
        if focused(page) == {"tag": "summary", "href": None, "group": QX_PATH}:
            break
    else:
        pytest.fail(f"Tab never reached the menu's Listing & Pricing summary; at {focused(page)}")
    page.keyboard.press("Enter")
    expect(qx).to_be_visible()
    scroll_width, inner_width = page.evaluate(SCROLL_WIDTH)
    assert scroll_width <= inner_width, "the open menu makes the page scroll sideways"
    violations = axe_violations(page, axe_script)
    assert not violations, "with the menu open: " + describe(violations)
    if os.environ.get("QSM_SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["QSM_SCREENSHOT_DIR"]) / f"{viewport}-{language}-qsm-menu-open.png"))
    page.keyboard.press("Tab")
    assert focused(page)["href"] == QX_PATH

    page.keyboard.press("Escape")  # menu.js: Escape closes the group and puts the focus back on its summary
    expect(qx).to_be_hidden()
    assert focused(page) == {"tag": "summary", "href": None, "group": QX_PATH}
    page.keyboard.press("Enter")
    expect(qx).to_be_visible()
    page.keyboard.press("Enter")  # the summary closes it again
    expect(qx).to_be_hidden()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(stack.qsm.url(QX_PATH))
    expect(qx).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("navigation").locator("a[aria-current]")).to_have_count(1)

    # The other group, last in the bar, opens on the page too (and closes the first)
    page.get_by_role("navigation").locator("summary").last.click()
    account_link = page.get_by_role("navigation").locator("a[href='/account/activity']")
    expect(account_link).to_be_visible()
    expect(qx).to_be_hidden()
    scroll_width, inner_width = page.evaluate(SCROLL_WIDTH)
    assert scroll_width <= inner_width, "the open account menu makes the page scroll sideways"
    violations = axe_violations(page, axe_script)
    assert not violations, "with the account menu open: " + describe(violations)
    page.locator("footer").click(position={"x": 5, "y": 5})  # menu.js: a click elsewhere closes it
    expect(account_link).to_be_hidden()
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_qsm_menu_works_without_javascript(browser, stack, viewport):
    from playwright.sync_api import expect

    context = new_context(browser, viewport, "en", stack.states["logged_in"], java_script_enabled=False)
    page = context.new_page()
    page.goto(stack.qsm.url("/"))
    menu = page.get_by_role("navigation", name="Main menu")
    qx = menu.get_by_role("link", name="Qx Smart Inventory")
    expect(qx).to_be_hidden()
    menu.get_by_text("Listing & Pricing", exact=True).click()
    expect(menu.get_by_text("Option Management", exact=True)).to_be_visible()
    qx.click()
    page.wait_for_url(stack.qsm.url(QX_PATH))
    expect(page.get_by_role("heading", level=1)).to_have_text("Qx Smart Inventory")
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_register_app_form_puts_labels_beside_choices_and_gives_uris_room(browser, stack, viewport):
    context = new_context(browser, viewport, "en", stack.states["logged_in"])
    page = context.new_page()
    page.goto(stack.qsm.url("/developer/apps/new"))
    choices = page.locator("form input[type=checkbox], form input[type=radio]")
    assert choices.count() >= 5
    for i in range(choices.count()):
        choice = choices.nth(i)
        box = choice.bounding_box()
        label = page.locator(f"label[for='{choice.get_attribute('id')}']").bounding_box()
        middle = box["y"] + box["height"] / 2
        assert label["x"] >= box["x"] + box["width"], f"label of {choice.get_attribute('id')} is not beside it"
        assert label["y"] <= middle <= label["y"] + label["height"], f"label of {choice.get_attribute('id')} below it"

    form_width = page.locator("form.card").bounding_box()["width"]
    uris = page.get_by_label("Redirect URIs (one per line)", exact=True)
    assert uris.evaluate("e => e.tagName") == "TEXTAREA"
    width = uris.bounding_box()["width"]
    assert width >= min(480, form_width * 0.85), f"the redirect URIs field is {width} px wide in a {form_width} px form"
    context.close()
