"""The real QSM and the real SmartShip, each on its own port on 127.0.0.1, through the whole linked sign-up."""
import re
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import HTTP_TIMEOUT
from tests.support.live_flows import new_account_signup_data, submit_qsm_login
from tests.support.mail import Outbox
from tests.support.pages import parse_forms


@pytest.fixture(scope="module")
def smartship(qsm, start_smartship):
    return start_smartship(qsm)


def qsm_login(http, qsm, seller, password=None):
    response = submit_qsm_login(http, qsm.url(), seller.email, password or seller.password, HTTP_TIMEOUT)
    assert response.url.startswith(qsm.url("/")) and "/login" not in response.url, response.text[:300]
    return response


def submit_first_form(http, response, **fields):
    [form] = [
        f
        for f in parse_forms(response.text)
        if f["method"] == "post"
        and "csrf_token" in f["fields"]
        and set(fields) <= f["fields"].keys()
        and not f["action"].endswith("/language")  # the language switcher in the footer
    ][-1:]
    action = requests.compat.urljoin(response.url, form["action"] or response.url)
    return http.post(action, data={**form["fields"], **fields}, timeout=HTTP_TIMEOUT)


def join_smartship(http, qsm):
    panel = http.get(qsm.url("/listing/option-management/qx-smart-inventory"), timeout=HTTP_TIMEOUT)
    join_url = re.search(r'href="([^"]+)"[^>]*>Join SmartShip<', panel.text).group(1).replace("&amp;", "&")
    return http.get(join_url, timeout=HTTP_TIMEOUT)


def linked_signup_done(http, page):
    return http.post(page.url, data=new_account_signup_data(page.text), timeout=HTTP_TIMEOUT)


def test_whole_flow_new_account(qsm, smartship):
    seller = qsm.make_seller(shop_name="Live Gadgets", contact_name="Live Seller")
    with qsm.app.app_context():
        import random

        from idp.auth.sellers import find_seller_by_email
        from idp.demo import seed_orders

        seed_orders(find_seller_by_email(seller.email), 3, random.Random(1))
    http = requests.Session()
    qsm_login(http, qsm, seller)

    # Join SmartShip: no QSM login page, no consent screen (SmartShip is a trusted family site)
    signup_page = join_smartship(http, qsm)
    assert signup_page.url == smartship.url("/linked-signup"), signup_page.text[:500]
    for value in (seller.email, "Live Gadgets", "Live Seller", "+65 6000 0000", "1 Test Street"):
        assert value in signup_page.text

    orders_page = linked_signup_done(http, signup_page)
    assert orders_page.url == smartship.url("/orders"), orders_page.text[:500]
    assert orders_page.text.count(f"{seller.seller_id}-10") == 3

    panel = http.get(qsm.url("/listing/option-management/qx-smart-inventory"), timeout=HTTP_TIMEOUT).text
    assert seller.email in panel and "Not applied yet" in panel and "Go to SmartShip" in panel
    assert "Join SmartShip" not in panel  # linked: Go to SmartShip instead

    # Join again (a Join SmartShip link opened earlier, or bookmarked): signed in, never a second account
    again = http.get(qsm.app.config["SMARTSHIP_SIGNUP_URL"], timeout=HTTP_TIMEOUT)
    assert again.url == smartship.url("/orders")

    def count_accounts():
        from clients.smartship.extensions import db
        from clients.smartship.models import Account

        return db.session.execute(db.select(db.func.count()).select_from(Account)).scalar()

    assert smartship.query(count_accounts) == 1

    # Go to SmartShip from a fresh SmartShip session: the linked connection signs the seller in
    http.cookies.clear(domain="127.0.0.1", path="/", name="smartship_session")
    assert http.get(smartship.url("/orders"), timeout=HTTP_TIMEOUT).url.startswith(smartship.url("/login"))
    panel = http.get(qsm.url("/listing/option-management/qx-smart-inventory"), timeout=HTTP_TIMEOUT).text
    go_url = re.search(r'href="([^"]+)"[^>]*>Go to SmartShip<', panel).group(1).replace("&amp;", "&")
    assert http.get(go_url, timeout=HTTP_TIMEOUT).url == smartship.url("/orders")

    # Fulfillment application reaches QSM's panel
    fulfillment = http.get(smartship.url("/fulfillment"), timeout=HTTP_TIMEOUT)
    submit_first_form(http, fulfillment, warehouse="Singapore (Tuas)")
    panel = http.get(qsm.url("/listing/option-management/qx-smart-inventory"), timeout=HTTP_TIMEOUT).text
    assert "Application pending" in panel


def test_passwords_stay_separate_in_both_directions(qsm, smartship):
    seller = qsm.make_seller()
    http = requests.Session()
    qsm_login(http, qsm, seller)
    linked_signup_done(http, join_smartship(http, qsm))

    # SmartShip password through reset (the demo outbox), QSM password unchanged
    forgot = http.get(smartship.url("/forgot-password"), timeout=HTTP_TIMEOUT)
    submit_first_form(http, forgot, identifier=seller.email)
    outbox = Outbox(Path(smartship.app.config["MAIL_OUTBOX"]), r"http://127\.0\.0\.1:\d+(/reset-password/\S+)")
    reset_path = outbox.last_link()
    reset_page = http.get(smartship.url(reset_path), timeout=HTTP_TIMEOUT)
    submit_first_form(http, reset_page, password="SmartShip-only-pass-1", confirm_password="SmartShip-only-pass-1")

    fresh = requests.Session()
    qsm_login(fresh, qsm, seller)  # the QSM password still works
    login_page = fresh.get(smartship.url("/login"), timeout=HTTP_TIMEOUT)
    logged_in = submit_first_form(fresh, login_page, identifier=seller.email, password="SmartShip-only-pass-1")
    assert logged_in.url == smartship.url("/orders")

    # QSM password change leaves SmartShip's alone
    change = fresh.get(qsm.url("/account/password"), timeout=HTTP_TIMEOUT)
    submit_first_form(
        fresh,
        change,
        current_password=seller.password,
        new_password="New-QSM-password-22",
        confirm_password="New-QSM-password-22",
    )
    other = requests.Session()
    qsm_login(other, qsm, seller, password="New-QSM-password-22")
    login_page = other.get(smartship.url("/login"), timeout=HTTP_TIMEOUT)
    assert submit_first_form(
        other, login_page, identifier=seller.email, password="SmartShip-only-pass-1"
    ).url == smartship.url("/orders")

    # Nothing in SmartShip's database is derived from a QSM password
    def smartship_dump():
        from clients.smartship.extensions import db

        rows = []
        for table in db.metadata.sorted_tables:
            rows.extend(str(v) for row in db.session.execute(table.select()) for v in row)
        return rows

    def qsm_hash():
        from idp.auth.sellers import find_seller_by_email

        return find_seller_by_email(seller.email).password_hash

    dump = smartship.query(smartship_dump)
    with qsm.app.app_context():
        qsm_password_hash = qsm_hash()
    for secret in (seller.password, "New-QSM-password-22", qsm_password_hash):
        assert not any(secret in value for value in dump)
