"""The seller's time zone at QSM: every time on the pages in it (the marketplace's until the seller
chooses, QSM_TIME_ZONE), with its offset, and the UTC instant for machines; the setting refuses
an unknown zone with a form error, never a 500."""
import re
from datetime import datetime

import pytest

from idp.extensions import db
from idp.models import SmartInventoryLink
from tests.support.pages import csrf_token
from tests.support.statements import statements

QX_PATH = "/listing/option-management/qx-smart-inventory"
JA = {"Accept-Language": "ja"}
LINKED_AT = datetime(2026, 6, 30, 15, 30)  # UTC
MACHINE = '<time datetime="2026-06-30T15:30:00Z">'


@pytest.fixture
def linked(client, seller, auth, make_client):
    db.session.add(
        SmartInventoryLink(
            seller_pk=seller.id,
            client_pk=make_client(name="SmartShip").id,
            smartship_login_id="seller@example.com",
            linked_at=LINKED_AT,
        )
    )
    db.session.commit()
    auth.login()
    return seller


def html_of(client, path, headers=None):
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def choose(client, zone, headers=None):
    token = csrf_token(html_of(client, "/account/time-zone"))
    return client.post("/account/time-zone", data={"time_zone": zone, "csrf_token": token}, headers=headers or {})


def test_times_are_in_the_marketplace_s_zone_until_the_seller_chooses(client, linked):
    assert MACHINE + "Jun 30, 2026, 11:30\u202fPM GMT+08:00</time>" in html_of(client, QX_PATH)
    assert MACHINE + "2026/06/30 23:30 GMT+08:00</time>" in html_of(client, QX_PATH, JA)
    page = html_of(client, "/account/time-zone")
    assert '<option selected value="Asia/Singapore">' in page and "now Asia/Singapore (GMT+08:00)" in page


def test_the_seller_s_zone_is_kept_and_every_page_shows_times_in_it(client, linked):
    response = choose(client, "Asia/Tokyo")
    assert response.status_code == 303 and response.location.endswith("/account/time-zone")
    db.session.refresh(linked)
    assert linked.time_zone == "Asia/Tokyo"
    assert "Times are now shown in Asia/Tokyo." in html_of(client, "/account/time-zone")
    assert MACHINE + "Jul 1, 2026, 12:30\u202fAM GMT+09:00</time>" in html_of(client, QX_PATH)
    assert MACHINE + "2026/07/01 0:30 GMT+09:00</time>" in html_of(client, QX_PATH, JA)
    activity = html_of(client, "/account/activity")
    logged_in_at = r'<td><time datetime="[0-9T:-]+Z">[A-Z][a-z]{2} \d+, \d{4}, [0-9:]{7,8}\u202f[AP]M GMT\+09:00</time>'
    assert re.search(logged_in_at, activity)
    assert "When (UTC)" not in activity


def test_a_zone_with_daylight_saving_time_shows_that_day_s_offset(client, linked):
    choose(client, "America/New_York")
    assert MACHINE + "Jun 30, 2026, 11:30\u202fAM GMT-04:00</time>" in html_of(client, QX_PATH)
    db.session.execute(db.update(SmartInventoryLink).values(linked_at=datetime(2026, 1, 15, 15, 30)))
    db.session.commit()
    assert "Jan 15, 2026, 10:30\u202fAM GMT-05:00</time>" in html_of(client, QX_PATH)


@pytest.mark.parametrize("zone", ["Asia/Nowhere", "", "../../etc/passwd", "x" * 500])
def test_an_unknown_zone_is_a_form_error_and_nothing_changes(client, linked, zone):
    response = choose(client, zone)
    assert response.status_code == 400
    assert "Choose a time zone from the list." in response.get_data(as_text=True)
    db.session.refresh(linked)
    assert linked.time_zone is None


def test_the_form_error_in_japanese(client, linked):
    response = choose(client, "Asia/Nowhere", JA)
    assert response.status_code == 400
    assert "一覧からタイムゾーンを選んでください。" in response.get_data(as_text=True)


def test_the_setting_needs_the_form_s_csrf_token_and_a_login(client, linked, app):
    response = client.post("/account/time-zone", data={"time_zone": "Asia/Tokyo"})
    assert response.status_code == 400
    db.session.refresh(linked)
    assert linked.time_zone is None
    anonymous = app.test_client()
    assert anonymous.get("/account/time-zone").status_code == 302


def test_the_page_in_japanese(client, linked):
    page = html_of(client, "/account/time-zone", JA)
    assert "<h1>タイムゾーン</h1>" in page and "QSMは日付と時刻をこのタイムゾーンで表示します。" in page


def test_the_seller_s_zone_comes_with_the_seller_the_page_already_loads(client, linked):
    choose(client, "Asia/Tokyo")
    with statements() as seen:
        page = html_of(client, QX_PATH)
    assert "GMT+09:00</time>" in page
    reads_of_sellers = [s for s in seen if re.search(r"\bFROM sellers\b", s)]
    assert len(reads_of_sellers) == 1 and "sellers.time_zone" in reads_of_sellers[0]
