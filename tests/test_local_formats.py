"""siteops.i18n's filters: dates, times, numbers and amounts in the page's language and the
seller's time zone, on a bare Flask app (each site's pages have tests of their own). English
times have CLDR's narrow no-break space before AM/PM (\u202f)."""
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask import Flask, render_template_string

from config import ROOT
from siteops.i18n import TIME_ZONE_COOKIE, init_i18n, is_time_zone

JUNE = datetime(2026, 6, 30, 15, 30, 5)  # naive: UTC, as the databases hold it
JANUARY = datetime(2026, 1, 15, 15, 30, 5)


def make_app(time_zone=None, **config):
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", **config)
    init_i18n(app, ROOT / "clients" / "demo_app" / "translations", ROOT, time_zone=time_zone)
    return app


def render(app, source, language="en", cookies=None, **values):
    headers = {"Accept-Language": language}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    with app.test_request_context(headers=headers):
        return render_template_string(source, **values)


@pytest.fixture
def singapore():
    return make_app(TIME_ZONE="Asia/Singapore")


@pytest.mark.parametrize(
    ("zone", "language", "expected"),
    [
        ("Asia/Singapore", "en", "Jun 30, 2026, 11:30\u202fPM GMT+08:00"),
        ("Asia/Singapore", "ja", "2026/06/30 23:30 GMT+08:00"),
        ("Asia/Tokyo", "en", "Jul 1, 2026, 12:30\u202fAM GMT+09:00"),
        ("Asia/Tokyo", "ja", "2026/07/01 0:30 GMT+09:00"),
    ],
)
def test_a_time_in_the_seller_s_zone_and_language_with_its_offset(zone, language, expected):
    html = render(make_app(TIME_ZONE=zone), "{{ t|local_datetime }}", language, t=JUNE)
    assert html == f'<time datetime="2026-06-30T15:30:05Z">{expected}</time>'


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (JUNE, "Jun 30, 2026, 11:30\u202fAM GMT-04:00"),  # daylight saving time
        (JANUARY, "Jan 15, 2026, 10:30\u202fAM GMT-05:00"),  # standard time
    ],
)
def test_a_zone_with_daylight_saving_time_shows_the_offset_of_that_day(moment, expected):
    html = render(make_app(TIME_ZONE="America/New_York"), "{{ t|local_datetime }}", t=moment)
    assert html.endswith(f">{expected}</time>")


def test_seconds_when_asked(singapore):
    source = "{{ t|local_datetime(seconds=true) }}"
    assert ">Jun 30, 2026, 11:30:05\u202fPM GMT+08:00<" in render(singapore, source, t=JUNE)
    assert ">2026/06/30 23:30:05 GMT+08:00<" in render(singapore, source, "ja", t=JUNE)


@pytest.mark.parametrize(
    "value",
    [
        JUNE,
        JUNE.replace(tzinfo=UTC),
        JUNE.replace(tzinfo=timezone(timedelta(hours=9))) + timedelta(hours=9),
        "2026-06-30T15:30:05Z",
        "2026-06-30T15:30:05+00:00",
        int(JUNE.replace(tzinfo=UTC).timestamp()),
    ],
)
def test_every_kind_of_utc_value_gives_the_same_machine_instant(singapore, value):
    html = render(singapore, "{{ t|local_datetime }}", t=value)
    assert html == '<time datetime="2026-06-30T15:30:05Z">Jun 30, 2026, 11:30\u202fPM GMT+08:00</time>'  # noqa: E501


def test_the_local_date_is_the_seller_s_day(singapore):
    machine = '<time datetime="2026-06-30T15:30:05Z">'
    assert render(singapore, "{{ t|local_date }}", t=JUNE) == machine + "Jun 30, 2026</time>"
    tokyo = make_app(TIME_ZONE="Asia/Tokyo")
    assert render(tokyo, "{{ t|local_date }}", "ja", t=JUNE) == machine + "2026/07/01</time>"


def test_what_is_not_a_time_is_shown_as_it_came_escaped_never_an_error(singapore):
    html = render(singapore, "{{ t|local_datetime }}|{{ t|local_date }}", t="soon <b>")
    assert html == "soon &lt;b&gt;|soon &lt;b&gt;"
    assert render(singapore, "[{{ t|local_datetime }}]", t=None) == "[]"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "1,234,567|¥1,234|SGD\u00a012.50|$1,234.50"), ("ja", "1,234,567|￥1,234|SGD\u00a012.50|$1,234.50")],
)
def test_numbers_and_amounts_in_their_currency_for_the_locale(singapore, language, expected):
    source = "{{ n|number }}|{{ yen|money('JPY') }}|{{ sgd|money('sgd') }}|{{ usd|money('USD') }}"
    assert render(singapore, source, language, n=1234567, yen=Decimal("1234.00"), sgd="12.5", usd="1234.5") == expected


def test_an_amount_without_a_currency_is_the_number_alone_and_a_bad_amount_is_shown_as_it_came(singapore):
    assert render(singapore, "{{ a|money('') }}|{{ a|money(None) }}", a="1234.5") == "1,234.5|1,234.5"
    assert render(singapore, "{{ a|money('SGD') }}|{{ q|number }}", a="n/a", q="two") == "n/a|two"


def test_the_time_zone_cookie_is_used_when_it_names_a_known_zone(singapore):
    source = "{{ t|local_datetime }} {{ time_zone_name() }}"
    tokyo = render(singapore, source, cookies={TIME_ZONE_COOKIE: "Asia/Tokyo"}, t=JUNE)
    assert "12:30\u202fAM GMT+09:00" in tokyo and tokyo.endswith(" Asia/Tokyo")
    unknown = render(singapore, "{{ time_zone_name() }}", cookies={TIME_ZONE_COOKIE: "Mars/Olympus"})
    assert unknown == "Asia/Singapore"


def test_a_site_s_own_choice_comes_before_its_default():
    app = make_app(time_zone=lambda: "Asia/Tokyo", TIME_ZONE="Asia/Singapore")
    assert render(app, "{{ time_zone_name() }} {{ time_zone_offset() }}") == "Asia/Tokyo GMT+09:00"
    # Such a site keeps the zone itself: no time zone form of siteops'.
    assert "time_zone.choose" not in app.view_functions


def test_an_unknown_default_time_zone_is_refused_at_start_up():
    with pytest.raises(RuntimeError, match="TIME_ZONE"):
        make_app(TIME_ZONE="Asia/Nowhere")


@pytest.mark.parametrize("name", ["Asia/Tokyo", "Asia/Singapore", "America/New_York", "UTC"])
def test_known_zones(name):
    assert is_time_zone(name)


@pytest.mark.parametrize("name", ["", "Asia/Nowhere", "../../etc/passwd", "asia/tokyo", None, 9])
def test_unknown_zones(name):
    assert not is_time_zone(name)


def test_the_time_zone_form_remembers_a_known_zone_and_refuses_an_unknown_one(singapore):
    client = singapore.test_client()
    response = client.post("/time-zone", data={"time_zone": "Asia/Tokyo", "next": "/orders"})
    assert response.status_code == 303 and response.location == "/orders"
    assert f"{TIME_ZONE_COOKIE}=Asia/Tokyo" in response.headers["Set-Cookie"]
    refused = client.post("/time-zone", data={"time_zone": "Asia/Nowhere"}, headers={"Accept-Language": "ja"})
    assert refused.status_code == 400 and "Set-Cookie" not in refused.headers
    assert "一覧からタイムゾーンを選んでください。" in refused.get_data(as_text=True)
