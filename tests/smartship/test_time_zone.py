"""SmartShip's dates, times and amounts: in the seller's language and time zone (SmartShip's
SMARTSHIP_TIME_ZONE until the seller chooses one on My account, kept in a cookie), amounts in the
order's own currency."""
import pytest

from tests.support.pages import csrf_token

JA = {"Accept-Language": "ja"}
LATE_ORDER = {
    "order_no": "QS1-LATE",
    "buyer_name": "Aki",
    "item_name": "Tea set",
    "quantity": 1200,
    "amount": "1234.00",
    "currency": "JPY",
    "status": "paid",
    "ordered_at": "2026-11-25T20:00:00Z",  # the 26th in Singapore, still the 25th in New York
}
MACHINE = '<time datetime="2026-11-25T20:00:00Z">'


@pytest.fixture
def signed_up(signup, smartship, fake_qsm):
    fake_qsm.orders.append(dict(LATE_ORDER))
    assert signup.done().status_code == 302
    return smartship


def html_of(client, path, headers=None):
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def choose(client, zone, headers=None):
    token = csrf_token(html_of(client, "/account"))
    data = {"time_zone": zone, "next": "/orders", "csrf_token": token}
    return client.post("/time-zone", data=data, headers=headers or {})


def test_orders_in_the_site_s_zone_and_the_seller_s_language(signed_up):
    english = html_of(signed_up, "/orders")
    assert MACHINE + "Nov 26, 2026</time>" in english
    assert "<td>¥1,234</td>" in english and "<td>1,200</td>" in english and "<td>SGD\u00a09.90</td>" in english
    assert "Dates in Asia/Singapore (GMT+08:00)." in english
    assert "UTC." not in english
    japanese = html_of(signed_up, "/orders", JA)
    assert MACHINE + "2026/11/26</time>" in japanese and "<td>￥1,234</td>" in japanese
    assert "日付は Asia/Singapore（GMT+08:00）で表示しています。" in japanese


def test_the_seller_chooses_a_zone_on_my_account_and_the_dates_follow(signed_up):
    account = html_of(signed_up, "/account")
    assert '<option value="Asia/Singapore" selected>Asia/Singapore</option>' in account
    response = choose(signed_up, "America/New_York")
    assert response.status_code == 303 and response.location == "/orders"
    english = html_of(signed_up, "/orders")
    assert MACHINE + "Nov 25, 2026</time>" in english and "Dates in America/New_York (GMT-" in english
    assert MACHINE + "2026/11/25</time>" in html_of(signed_up, "/orders", JA)
    assert '<option value="America/New_York" selected>' in html_of(signed_up, "/account")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "Asia/Tokyo\r\nSet-Cookie: x=y"])
def test_an_unknown_zone_is_refused_with_a_clear_400(signed_up, zone):
    response = choose(signed_up, zone)
    assert response.status_code == 400 and "tz=" not in response.headers.get("Set-Cookie", "")
    assert "Choose a time zone from the list." in response.get_data(as_text=True)
    assert MACHINE + "Nov 26, 2026</time>" in html_of(signed_up, "/orders")


def test_the_refusal_in_japanese(signed_up):
    response = choose(signed_up, "Mars/Olympus", JA)
    assert response.status_code == 400
    assert "一覧からタイムゾーンを選んでください。" in response.get_data(as_text=True)


def test_the_time_zone_form_needs_its_csrf_token(signed_up):
    response = signed_up.post("/time-zone", data={"time_zone": "America/New_York"})
    assert response.status_code == 400 and "tz=" not in response.headers.get("Set-Cookie", "")
