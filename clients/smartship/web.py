"""What every SmartShip response shares: headers, error pages, the signed-in account."""
from flask import render_template
from werkzeug.exceptions import HTTPException

from websafety.headers import add_security_headers

from .extensions import db, login_manager
from .models import Account
from .session_login import session_is_live


def init_app(app):
    login_manager.login_view = "account.login"
    login_manager.login_message = "Please log in to SmartShip."
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

    app.after_request(add_security_headers)

    @app.errorhandler(HTTPException)
    def http_error(error):
        return render_template(
            "smartship/error.html", status=error.code, title=error.name, description=error.description
        ), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return render_template(
            "smartship/error.html", status=500, title="Something went wrong", description="Please try again."
        ), 500
