"""Logout everywhere: a seller signed in to SmartShip and to Parcel Pal through one QSM session
logs out of QSM, and both clients end their sessions (OIDC Back-Channel Logout)."""
import pytest
import requests

from tests.e2e.conftest import HTTP_TIMEOUT
from tests.e2e.test_smartship_live_flow import join_smartship, linked_signup_done, qsm_login
from tests.support.pages import parse_forms

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def smartship(qsm, start_smartship):
    return start_smartship(qsm)


def post_form(http, page, form, **fields):
    action = requests.compat.urljoin(page.url, form["action"] or page.url)
    return http.post(action, data={**form["fields"], **fields}, timeout=HTTP_TIMEOUT)


def sign_in_to_parcel_pal(http, demo):
    home = http.get(demo.url("/"), timeout=HTTP_TIMEOUT)
    # Log in with QSM (the page's other form is the language switcher).
    [start] = [f for f in parse_forms(home.text) if f["method"] == "post" and f["action"].endswith("/login")]
    consent = post_form(http, home, start)
    if "Allow" in consent.text:
        [allow] = [f for f in parse_forms(consent.text) if any(name == "decision" for name, _ in f["buttons"])]
        consent = post_form(http, consent, allow, decision="allow")
    assert consent.url == demo.url("/orders"), consent.text[:300]


def test_logging_out_of_qsm_ends_the_sessions_at_both_clients(qsm, smartship, demo):
    seller = qsm.make_seller()
    http = requests.Session()
    qsm_login(http, qsm, seller)
    assert linked_signup_done(http, join_smartship(http, qsm)).url == smartship.url("/orders")
    sign_in_to_parcel_pal(http, demo)
    assert http.get(smartship.url("/orders"), timeout=HTTP_TIMEOUT).url == smartship.url("/orders")
    assert http.get(demo.url("/orders"), timeout=HTTP_TIMEOUT).url == demo.url("/orders")

    home = http.get(qsm.url("/"), timeout=HTTP_TIMEOUT)
    [logout] = [f for f in parse_forms(home.text) if f["action"].endswith("/logout")]
    post_form(http, home, logout)

    # The browser still holds both clients' cookies; the sessions behind them are gone.
    assert http.get(smartship.url("/orders"), timeout=HTTP_TIMEOUT).url.startswith(smartship.url("/login"))
    assert http.get(demo.url("/orders"), timeout=HTTP_TIMEOUT).url == demo.url("/")


def test_rp_initiated_logout_from_smartship_ends_qsm_and_parcel_pal_too(qsm, smartship, demo):
    seller = qsm.make_seller()
    http = requests.Session()
    qsm_login(http, qsm, seller)
    linked_signup_done(http, join_smartship(http, qsm))
    sign_in_to_parcel_pal(http, demo)

    orders = http.get(smartship.url("/orders"), timeout=HTTP_TIMEOUT)
    [logout] = [f for f in parse_forms(orders.text) if f["action"].endswith("/logout")]
    back = post_form(http, orders, logout)
    assert back.url == smartship.url("/login")  # through QSM's end_session_endpoint and back
    assert "/login" in http.get(qsm.url("/"), timeout=HTTP_TIMEOUT).url
    assert http.get(demo.url("/orders"), timeout=HTTP_TIMEOUT).url == demo.url("/")
