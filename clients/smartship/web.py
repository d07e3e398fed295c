"""What every SmartShip response shares: headers and error pages (relying_party.web), and the
signed-in account (Flask-Login, over a live server-side session). Error pages and the login
message are in the seller's language."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from relying_party import login_sessions, web
from siteops.i18n import RefusedInput, status_title

from .extensions import db, login_manager
from .models import Account, LoginSession
from .session_login import session_is_live

ERROR_TEMPLATE = "smartship/error.html"

# What a seller is told; the status line carries the status's name.
DESCRIPTIONS = {
    400: _l("The request could not be understood. Go back, reload the page and try again."),
    403: _l("You cannot open this page."),
    404: _l("This page does not exist. Check the address, or start again from the SmartShip home page."),
    405: _l("This page cannot be used that way. Start again from the SmartShip home page."),
    413: _l("What you sent is too large."),
    429: _l("Too many requests. Please wait a few minutes and try again later."),
    500: _l("Something went wrong on our side. Please try again later."),
}
ENDED_BY_QSM = _l(
    "You were logged out of SmartShip because you logged out of QSM, or your QSM session was ended."
    " Please log in again."
)
CSRF_EXPIRED = _l("This form has expired or was not sent from SmartShip. Go back, reload the page and try again.")


def init_app(app):
    login_manager.login_view = "account.login"
    login_manager.login_message = _l("Please log in to SmartShip.")
    login_manager.localize_callback = str  # the lazy message in the seller's language, for the session
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_account(session_id):
        account_id, _, version = session_id.partition(":")
        if not account_id.isdigit():
            return None
        account = db.session.get(Account, int(account_id))
        # A password change bumps the version, which ends every other session; a session
        # ended server-side (logout, back-channel logout) is gone too.
        if account is None or str(account.credentials_version) != version or not session_is_live(account.id):
            return None
        return account

    @app.before_request
    def say_why_the_session_ended():
        """The next page after QSM's back-channel logout says why the seller must log in again."""
        if request.endpoint != "static" and login_sessions.ended_elsewhere(db, LoginSession):
            flash(str(ENDED_BY_QSM), "warning")

    web.init_app(app, db, ERROR_TEMPLATE)
    # Replaces relying_party.web's page for HTTP errors with one in the seller's language.
    app.register_error_handler(HTTPException, error_page)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return render_template(
            ERROR_TEMPLATE, status=500, title=_l("Something went wrong"), description=_l("Please try again.")
        ), 500


def error_page(error):
    if isinstance(error, CSRFError) and request.endpoint == "signup.form" and current_user.is_authenticated:
        # Done sent again by the browser the first Done signed in (a new session, so the form's
        # token is spent): nothing to do but go on to the orders.
        return redirect(url_for("orders.index"))
    status = error.code or 500
    description = CSRF_EXPIRED if isinstance(error, CSRFError) else DESCRIPTIONS.get(status, error.description)
    if isinstance(error, RefusedInput):
        description = error.description  # says what to do, in the seller's language
    title = status_title(error.name)
    return render_template(ERROR_TEMPLATE, status=status, title=str(title), description=str(description)), status
