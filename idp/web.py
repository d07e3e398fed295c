"""What every QSM response shares: security headers, error pages or JSON, the session user."""
from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from siteops.i18n import status_title
from websafety.headers import add_security_headers

from .auth.session import session_is_live
from .extensions import db, login_manager
from .models import Seller

JSON_PREFIXES = ("/oauth/", "/api/", "/.well-known/", "/login/passkey", "/account/passkeys/register")
# OAuth endpoints that a person's browser opens: their errors are pages.
PAGE_PATHS = ("/oauth/authorize", "/oauth/logout")

# What a person is told; the status line carries the technical name.
DESCRIPTIONS = {
    400: _l("The request could not be understood. Go back, reload the page and try again."),
    404: _l("This page does not exist. Check the address, or start again from the QSM home page."),
    405: _l("This page cannot be used that way. Start again from the QSM home page."),
    413: _l("What you sent is too large."),
    429: _l("Too many requests. Please wait a few minutes and try again later."),
    500: _l("Something went wrong on our side. Please try again later."),
}
CSRF_EXPIRED = _l("This form has expired or was not sent from QSM. Go back, reload the page and try again.")


def wants_json():
    return request.path.startswith(JSON_PREFIXES) and not request.path.startswith(PAGE_PATHS)


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.localize_callback = str  # the lazy message in the seller's language, for the session
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_seller(session_id):
        sub, _, version = session_id.partition(":")
        seller = db.session.execute(db.select(Seller).filter_by(sub=sub)).scalar_one_or_none()
        # A password change bumps the version, which ends every other session; a session
        # ended server-side (logout, here or at a client) is gone too.
        if seller is None or str(seller.credentials_version) != version or not session_is_live(seller):
            return None
        return seller

    app.after_request(add_security_headers)
    app.register_error_handler(HTTPException, error_response)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return error_response(InternalServerError())


OAUTH_ERROR_CODES = {
    400: "invalid_request",
    401: "invalid_client",
    404: "not_found",
    405: "invalid_request",
    413: "invalid_request",
    429: "slow_down",
    500: "server_error",
    503: "temporarily_unavailable",
}


def error_response(error):
    status = error.code or 500
    if wants_json():
        body = {"error": OAUTH_ERROR_CODES.get(status, "invalid_request"), "error_description": error.name}
        response = jsonify(body)
        response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        return response
    description = CSRF_EXPIRED if isinstance(error, CSRFError) else DESCRIPTIONS.get(status, error.description)
    title = status_title(error.name)
    return render_template("idp/error.html", status=status, title=str(title), description=str(description)), status
