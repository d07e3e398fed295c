"""What SmartShip's pages say and how they answer a second click: Done and Sync now show that
they are working and a double submission makes nothing twice; the terms of service and privacy
policy the sign-up links to; the no-password hint only for a new account."""
import re

import pytest

from clients.smartship.extensions import db
from clients.smartship.models import Account, ImportedOrder, LoginSession, QsmLink
from tests.support.pages import csrf_token

from .conftest import ISSUER, PLATFORM

COOKIE = "smartship_session"
JA = {"Accept-Language": "ja"}
AGREED = {"agree_terms": "y", "agree_privacy": "y", "agree_qsm_data": "y"}


def text(response):
    return response.get_data(as_text=True)


def count(model):
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar()


def button(html, label):
    match = re.search(rf"<button ([^>]*)>{re.escape(label)}</button>", html)
    assert match, f"no {label} button"
    return match.group(1)


def form_around(html, label):
    end = html.index(f">{label}</button>")
    return html[html.rindex("<form", 0, end):html.index("</form>", end)]


# Done and Sync now: working, and sent once


def test_done_shows_that_it_is_working(signup):
    html = text(signup.signup_page())
    assert re.search(r"<script src=\"/static/busy.js\" defer></script>", html)
    form = form_around(html, "Done")
    assert re.search(r'<form [^>]*data-busy-form', form)
    assert 'data-busy-label="Working…"' in button(html, "Done")
    assert 'data-busy-label="Sending…"' in button(html, "Password Reset")
    status = re.search(r'<p class="hint" role="status" data-busy-status data-busy-text="([^"]+)"></p>', form)
    assert status and "importing your orders from QSM" in status.group(1)


def test_sync_now_shows_that_it_is_importing(signup, smartship):
    signup.done()
    html = text(smartship.get("/orders"))
    assert '<script src="/static/busy.js" defer></script>' in html
    form = form_around(html, "Sync now")
    assert re.search(r'<form [^>]*data-busy-form', form)
    assert 'data-busy-label="Importing orders…"' in button(html, "Sync now")
    assert re.search(r'role="status" data-busy-status data-busy-text="Importing your orders from QSM\.', form)


def test_the_working_words_are_in_japanese(signup, smartship):
    signup.signup_page()
    japanese = text(smartship.get("/linked-signup", headers=JA))
    assert 'data-busy-label="Working…"' not in japanese and 'data-busy-label="処理中…"' in japanese


def test_the_busy_script_is_served(smartship):
    response = smartship.get("/static/busy.js")
    script = text(response)
    response.close()
    for needed in ("aria-busy", "data-busy-label", "preventDefault", "pageshow"):
        assert needed in script


def test_done_sent_twice_without_javascript_makes_one_account(signup, smartship, fake_qsm):
    """A double click without JavaScript: the browser sends Done twice with the cookie it had
    before the first answer. The first makes the account; the second makes nothing and says so,
    and its Continue signs the browser in to the linked account."""
    page = signup.signup_page()
    before = smartship.get_cookie(COOKIE).value
    data = {"csrf_token": csrf_token(text(page)), "registration_type": "new", "action": "done", **AGREED}
    first = smartship.post("/linked-signup", data=data)
    assert first.status_code == 302 and first.location.endswith("/orders")
    smartship.set_cookie(COOKIE, before)
    second = smartship.post("/linked-signup", data=data)
    assert second.status_code == 400
    html = text(second)
    assert "This sign-up is already finished or has expired" in html and "nothing was created twice" in html
    assert (count(Account), count(QsmLink), count(LoginSession)) == (1, 1, 1)
    assert len(fake_qsm.link_reports) == 1
    # Continue: through QSM, which knows the link, to the linked account's orders.
    continue_url = re.search(r'<a class="button" href="([^"]+)">Continue</a>', html).group(1)
    assert continue_url == "/linked-signup/start"
    assert signup.callback().location.endswith("/orders")
    assert smartship.get("/orders").status_code == 200
    assert (count(Account), count(QsmLink)) == (1, 1)


def test_done_sent_again_by_the_browser_it_signed_in_goes_on_to_the_orders(signup, smartship):
    page = signup.signup_page()
    data = {"csrf_token": csrf_token(text(page)), "registration_type": "new", "action": "done", **AGREED}
    assert smartship.post("/linked-signup", data=data).location.endswith("/orders")
    again = smartship.post("/linked-signup", data=data)
    assert again.status_code == 302 and again.location.endswith("/orders")
    assert (count(Account), count(QsmLink)) == (1, 1)


def test_an_expired_sign_up_page_opened_again_still_says_start_over(smartship):
    html = text(smartship.get("/linked-signup"))
    assert "Your linked sign-up has expired" in html and "Start over" in html


def test_sync_now_sent_twice_imports_each_order_once(signup, smartship, fake_qsm):
    signup.done()
    imported = count(ImportedOrder)
    assert imported == len(fake_qsm.orders) > 0
    token = csrf_token(text(smartship.get("/orders")))
    answers = [smartship.post("/orders/sync", data={"csrf_token": token}) for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 302]
    assert count(ImportedOrder) == imported
    orders = text(smartship.get("/orders"))
    assert orders.count("Orders are up to date (0 new).") == 2
    numbers = db.session.execute(db.select(ImportedOrder.order_no)).scalars().all()
    assert len(numbers) == len(set(numbers))


# Terms of service and privacy policy


@pytest.mark.parametrize(
    "path, heading, japanese",
    [
        ("/terms", "SmartShip terms of service", "SmartShip 利用規約"),
        ("/privacy", "SmartShip privacy policy", "SmartShip プライバシーポリシー"),
    ],
)
def test_the_terms_and_privacy_pages_exist_in_both_languages(smartship, path, heading, japanese):
    english = smartship.get(path)
    assert english.status_code == 200 and f"<h1>{heading}</h1>" in text(english)
    assert '<html lang="en">' in text(english)
    page = smartship.get(path, headers=JA)
    assert page.status_code == 200 and f"<h1>{japanese}</h1>" in text(page) and '<html lang="ja">' in text(page)


@pytest.mark.parametrize("path, label", [("/terms", "terms of service"), ("/privacy", "privacy policy")])
def test_the_agreements_link_to_the_pages_in_a_new_tab(signup, smartship, path, label):
    html = text(signup.signup_page())
    agreements = html[html.index('class="agreements"'):]
    link = re.search(rf'<a href="{path}" ([^>]*)>Read the {label} \(opens in a new tab\)</a>', agreements)
    assert link and 'target="_blank"' in link.group(1) and 'rel="noopener"' in link.group(1)
    assert smartship.get(path).status_code == 200


# The no-password hint


NO_PASSWORD = "No SmartShip password is created for a new account"


def section(html, name):
    start = html.index(f'data-section="{name}"')
    return html[start:html.index("</section>", start)]


def test_the_no_password_hint_is_part_of_the_new_account_option(signup, make_account):
    make_account("lion-city", "seller@example.com")  # the page offers linking it too
    html = text(signup.signup_page())
    assert html.count(NO_PASSWORD) == 1
    assert NO_PASSWORD in section(html, "new") and NO_PASSWORD not in section(html, "existing")


def test_the_no_password_hint_for_a_seller_with_no_account(signup):
    html = text(signup.signup_page())
    assert NO_PASSWORD in section(html, "new")


# relying_party's messages on SmartShip's pages


@pytest.mark.parametrize(
    "query, english, japanese",
    [
        (
            {"error": "access_denied"},
            "You did not allow SmartShip to access your QSM account.",
            "SmartShip による QSM アカウントへのアクセスが許可されなかったため",
        ),
        (
            {"error": "server_error"},
            "QSM refused the request (server_error).",
            "QSM がリクエストを拒否しました（server_error）。",
        ),
        ({"iss": "http://elsewhere.test"}, "The response came from an unexpected issuer.", "予期しない発行者"),
    ],
)
def test_qsm_failures_from_relying_party_are_in_the_pages_language(signup, smartship, query, english, japanese):
    for headers, expected, absent in (({}, english, japanese), (JA, japanese, english)):
        params = signup.start()
        args = {"state": params["state"], "iss": ISSUER, **query}
        response = smartship.get(f"/auth/callback/{PLATFORM}", query_string=args, headers=headers)
        html = text(response)
        assert response.status_code == 400 and expected in html and absent not in html


@pytest.mark.parametrize("headers", [{}, JA])
def test_a_translated_qsm_message_is_text_never_markup(signup, smartship, headers):
    params = signup.start()
    args = {"state": params["state"], "iss": ISSUER, "error": "<b>bold</b>"}
    html = text(smartship.get(f"/auth/callback/{PLATFORM}", query_string=args, headers=headers))
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
