"""The linked sign-up walked in Japanese (and, for the README's pictures, in English) in Chromium: a seller
picks 日本語 with QSM's language switcher, logs in, opens 商品登録・価格 > オプション管理 > Qx Smart Inventory,
clicks 「SmartShip に登録」, links the SmartShip account that has their verified email with its password, ticks
the required agreements, clicks 「完了」 and lands on 注文管理 with their orders; QSM then offers
「SmartShip へ移動」. The consent page of a third-party app (Parcel Pal) in the same language.

Elements are found by role and accessible name, with the strings of the sites' catalogues
(idp/translations/ja/..., clients/smartship/translations/ja/..., clients/demo_app/translations/ja/...).

Each test saves viewport-sized screenshots of the key pages, checked to be PNGs: in a temporary folder, or in
``QSM_SCREENSHOT_DIR`` when set; ``python docs/screenshots.py`` runs this module that way to renew the
README's pictures in docs/images/.

All the sites are on 127.0.0.1, and a host's cookies ignore the port: the ``lang`` cookie the switcher sets at
QSM reaches SmartShip and Parcel Pal too, as it would for sites that share a domain. (A browser that prefers
Japanese gets Japanese pages from each site by its Accept-Language alone.)
"""
import os
import random
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from tests.e2e.browser import PNG_SIGNATURE, choose_language, go_to_qx_smart_inventory, open_qsm_menu
from tests.e2e.smartship_live import SMARTSHIP_PASSWORD, linked_login_id, make_account

pytestmark = [pytest.mark.live, pytest.mark.browser]

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
QX_PATH = "/listing/option-management/qx-smart-inventory"

TEXTS = {
    "ja": SimpleNamespace(
        language="日本語",
        qsm_login="QSMにログイン",
        email="メールアドレス",
        password="パスワード",
        log_in="ログイン",
        log_out="ログアウト",
        main_menu="メインメニュー",
        listing="商品登録・価格",
        option_management="オプション管理",
        join="SmartShip に登録",
        go_to="SmartShip へ移動",
        not_linked="SmartShip アカウントはまだ連携されていません。",
        signup_heading="Qoo10 Singapore - SmartShip に登録",
        registration_type="会員登録の種類",
        link_existing="既存のアカウントを連携する",
        create_new="新しいアカウントを作成しますか？",
        accounts_with="で登録されている SmartShip アカウント",
        created=r"（\d{4}\/\d{2}\/\d{2} 作成）",  # "/" escaped: Playwright writes the pattern between slashes
        required=[
            "（必須）SmartShip の利用規約に同意します",
            "（必須）SmartShip のプライバシーポリシーに同意します",
            "（必須）SmartShip が QSM から販売者情報（メールアドレス・氏名・ショップ・電話番号・住所）"
            "と注文を受け取ることに同意します",
        ],
        done="完了",
        order_management="注文管理",
        orders_table="QSM からの注文",
        linked_to="Qoo10 Singapore の販売者",
        sync_now="今すぐ同期",
        parcel_pal_login="QSM でログイン",
        consent_heading="Parcel Pal があなたの QSM アカウントへのアクセスを求めています",
        scopes=["QSM アカウントでのログイン", "氏名・ショップ名・販売者 ID の参照", "注文情報の参照"],
        allow="許可する",
        hello="こんにちは、",
    ),
    "en": SimpleNamespace(
        language="English",
        qsm_login="Log in to QSM",
        email="Email",
        password="Password",
        log_in="Log in",
        log_out="Log out",
        main_menu="Main menu",
        listing="Listing & Pricing",
        option_management="Option Management",
        join="Join SmartShip",
        go_to="Go to SmartShip",
        not_linked="No SmartShip account is linked yet.",
        signup_heading="Qoo10 Singapore - Join SmartShip",
        registration_type="Membership registration type",
        link_existing="Link an existing account",
        create_new="Do you want to create a new account?",
        accounts_with="SmartShip accounts registered with",
        created=r" \(created [A-Z][a-z]{2} \d{1,2}, \d{4}\)",
        required=[
            "(Required) I agree to the SmartShip terms of service",
            "(Required) I agree to the SmartShip privacy policy",
            "(Required) I agree that SmartShip receives my seller information"
            " (email, name, shop, phone, address) and orders from QSM",
        ],
        done="Done",
        order_management="Order management",
        orders_table="Orders from QSM",
        linked_to="Qoo10 Singapore seller",
        sync_now="Sync now",
        parcel_pal_login="Log in with QSM",
        consent_heading="Parcel Pal wants to access your QSM account",
        scopes=["Sign you in with your QSM account", "See your name, shop name and seller ID", "Read your orders"],
        allow="Allow",
        hello="Hello, ",
    ),
}
SELLERS = {
    "ja": {"shop_name": "さくら雑貨店", "contact_name": "山田 花子", "login_id": "sakura-zakka", "mailbox": "hanako"},
    "en": {"shop_name": "Lion City Gadgets", "contact_name": "Tan Wei Ling", "login_id": "lion-city", "mailbox": "tan"},
}


@pytest.fixture(scope="module")
def smartship(qsm, start_smartship):
    return start_smartship(qsm)


@pytest.fixture
def screenshots(tmp_path):
    """``shoot(page, name)``: a viewport-sized PNG of the page, in QSM_SCREENSHOT_DIR or a temporary folder."""
    folder = Path(os.environ.get("QSM_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, name):
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR"
        return path

    return shoot


@pytest.fixture
def desk_page(browser):
    context = browser.new_context(viewport=DESK)  # an English browser: the seller chooses the language
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def make_seller(qsm, language, domain):
    who = SELLERS[language]
    email = f"{who['mailbox']}@{domain}"  # the pictures show it
    return qsm.make_seller(email=email, shop_name=who["shop_name"], contact_name=who["contact_name"])


def expect_language(page, language):
    from playwright.sync_api import expect

    expect(page.locator("html")).to_have_attribute("lang", language)


def log_in_in(page, qsm, seller, language):
    """At QSM's login page, the language switcher first, then the login form in that language."""
    from playwright.sync_api import expect

    words = TEXTS[language]
    page.goto(qsm.url("/login"))
    expect_language(page, "en")
    choose_language(page, words.language)
    expect_language(page, language)
    expect(page.get_by_role("heading", name=words.qsm_login)).to_be_visible()
    page.get_by_label(words.email, exact=True).fill(seller.email)
    page.get_by_label(words.password, exact=True).fill(seller.password)
    page.get_by_role("button", name=words.log_in, exact=True).click()
    expect(page.get_by_role("button", name=words.log_out)).to_be_visible()
    expect_language(page, language)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_linked_signup_walk_from_qsm_to_order_management(desk_page, qsm, smartship, screenshots, language):
    from playwright.sync_api import expect

    words, who = TEXTS[language], SELLERS[language]
    page = desk_page
    seller = make_seller(qsm, language, "example.com")
    with qsm.app.app_context():
        from idp.auth.sellers import find_seller_by_email
        from idp.demo import seed_orders

        seed_orders(find_seller_by_email(seller.email), 5, random.Random(12))
    make_account(smartship, who["login_id"], seller.email)  # a SmartShip account from before, same email

    log_in_in(page, qsm, seller, language)

    # The menu: 商品登録・価格 > オプション管理 > Qx Smart Inventory
    go_to_qx_smart_inventory(page, group=words.listing, menu=words.main_menu)
    page.wait_for_url(qsm.url(QX_PATH))
    expect_language(page, language)
    expect(page.get_by_role("heading", level=1)).to_have_text("Qx Smart Inventory")
    expect(page.get_by_test_id("link-empty")).to_contain_text(words.not_linked)
    menu = open_qsm_menu(page, words.listing, words.main_menu)
    expect(menu.get_by_text(words.option_management, exact=True)).to_be_visible()
    screenshots(page, f"{language}-qsm-qx-smart-inventory-menu")
    page.set_viewport_size(PHONE)  # the same page and open menu on a phone
    expect(menu.get_by_role("link", name="Qx Smart Inventory")).to_be_visible()
    screenshots(page, f"{language}-phone-qsm-qx-smart-inventory-menu")
    page.set_viewport_size(DESK)
    menu.locator("summary").first.click()  # close it again
    expect(menu.get_by_role("link", name="Qx Smart Inventory")).to_be_hidden()

    # 「SmartShip に登録」 opens SmartShip's linked sign-up page in a new window
    with page.expect_popup() as popup_info:
        page.get_by_role("link", name=words.join).click()
    signup = popup_info.value
    signup.wait_for_url(smartship.url("/linked-signup"))
    expect_language(signup, language)
    expect(signup.get_by_role("heading", level=1)).to_have_text(words.signup_heading)
    expect(signup.get_by_test_id("qsm-details")).to_contain_text(seller.email)
    expect(signup.get_by_test_id("qsm-details")).to_contain_text(who["shop_name"])
    registration = signup.get_by_role("group", name=words.registration_type)
    expect(registration.get_by_role("radio", name=words.create_new)).to_be_visible()
    registration.get_by_role("radio", name=words.link_existing).check()
    accounts = signup.get_by_role("group", name=re.compile(re.escape(words.accounts_with)))
    account = accounts.get_by_role("radio", name=re.compile(rf"^{re.escape(who['login_id'])}{words.created}"))
    expect(account).to_be_checked()
    signup.get_by_label(words.password, exact=True).fill(SMARTSHIP_PASSWORD)

    done = signup.get_by_role("button", name=words.done, exact=True)
    expect(done).to_be_disabled()
    for agreement in words.required:
        signup.get_by_label(agreement, exact=True).check()
    expect(done).to_be_enabled()
    signup.get_by_role("heading", level=1).scroll_into_view_if_needed()
    screenshots(signup, f"{language}-smartship-linked-signup")

    # 「完了」: order management, in the same language, with the orders imported from QSM
    done.click()
    signup.wait_for_url(smartship.url("/orders"))
    expect_language(signup, language)
    expect(signup.get_by_role("heading", level=1)).to_have_text(words.order_management)
    expect(signup.get_by_role("link", name=words.order_management)).to_have_attribute("aria-current", "page")
    expect(signup.get_by_text(words.linked_to)).to_be_visible()
    orders = signup.get_by_role("table", name=words.orders_table)
    expect(orders).to_contain_text(f"{seller.seller_id}-1004")
    expect(orders.get_by_role("row")).to_have_count(6)  # the header and five orders
    expect(signup.get_by_role("button", name=words.sync_now)).to_be_visible()
    screenshots(signup, f"{language}-smartship-order-management")
    assert linked_login_id(smartship, seller) == who["login_id"]

    # Back at QSM, the Qx Smart Inventory page shows the link and offers 「SmartShip へ移動」
    page.reload()
    expect_language(page, language)
    expect(page.get_by_test_id("smartship-login-id")).to_have_text(who["login_id"])
    expect(page.get_by_role("link", name=words.go_to)).to_be_visible()
    expect(page.get_by_role("link", name=words.join)).to_have_count(0)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_consent_page_of_a_third_party_app(desk_page, qsm, demo, screenshots, language):
    from playwright.sync_api import expect

    words = TEXTS[language]
    page = desk_page
    seller = make_seller(qsm, language, "example.net")
    log_in_in(page, qsm, seller, language)

    page.goto(demo.url("/"))
    expect_language(page, language)
    page.get_by_role("button", name=words.parcel_pal_login).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words.consent_heading)
    assert urlsplit(page.url).netloc == urlsplit(qsm.base_url).netloc
    expect_language(page, language)
    expect(page.locator("ul.scopes > li")).to_have_text(words.scopes)
    screenshots(page, f"{language}-qsm-consent")

    page.get_by_role("button", name=words.allow).click()
    page.wait_for_url(demo.url("/orders"))
    expect_language(page, language)
    expect(page.get_by_role("heading", level=1)).to_contain_text(words.hello)
