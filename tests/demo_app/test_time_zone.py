"""Parcel Pal's orders: each time in the seller's language and time zone (DEMO_APP_TIME_ZONE until
the seller chooses one under the orders, kept in a cookie) with its offset, amounts in the order's
currency."""
import pytest

from tests.support.pages import csrf_token

JA = {"Accept-Language": "ja"}
FIRST = '<time datetime="2026-11-10T10:00:00Z">'  # the fake QSM's first order


def html_of(client, path, headers=None):
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def choose(client, zone, headers=None):
    token = csrf_token(html_of(client, "/orders"))
    data = {"time_zone": zone, "next": "/orders", "csrf_token": token}
    return client.post("/time-zone", data=data, headers=headers or {})


@pytest.fixture
def logged_in(login, browser):
    login.log_in()
    return browser


def test_orders_in_the_site_s_zone_in_both_languages(logged_in):
    english = html_of(logged_in, "/orders")
    assert FIRST + "Nov 10, 2026, 6:00\u202fPM GMT+08:00</time>" in english
    assert "<td>SGD\u00a09.90</td>" in english and "now Asia/Singapore (GMT+08:00)" in english
    japanese = html_of(logged_in, "/orders", JA)
    assert FIRST + "2026/11/10 18:00 GMT+08:00</time>" in japanese and "<td>SGD\u00a09.90</td>" in japanese
    assert "Parcel Palは日付と時刻をこのタイムゾーンで表示します。" in japanese


def test_the_seller_s_choice_of_zone(logged_in):
    response = choose(logged_in, "Asia/Tokyo")
    assert response.status_code == 303 and response.location == "/orders"
    assert FIRST + "Nov 10, 2026, 7:00\u202fPM GMT+09:00</time>" in html_of(logged_in, "/orders")
    japanese = html_of(logged_in, "/orders", JA)
    assert FIRST + "2026/11/10 19:00 GMT+09:00</time>" in japanese
    assert '<option value="Asia/Tokyo" selected>' in japanese


@pytest.mark.parametrize(
    ("headers", "message"), [({}, "Choose a time zone from the list."), (JA, "一覧からタイムゾーンを選んでください。")]
)
def test_an_unknown_zone_is_a_clear_400(logged_in, headers, message):
    response = choose(logged_in, "Asia/Atlantis", headers)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert "tz=" not in response.headers.get("Set-Cookie", "")
    assert "GMT+08:00</time>" in html_of(logged_in, "/orders")
