"""Signing an account in and out of SmartShip. The session rules (cookie digest, ending, wiping the
ID token) are relying_party.login_sessions'; SmartShip's own: sessions belong to its accounts
(Flask-Login), by password or through a QSM platform, and a QSM logout ends only that platform's."""
from flask import session
from flask_login import login_user, logout_user

from relying_party import login_sessions, token_vault

from .extensions import db
from .models import LoginSession


def sign_in(account, via, platform=None, qsm_sub=None, qsm_sid=None, id_token=None):
    # QSM's ID token is kept (encrypted) as the id_token_hint of RP-initiated logout at QSM.
    login_sessions.begin(
        db,
        LoginSession,
        account_id=account.id,
        via=via,
        platform=platform,
        qsm_sub=qsm_sub,
        qsm_sid=qsm_sid,
        id_token_encrypted=token_vault.encrypt(id_token) if id_token else None,
    )
    login_user(account)


def session_is_live(account_id):
    row = login_sessions.cookie_row(db, LoginSession)
    return login_sessions.is_live(row) and row.account_id == account_id


def end_sessions(platform, sub=None, sid=None):
    """End the sessions QSM's logout names: by its session ID, or every session of the seller."""
    return login_sessions.end_matching(
        db, LoginSession, LoginSession.qsm_sub, LoginSession.qsm_sid, sub, sid, LoginSession.platform == platform
    )


def sign_out():
    """The ended session (relying_party.login_sessions.EndedSession) or None: its row's platform
    and its ID token say where to log out at QSM."""
    ended = login_sessions.end_current(db, LoginSession)
    logout_user()
    session.clear()
    return ended
