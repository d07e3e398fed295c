"""The seller home and Listing & Pricing > Option Management > Qx Smart Inventory."""
import re
from datetime import datetime
from decimal import Decimal
from html import unescape

import pytest

from idp.extensions import db
from idp.models import Order, SmartInventoryLink

QX_PATH = "/listing/option-management/qx-smart-inventory"


@pytest.fixture
def logged_in(client, seller, auth):
    auth.login()
    return client


def add_order(seller, order_no, item="Bamboo phone stand", when=datetime(2026, 1, 1)):
    db.session.add(
        Order(
            seller_pk=seller.id,
            order_no=order_no,
            buyer_name="Ben K.",
            item_name=item,
            amount=Decimal("12.50"),
            ordered_at=when,
        )
    )
    db.session.commit()


def link_smartship(seller, make_client, status="not_applied", login_id="seller@example.com"):
    client = make_client(name="SmartShip")
    db.session.add(
        SmartInventoryLink(
            seller_pk=seller.id, client_pk=client.id, smartship_login_id=login_id, fulfillment_status=status
        )
    )
    db.session.commit()


def text_of(response):
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_home_shows_the_seller_and_only_their_recent_orders(logged_in, seller, make_seller):
    stranger = make_seller("stranger@example.com")
    add_order(seller, "MINE-1", item="Wireless earbuds")
    add_order(stranger, "THEIRS-1", item="Laptop sleeve")
    page = text_of(logged_in.get("/"))
    assert seller.shop_name in page and seller.seller_id in page and "seller@example.com (verified)" in page
    assert "MINE-1" in page and "SGD 12.50" in page
    assert "THEIRS-1" not in page


def test_home_lists_at_most_five_newest_orders(logged_in, seller):
    for day in range(1, 8):
        add_order(seller, f"ORD-{day}", when=datetime(2026, 1, day))
    page = text_of(logged_in.get("/"))
    assert [f"ORD-{d}" in page for d in range(1, 8)] == [False, False, True, True, True, True, True]


def test_home_without_orders_says_so(logged_in):
    assert "No orders yet." in text_of(logged_in.get("/"))


def test_menu_leads_to_qx_smart_inventory(logged_in):
    html = logged_in.get("/").get_data(as_text=True)
    menu = re.search(r'<nav aria-label="Main menu".*?</nav>', html, re.S).group(0)
    listing = menu.index("Listing &amp; Pricing")
    options = menu.index("Option Management", listing)
    qx = re.search(r'<a href="([^"]+)">Qx Smart Inventory</a>', menu[options:])
    assert qx and qx.group(1) == QX_PATH


@pytest.mark.parametrize("path", ["/", QX_PATH])
def test_portal_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_join_smartship_opens_the_linked_signup_in_a_new_window(app, logged_in):
    app.config["SMARTSHIP_SIGNUP_URL"] = "https://smartship.example/linked-signup/start?platform=qoo10-sg"
    html = logged_in.get(QX_PATH).get_data(as_text=True)
    join = re.search(r"<a ([^>]*)>Join SmartShip</a>", html)
    assert join, "no Join SmartShip link"
    attributes = join.group(1)
    assert 'href="https://smartship.example/linked-signup/start?platform=qoo10-sg"' in attributes
    assert 'target="_blank"' in attributes
    assert re.search(r'rel="[^"]*\bnoopener\b', attributes)
    # It sits at the top of the page, before the explanation and the status panel.
    assert html.index("Join SmartShip") < html.index("SmartShip link status")
    assert "new window" in text_of(logged_in.get(QX_PATH))


def test_page_wording_follows_the_help_text(logged_in):
    page = text_of(logged_in.get(QX_PATH))
    assert "Listing & Pricing › Option Management › Qx Smart Inventory" in page
    for phrase in [
        "no need to fill out a separate registration form",
        "The API for linking your Qoo10 orders is set up automatically",
        "Qx Smart Inventory in QSM is linked automatically",
        "same email address",
    ]:
        assert phrase in page


def test_status_panel_is_empty_until_smartship_reports(logged_in):
    html = logged_in.get(QX_PATH).get_data(as_text=True)
    assert 'data-testid="link-empty"' in html
    assert "No SmartShip account is linked yet." in html
    assert "Go to SmartShip" not in html
    assert 'data-testid="smartship-login-id"' not in html


@pytest.mark.parametrize(
    "status, label, apply_hint",
    [
        ("not_applied", "Not applied yet", True),
        ("pending", "Application pending", True),
        ("approved", "Approved", False),
        ("rejected", "Rejected", True),
    ],
)
def test_status_panel_shows_the_link(app, logged_in, seller, make_client, status, label, apply_hint):
    app.config["SMARTSHIP_LOGIN_URL"] = "https://smartship.example/login/qsm"
    link_smartship(seller, make_client, status=status, login_id="tan.smartship")
    html = logged_in.get(QX_PATH).get_data(as_text=True)
    panel = html[html.index('id="link-status"'):]
    assert re.search(r'data-testid="smartship-login-id">tan.smartship<', panel)
    assert re.search(rf'data-testid="fulfillment-status">{label}<', panel)
    go = re.findall(r"<a ([^>]*)>Go to SmartShip</a>", html)
    assert len(go) == 1 and 'href="https://smartship.example/login/qsm"' in go[0]
    assert 'target="_blank"' in go[0] and "noopener" in go[0]
    assert ("apply separately for fulfillment service and warehouse use" in panel) is apply_hint
    assert "No SmartShip account is linked yet." not in html


def test_a_linked_seller_is_offered_go_to_smartship_instead_of_join(app, logged_in, seller, make_client):
    app.config["SMARTSHIP_LOGIN_URL"] = "https://smartship.example/login/qsm"
    assert "Join SmartShip" in logged_in.get(QX_PATH).get_data(as_text=True)
    link_smartship(seller, make_client)
    html = logged_in.get(QX_PATH).get_data(as_text=True)
    assert "Join SmartShip" not in html
    actions = html[html.index('class="actions"'):html.index('id="about-signup"')]
    assert re.search(r'<a class="button" href="https://smartship.example/login/qsm"[^>]*>Go to SmartShip</a>', actions)


def test_status_panel_shows_only_this_sellers_link(logged_in, make_seller, make_client):
    link_smartship(make_seller("other@example.com"), make_client, login_id="someone.else")
    html = logged_in.get(QX_PATH).get_data(as_text=True)
    assert "someone.else" not in html
    assert "No SmartShip account is linked yet." in html


def test_login_id_is_escaped(logged_in, seller, make_client):
    link_smartship(seller, make_client, login_id='<script>alert(1)</script>')
    html = logged_in.get(QX_PATH).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
