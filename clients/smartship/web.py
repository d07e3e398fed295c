"""What every SmartShip response shares: headers and error pages (relying_party.web), and the
signed-in account (Flask-Login, over a live server-side session)."""
from relying_party import web

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

    web.init_app(app, db, "smartship/error.html")
