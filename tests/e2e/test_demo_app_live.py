"""Parcel Pal, an ordinary third-party client, against a live QSM: each on its own port on 127.0.0.1.

The demo app is registered at QSM as any developer's app would be (not trusted: the seller sees
the consent page), required to push its authorization requests (RFC 9126), and reaches QSM only
over HTTP. The seller is a plain ``requests`` user agent.
"""
import random
import re
from urllib.parse import urlencode, urljoin

import pytest

from tests.e2e.conftest import HTTP_TIMEOUT
from tests.e2e.demo_app_live import SCOPE
from tests.support.pages import parse_forms, query_of

pytestmark = pytest.mark.live



@pytest.fixture
def seller(qsm):
    from idp.auth.sellers import find_seller_by_email
    from idp.demo import seed_orders

    seller = qsm.make_seller(contact_name="Siti Rahman", shop_name="Harbour Parcels")
    with qsm.app.app_context():
        seed_orders(find_seller_by_email(seller.email), 4, random.Random(7))
    return seller


def submit(http, page, form, **fields):
    action = urljoin(page.url, form["action"] or page.url)
    return http.post(action, data={**form["fields"], **fields}, allow_redirects=False, timeout=HTTP_TIMEOUT)


def form_with_button(page, label):
    forms = [f for f in parse_forms(page.text) if f["method"] == "post"]
    # The parser keeps button names and values, not their text: find the form around the label.
    for form, chunk in zip(forms, re.split(r"<form\b", page.text)[1:], strict=False):
        if f">{label}</button>" in chunk.split("</form>")[0]:
            return form
    raise AssertionError(f"no form with a {label!r} button on {page.url}")


def start_login(agent, demo):
    home = agent.http.get(demo.url("/"), timeout=HTTP_TIMEOUT)
    response = submit(agent.http, home, form_with_button(home, "Log in with QSM"))
    assert response.status_code == 302, response.text[:300]
    return response.headers["Location"]


def log_in(agent, demo, decision="allow"):
    """Log in with QSM, answer the consent page, and land back at Parcel Pal."""
    callback = agent.authorize(start_login(agent, demo), decision=decision)
    assert callback.startswith(demo.url("/callback?")), callback
    return agent.http.get(callback, timeout=HTTP_TIMEOUT)


def demo_session_rows(demo):
    from clients.demo_app.extensions import db
    from clients.demo_app.models import LoginSession

    with demo.app.app_context():
        return db.session.execute(db.select(LoginSession).order_by(LoginSession.id)).scalars().all()


def test_log_in_see_orders_and_log_out_of_both_sites(qsm, demo, seller, seller_agent):
    agent = seller_agent(seller)
    orders = log_in(agent, demo)
    assert orders.url == demo.url("/orders"), orders.text[:500]
    assert [kind for kind, _ in agent.pages] == ["login", "consent"]
    assert "Parcel Pal" in agent.last_consent_page
    assert "Siti Rahman" in orders.text and "Harbour Parcels" in orders.text
    assert orders.text.count(f"{seller.seller_id}-100") == 4
    assert agent.http.get(qsm.url("/"), allow_redirects=False, timeout=HTTP_TIMEOUT).status_code == 200

    to_qsm = submit(agent.http, orders, form_with_button(orders, "Log out"))
    assert to_qsm.headers["Location"].startswith(qsm.url("/oauth/logout?"))
    back = agent.http.get(to_qsm.headers["Location"], allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert back.status_code == 302 and back.headers["Location"] == demo.url("/"), back.text[:300]
    home = agent.http.get(back.headers["Location"], timeout=HTTP_TIMEOUT)
    assert "You are logged out of Parcel Pal." in home.text and "Log in with QSM" in home.text

    # Both sessions are over: Parcel Pal sends the seller home, QSM to its login page.
    assert agent.http.get(demo.url("/orders"), allow_redirects=False, timeout=HTTP_TIMEOUT).headers["Location"] == "/"
    at_qsm = agent.http.get(qsm.url("/"), allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert at_qsm.status_code == 302 and "/login" in at_qsm.headers["Location"]


def test_deny_at_qsm_is_a_clear_page(demo, seller, seller_agent):
    agent = seller_agent(seller)
    page = log_in(agent, demo, decision="deny")
    assert page.status_code == 400
    assert "You did not allow Parcel Pal to access your QSM account." in page.text
    assert "Try again" in page.text


def test_revoking_the_app_at_qsm_ends_the_session_with_a_clear_message(qsm, demo, seller, seller_agent):
    agent = seller_agent(seller)
    assert log_in(agent, demo).url == demo.url("/orders")

    apps = agent.http.get(qsm.url("/account/connected-apps"), timeout=HTTP_TIMEOUT)
    client_id = demo.app.registration.client_id
    # Revoke is a link to a confirmation page, whose form revokes
    assert f'href="/account/connected-apps/{client_id}/revoke"' in apps.text
    confirm = agent.http.get(qsm.url(f"/account/connected-apps/{client_id}/revoke"), timeout=HTTP_TIMEOUT)
    [revoke] = [f for f in parse_forms(confirm.text) if f["action"].endswith(f"/connected-apps/{client_id}/revoke")]
    assert submit(agent.http, confirm, revoke).status_code == 302

    response = agent.http.get(demo.url("/orders"), timeout=HTTP_TIMEOUT)
    assert response.url == demo.url("/")
    assert "Access to your QSM account was revoked. Log in again to reconnect." in response.text


def test_logging_out_at_qsm_ends_the_demo_session_by_back_channel(qsm, demo, seller, seller_agent):
    agent = seller_agent(seller)
    assert log_in(agent, demo).url == demo.url("/orders")
    assert demo_session_rows(demo)[-1].sid  # QSM's login session, from the ID token

    home = agent.http.get(qsm.url("/"), timeout=HTTP_TIMEOUT)
    [logout] = [f for f in parse_forms(home.text) if f["action"].endswith("/logout") and "csrf_token" in f["fields"]]
    submit(agent.http, home, logout)

    assert demo_session_rows(demo)[-1].ended_at is not None
    assert agent.http.get(demo.url("/orders"), allow_redirects=False, timeout=HTTP_TIMEOUT).headers["Location"] == "/"


def test_the_authorization_request_is_pushed_and_single_use(qsm, demo, seller, seller_agent):
    agent = seller_agent(seller)
    location = start_login(agent, demo)
    assert location.startswith(qsm.url("/oauth/authorize?"))
    params = query_of(location)
    assert set(params) == {"client_id", "request_uri"} and params["client_id"] == demo.app.registration.client_id
    assert params["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")

    callback = agent.authorize(location)
    assert callback.startswith(demo.url("/callback?")) and "code" in query_of(callback)
    assert agent.http.get(callback, timeout=HTTP_TIMEOUT).url == demo.url("/orders")
    # The same reference again (a reload of an old tab, or a copied link) is refused at QSM.
    again = agent.http.get(location, allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert again.status_code == 400 and "already used" in again.text


def test_a_plain_authorization_request_in_parcel_pals_name_is_refused(qsm, demo, seller, seller_agent):
    agent = seller_agent(seller)
    plain = qsm.url("/oauth/authorize?") + urlencode(
        {
            "response_type": "code",
            "client_id": demo.app.registration.client_id,
            "redirect_uri": demo.url("/callback"),
            "scope": SCOPE,
            "state": "s" * 20,
            "nonce": "n" * 20,
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        }
    )
    callback = agent.authorize(plain)
    assert callback.startswith(demo.url("/callback?"))
    assert query_of(callback)["error"] == "invalid_request" and "code" not in query_of(callback)
    assert agent.pages == []  # refused before any login or consent page


@pytest.mark.parametrize(
    "setting, value, message",
    [
        ("CLIENT_SECRET", "not-the-secret", "QSM refused Parcel Pal&#39;s login request (invalid_client)."),
        ("BASE_URL", "http://127.0.0.1:9", "QSM refused Parcel Pal&#39;s login request (invalid_request)."),
    ],
    ids=["wrong-secret", "unregistered-redirect-uri"],
)
def test_a_push_qsm_refuses_is_a_clear_page_at_parcel_pal(demo, seller, seller_agent, setting, value, message):
    agent = seller_agent(seller)
    kept = demo.app.config[setting]
    demo.app.config[setting] = value
    try:
        home = agent.http.get(demo.url("/"), timeout=HTTP_TIMEOUT)
        page = submit(agent.http, home, form_with_button(home, "Log in with QSM"))
    finally:
        demo.app.config[setting] = kept
    assert page.status_code == 400, page.text[:300]
    assert "Logging in with QSM did not work" in page.text and message in page.text
    assert "Try again" in page.text
