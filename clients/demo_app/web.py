"""What every Parcel Pal response shares: headers and error pages (relying_party.web), its own
page for an expired form, and the signed-in seller in every template.

relying_party.web renders the error pages with Werkzeug's English names and descriptions; they
reach the seller in the page's language through ``error_title`` and ``error_description``."""
from flask import flash, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import default_exceptions

from relying_party import login_sessions, web
from siteops.i18n import status_title

from .extensions import db
from .login_sessions import current_login
from .models import LoginSession

# What a person is told in place of Werkzeug's own description of a status.
DESCRIPTIONS = {
    400: _l("The request could not be understood. Go back, reload the page and try again."),
    403: _l("You cannot open this page."),
    404: _l("This page does not exist. Check the address, or start again from the Parcel Pal home page."),
    405: _l("This page cannot be used that way. Start again from the Parcel Pal home page."),
    413: _l("What you sent is too large."),
    429: _l("Too many requests. Please wait a few minutes and try again later."),
    500: _l("Something went wrong on our side. Please try again later."),
    503: _l("Parcel Pal is temporarily unavailable. Please try again in a moment."),
}
ENDED_BY_QSM = _l(
    "You were logged out of Parcel Pal because you logged out of QSM, or your QSM session was ended."
    " Please log in again."
)
# Descriptions relying_party.web writes itself.
OWN_DESCRIPTIONS = {"Please try again.": _l("Please try again.")}


def error_title(title):
    return status_title(title)


def error_description(status, description):
    """A status's description in the seller's language: Werkzeug's default one replaced by
    Parcel Pal's, relying_party's translated, any other (given where the error was raised) as it is."""
    default = default_exceptions.get(status)
    if status in DESCRIPTIONS and default is not None and description == default.description:
        return str(DESCRIPTIONS[status])
    return str(OWN_DESCRIPTIONS.get(description, description))


def init_app(app):
    @app.before_request
    def say_why_the_session_ended():
        """The next page after QSM's back-channel logout says why the seller must log in again."""
        if request.endpoint != "static" and login_sessions.ended_elsewhere(db, LoginSession):
            flash(str(ENDED_BY_QSM), "warning")

    web.init_app(app, db, "demo_app/error.html")
    app.add_template_global(error_title)
    app.add_template_global(error_description)

    @app.context_processor
    def signed_in_seller():
        return {"current_login": current_login()}

    @app.errorhandler(CSRFError)
    def form_expired(error):
        return render_template(
            "demo_app/problem.html",
            title=_("This form has expired"),
            message=_("The page was open too long or your session ended. Please try again."),
        ), 400
