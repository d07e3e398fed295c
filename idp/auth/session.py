"""The seller's browser session: started fresh at login, renewed when the password changes."""
from flask import session
from flask_login import login_user, logout_user

from ..clock import now


def start_session(seller):
    # Nothing from before the login survives, so a planted session cannot be taken over (fixation).
    session.clear()
    login_user(seller)
    session["auth_time"] = now()
    session.permanent = True


def renew_session_identity(seller):
    """After a password change the session identity has a new credentials version; keep this
    session on it, while every other session, still on the old version, ends."""
    login_user(seller)


def end_session():
    logout_user()
    session.clear()
