"""Sellers read Japanese and English: each site's pages, messages and mails through gettext
catalogues (Flask-Babel), one folder per site (``<site>/translations``).

The language: the seller's choice (a cookie set by the switcher on every page), else the
browser's ``Accept-Language``, else English. A translator edits ``.po`` files only:

    flask --app wsgi:qsm translations update    # extract the strings, merge them into every .po
    flask --app wsgi:qsm translations compile   # the .mo files the site reads (committed)

tests check that every string of the templates and code is in each catalogue, translated, and
that the committed .mo files match the .po files.
"""
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import click
from flask import Blueprint, current_app, has_request_context, redirect, request
from flask_babel import Babel, get_locale, lazy_gettext as _l

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


def init_i18n(app, translations, root):
    """Translate ``app`` from the catalogues in ``translations``, a folder holding the babel.cfg
    whose paths are relative to ``root`` (the repository)."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    Babel(app, locale_selector=chosen_language, default_translation_directories=str(translations))
    app.extensions["siteops.translations"] = (Path(translations), Path(root))

    # For pages rendered without the context processors (siteops' "temporarily unavailable").
    app.add_template_global(page_language)

    @app.context_processor
    def languages():
        return {
            "languages": LANGUAGES,
            "current_language": page_language(),
            "return_path": return_path,
        }

    app.register_blueprint(language_blueprint())
    app.cli.add_command(translations_command)


def page_language():
    """The language of the page being rendered, for ``<html lang>``."""
    return str(get_locale() or DEFAULT_LANGUAGE)


def return_path():
    """This page's path and query, for the switcher to come back to; a ``next`` parameter that
    leads off the site is left out, so no page carries one."""
    query = [(name, value) for name, value in request.args.items(multi=True) if name != "next" or safe_next(value)]
    return request.path + ("?" + urlencode(query) if query else "")


def language_blueprint():
    bp = Blueprint("language", __name__)

    @bp.post("/language")
    def choose():
        """The switcher's form (CSRF-checked like every form): remember the choice, go back."""
        language = request.form.get("language")
        response = redirect(safe_next(request.form.get("next")) or "/", 303)
        if language in LANGUAGES:
            response.set_cookie(
                COOKIE,
                language,
                max_age=COOKIE_AGE,
                secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                httponly=True,
                samesite="Lax",
            )
        return response

    return bp


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
