"""Signing an account in and out of SmartShip. Each sign-in is a server-side LoginSession, so
it can be ended from elsewhere (a password change, or QSM's back-channel logout)."""
import hashlib
import secrets
import time

from flask import current_app, session
from flask_login import login_user, logout_user

from relying_party import token_vault

from .extensions import db
from .models import LoginSession

SESSION_KEY = "login_session"


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(account, via, platform=None, qsm_sub=None, qsm_sid=None, id_token=None):
    # A new session on every login: nothing planted before survives.
    end_current_session()
    session.clear()
    token = secrets.token_urlsafe(32)
    now = int(time.time())
    db.session.add(
        LoginSession(
            token_hash=_digest(token),
            account_id=account.id,
            via=via,
            platform=platform,
            qsm_sub=qsm_sub,
            qsm_sid=qsm_sid,
            id_token_encrypted=token_vault.encrypt(id_token) if id_token else None,
            created_at=now,
            expires_at=now + current_app.config["PERMANENT_SESSION_LIFETIME_SECONDS"],
        )
    )
    db.session.commit()
    login_user(account)
    session[SESSION_KEY] = token
    session.permanent = True


def session_is_live(account_id):
    token = session.get(SESSION_KEY)
    if not token:
        return False
    row = db.session.execute(db.select(LoginSession).filter_by(token_hash=_digest(token))).scalar_one_or_none()
    return row is not None and row.account_id == account_id and row.ended_at is None and row.expires_at > time.time()


def end_current_session():
    """End this browser's session; returns it (or None) so a QSM session can be ended too."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    row = db.session.execute(db.select(LoginSession).filter_by(token_hash=_digest(token))).scalar_one_or_none()
    if row is not None and row.ended_at is None:
        row.ended_at = int(time.time())
        db.session.commit()
    return row


def end_sessions(platform, sub=None, sid=None):
    """End the sessions QSM's logout names: by its session ID, or every session of the seller."""
    query = db.update(LoginSession).where(LoginSession.platform == platform, LoginSession.ended_at.is_(None))
    if sid:
        query = query.where(LoginSession.qsm_sid == sid)
        if sub:
            query = query.where(LoginSession.qsm_sub == sub)
    elif sub:
        query = query.where(LoginSession.qsm_sub == sub)
    else:
        return 0
    ended = db.session.execute(query.values(ended_at=int(time.time()))).rowcount
    db.session.commit()
    return ended


def sign_out():
    """Returns the ended session: its platform and ID token say where to log out at QSM."""
    ended = end_current_session()
    logout_user()
    session.clear()
    return ended
