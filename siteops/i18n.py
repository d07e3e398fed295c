"""Sellers read Japanese and English: each site's pages, messages and mails through gettext
catalogues (Flask-Babel), one folder per site (``<site>/translations``).

The language: the seller's choice (a cookie set by the switcher on every page), else the
browser's ``Accept-Language``, else English. A translator edits ``.po`` files only:

    flask --app wsgi:qsm translations update    # extract the strings, merge them into every .po
    flask --app wsgi:qsm translations compile   # the .mo files the site reads (committed)

tests check that every string of the templates and code is in each catalogue, translated, and
that the committed .mo files match the .po files.

Dates, times, numbers and amounts go through one set of template filters, in the page's language
and the seller's time zone: ``local_datetime`` (a ``<time>`` element whose ``datetime`` is the UTC
instant, its text the local time with its offset from GMT), ``local_date``, ``number`` and ``money``.
The time zone: what the site's ``time_zone`` callable names (QSM: the seller's setting), else, on a
site without one, the ``tz`` cookie set by the time zone form (``/time-zone``), else the site's
``TIME_ZONE`` setting. Machine endpoints and the API never format a date, so they never ask.
"""
import re
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlencode

import click
import pytz
from babel import Locale
from flask import Blueprint, current_app, has_request_context, redirect, request
from flask_babel import (
    Babel,
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_timezone,
    gettext as _,
    lazy_gettext as _l,
    to_user_timezone,
)
from markupsafe import Markup, escape
from werkzeug.exceptions import BadRequest

from websafety.redirects import safe_next

LANGUAGES = {"en": "English", "ja": "日本語"}
# Werkzeug's English names of HTTP statuses (and relying_party.web's own), in the page's language.
# Every site's babel.cfg extracts this module, so each catalogue translates them.
STATUS_TITLES = {
    "Bad Request": _l("Bad Request"),
    "Unauthorized": _l("Unauthorized"),
    "Forbidden": _l("Forbidden"),
    "Not Found": _l("Not Found"),
    "Method Not Allowed": _l("Method Not Allowed"),
    "Request Entity Too Large": _l("Request Entity Too Large"),
    "Too Many Requests": _l("Too Many Requests"),
    "Internal Server Error": _l("Internal Server Error"),
    "Service Unavailable": _l("Service Unavailable"),
    "Something went wrong": _l("Something went wrong"),
}
DEFAULT_LANGUAGE = "en"
COOKIE = "lang"
COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE_COOKIE = "tz"
# The IANA zones a seller may choose (the ones in use today; Flask-Babel reads them with pytz).
TIME_ZONES = tuple(pytz.common_timezones)
_TIME_ZONE_NAMES = frozenset(TIME_ZONES)


def status_title(name):
    """An HTTP status's name (as Werkzeug gives it) in the page's language."""
    return str(STATUS_TITLES.get(name, name))


def chosen_language():
    """The seller's choice, else the browser's preference, else English (outside a request, for
    the command line: English)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE


def is_time_zone(name):
    """Whether ``name`` is one of the IANA time zones a seller may choose."""
    return isinstance(name, str) and name in _TIME_ZONE_NAMES


def time_zone_cookie():
    """The time zone chosen with the time zone form of a site that keeps it in a cookie."""
    return request.cookies.get(TIME_ZONE_COOKIE)


def chosen_time_zone():
    """Flask-Babel's time zone selector: the site's choice for this request when it names a
    known zone, else None (the site's ``TIME_ZONE``)."""
    if not has_request_context():
        return None
    name = current_app.extensions["siteops.time_zone"]()
    return name if is_time_zone(name) else None


def init_i18n(app, translations, root, time_zone=None):
    """Translate ``app`` from the catalogues in ``translations``, a folder holding the babel.cfg
    whose paths are relative to ``root`` (the repository).

    ``time_zone``: a callable naming the seller's time zone for this request (or None); without
    one, the site offers the time zone form and keeps the choice in a cookie. The default is the
    app's ``TIME_ZONE`` setting, refused at start-up unless it is a known zone."""
    default_zone = app.config.setdefault("TIME_ZONE", "UTC")
    if not is_time_zone(default_zone):
        raise RuntimeError(f"TIME_ZONE must be an IANA time zone such as Asia/Singapore, not {default_zone!r}")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config["BABEL_DEFAULT_TIMEZONE"] = default_zone
    Babel(
        app,
        locale_selector=chosen_language,
        timezone_selector=chosen_time_zone,
        default_translation_directories=str(translations),
    )
    app.extensions["siteops.translations"] = (Path(translations), Path(root))
    app.extensions["siteops.time_zone"] = time_zone or time_zone_cookie

    # For pages rendered without the context processors (siteops' "temporarily unavailable").
    app.add_template_global(page_language)
    app.add_template_global(time_zone_name)
    app.add_template_global(time_zone_offset)
    app.add_template_global(TIME_ZONES, "time_zones")
    app.add_template_filter(local_datetime)
    app.add_template_filter(local_date)
    app.add_template_filter(number)
    app.add_template_filter(money)

    @app.context_processor
    def languages():
        return {
            "languages": LANGUAGES,
            "current_language": page_language(),
            "return_path": return_path,
        }

    app.register_blueprint(language_blueprint())
    if time_zone is None:
        app.register_blueprint(time_zone_blueprint())
    app.cli.add_command(translations_command)


def page_language():
    """The language of the page being rendered, for ``<html lang>``."""
    return str(get_locale() or DEFAULT_LANGUAGE)


def return_path():
    """This page's path and query, for the switcher to come back to; a ``next`` parameter that
    leads off the site is left out, so no page carries one."""
    query = [(name, value) for name, value in request.args.items(multi=True) if name != "next" or safe_next(value)]
    return request.path + ("?" + urlencode(query) if query else "")


def back_with_choice(cookie, value):
    """The answer to a switcher's form: back to the page it came from (``next``, never off the
    site), remembering ``value`` in ``cookie`` for a year (None remembers nothing)."""
    response = redirect(safe_next(request.form.get("next")) or "/", 303)
    if value is not None:
        response.set_cookie(
            cookie,
            value,
            max_age=COOKIE_AGE,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
            samesite="Lax",
        )
    return response


def language_blueprint():
    bp = Blueprint("language", __name__)

    @bp.post("/language")
    def choose():
        """The switcher's form (CSRF-checked like every form): remember the choice, go back."""
        language = request.form.get("language")
        return back_with_choice(COOKIE, language if language in LANGUAGES else None)

    return bp


class RefusedInput(BadRequest):
    """A 400 whose description tells the seller what to do, in their language: a site's error
    page shows it rather than its general words for a 400."""


def time_zone_blueprint():
    bp = Blueprint("time_zone", __name__)

    @bp.post("/time-zone")
    def choose():
        """The time zone form of a site without accounts' settings (CSRF-checked like every form):
        remember a known zone, go back; anything else is a 400 that says what to do."""
        name = request.form.get("time_zone", "")
        if not is_time_zone(name):
            raise RefusedInput(_("Choose a time zone from the list."))
        return back_with_choice(TIME_ZONE_COOKIE, name)

    return bp


# --- dates, times, numbers and amounts, in the page's language and the seller's time zone ---------


def time_zone_name():
    """The IANA name of the time zone the page shows times in."""
    return str(get_timezone())


def time_zone_offset(moment=None):
    """The zone's offset from GMT at ``moment`` (now by default), as the times show it: GMT+08:00."""
    moment = to_user_timezone(moment or datetime.now(UTC))
    return format_datetime(moment, "ZZZZ")


def as_utc(value):
    """An aware UTC datetime from a naive UTC one (the databases' columns), an aware one, seconds
    since the epoch or an ISO 8601 string (the API's ``2026-12-01T09:30:00Z``); None for anything
    else."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)  # seconds since the epoch
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _datetime_pattern(seconds):
    """The locale's medium date and time (short time, unless ``seconds``) and the GMT offset."""
    locale = Locale.parse(page_language())
    time_format = locale.time_formats["medium" if seconds else "short"].pattern
    both = str(locale.datetime_formats["medium"]).replace("{1}", locale.date_formats["medium"].pattern)
    return both.replace("{0}", time_format) + " ZZZZ"


def _time_element(instant, text):
    machine = instant.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    return Markup('<time datetime="{}">{}</time>').format(machine, text)


def local_datetime(value, seconds=False):
    """``value`` (UTC) as a ``<time>`` element: the UTC instant for machines, the seller's local
    time with its offset for people (Dec 3, 2026, 9:46 AM GMT+08:00; 2026/12/03 9:46 GMT+08:00)."""
    if value is None or value == "":
        return ""
    instant = as_utc(value)
    if instant is None:
        return escape(value)  # not a time: shown as it came, never a 500
    return _time_element(instant, format_datetime(instant, _datetime_pattern(seconds)))


def local_date(value):
    """The seller's local date of ``value`` (UTC), as a ``<time>`` element carrying the instant."""
    if value is None or value == "":
        return ""
    instant = as_utc(value)
    if instant is None:
        return escape(value)
    return _time_element(instant, format_date(to_user_timezone(instant), "medium"))


# CLDR's currency spacing, which Babel leaves out: a code such as SGD is kept off the digits by a
# no-break space (SGD 12.50, not SGD12.50), a symbol such as ¥ is not.
_CODE_BESIDE_DIGIT = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def _decimal(value):
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def number(value):
    """A count or quantity with the locale's separators (1,234)."""
    amount = _decimal(value) if value is not None else None
    return value if amount is None else format_decimal(amount)


def money(amount, currency):
    """An amount in its own currency, for the locale: ¥1,234 (en), ￥1,234 (ja), SGD 12.50. Without a
    currency (an order that named none), the number alone: no currency is made up."""
    value = _decimal(amount) if amount is not None else None
    if value is None:
        return amount or ""
    code = (currency or "").strip().upper()
    if len(code) == 3 and code.isalpha():
        return _CODE_BESIDE_DIGIT.sub("\u00a0", format_currency(value, code))
    return format_decimal(value)


@click.group("translations")
def translations_command():
    """Keep this site's gettext catalogues up to date (pybabel)."""


def _pybabel(*arguments, cwd=None):
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *arguments], check=True, cwd=cwd)


@translations_command.command("update")
def update_command():
    """Extract the strings of the code and templates and merge them into every language's .po."""
    folder, root = current_app.extensions["siteops.translations"]
    template = folder / "messages.pot"
    _pybabel(
        "extract", "-F", str(folder / "babel.cfg"), "-o", str(template), "-k", "_l", "-k", "lazy_gettext",
        "--no-location", "--sort-output", "--project", "QSM Connect", ".", cwd=root,
    )
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        catalogue = folder / language / "LC_MESSAGES" / "messages.po"
        command = "update" if catalogue.exists() else "init"
        _pybabel(command, "-i", str(template), "-d", str(folder), "-l", language)


@translations_command.command("compile")
def compile_command():
    """The .mo files the site reads, from the .po files."""
    _pybabel("compile", "-d", str(current_app.extensions["siteops.translations"][0]), "--statistics")
