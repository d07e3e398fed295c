"""What every QSM response shares: security headers, error pages or JSON, the session user."""
from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .extensions import db, login_manager
from .models import Seller

JSON_PREFIXES = ("/oauth/", "/api/", "/.well-known/")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def wants_json():
    return request.path.startswith(JSON_PREFIXES)


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_seller(session_id):
        sub, _, version = session_id.partition(":")
        seller = db.session.execute(db.select(Seller).filter_by(sub=sub)).scalar_one_or_none()
        # A password change bumps the version, which ends every other session.
        if seller is None or str(seller.credentials_version) != version:
            return None
        return seller

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html":
            # Pages carry CSRF tokens and personal data: never cache them.
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(HTTPException)
    def http_error(error):
        return error_response(error.code, error.name, error.description)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return error_response(500, "Internal Server Error", "Something went wrong on our side. Please try again.")


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


def error_response(status, title, description):
    if wants_json():
        body = {"error": OAUTH_ERROR_CODES.get(status, "invalid_request"), "error_description": title}
        response = jsonify(body)
        response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("idp/error.html", status=status, title=title, description=description), status
