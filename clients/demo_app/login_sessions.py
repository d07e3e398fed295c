"""Signing a seller in and out of Parcel Pal. Each sign-in is a server-side LoginSession row, so
QSM's back-channel logout can end it whichever process receives the logout."""
import hashlib
import secrets
import time
from dataclasses import dataclass

from flask import current_app, g, session

from relying_party import token_vault
from siteops.purge import purge_in_batches

from .extensions import db
from .models import LoginSession

SESSION_KEY = "login_session"
# End the session a little before QSM's access token does, so the orders call never meets a
# token that merely expired and mistakes it for a revoked one.
TOKEN_EXPIRY_MARGIN = 30


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class EndedSession:
    """What logging out at QSM needs from a session that has just ended here."""

    id_token: str | None
    access_token: str | None


def sign_in(claims, token, token_expires_at):
    """Start a new session for the seller QSM vouched for; returns the row."""
    # A new session on every login: nothing planted in the cookie before survives.
    end_current_session()
    session.clear()
    purge_dead_sessions()
    cookie_token = secrets.token_urlsafe(32)
    now = int(time.time())
    lifetime_end = now + current_app.config["PERMANENT_SESSION_LIFETIME_SECONDS"]
    row = LoginSession(
        token_hash=_digest(cookie_token),
        sub=claims["sub"],
        sid=claims.get("sid"),
        name=(claims.get("name") or "")[:120] or None,
        shop_name=(claims.get("shop_name") or "")[:120] or None,
        access_token_encrypted=token_vault.encrypt(token["access_token"]),
        id_token_encrypted=token_vault.encrypt(token.get("id_token")),
        created_at=now,
        expires_at=min(lifetime_end, token_expires_at - TOKEN_EXPIRY_MARGIN),
    )
    db.session.add(row)
    db.session.commit()
    session[SESSION_KEY] = cookie_token
    session.permanent = True
    return row


def current_login():
    """This browser's live session row, or None."""
    if "login_session_row" not in g:
        g.login_session_row = _load_live_row()
    return g.login_session_row


def _load_live_row():
    cookie_token = session.get(SESSION_KEY)
    if not cookie_token or not isinstance(cookie_token, str):
        return None
    row = db.session.execute(db.select(LoginSession).filter_by(token_hash=_digest(cookie_token))).scalar_one_or_none()
    if row is None or row.ended_at is not None or row.expires_at <= time.time():
        return None
    return row


def access_token(row):
    return token_vault.decrypt(row.access_token_encrypted)


def _end(row):
    """End a row once; returns its tokens (decrypted when the keys allow) and wipes them."""
    try:
        ended = EndedSession(
            token_vault.decrypt(row.id_token_encrypted), token_vault.decrypt(row.access_token_encrypted)
        )
    except token_vault.VaultError:
        ended = EndedSession(None, None)
    row.ended_at = int(time.time())
    row.access_token_encrypted = None
    row.id_token_encrypted = None
    db.session.commit()
    return ended


def end_current_session():
    """End this browser's session. Returns an EndedSession, or None when none was live."""
    row = current_login()
    g.pop("login_session_row", None)
    if row is None:
        return None
    return _end(row)


def sign_out():
    ended = end_current_session()
    session.clear()
    return ended


def end_sessions(sub=None, sid=None):
    """End the sessions a QSM logout names: the one with its session ID, or every one of the seller."""
    query = db.update(LoginSession).where(LoginSession.ended_at.is_(None))
    if sid:
        query = query.where(LoginSession.sid == sid)
        if sub:
            query = query.where(LoginSession.sub == sub)
    elif sub:
        query = query.where(LoginSession.sub == sub)
    else:
        return 0
    ended = db.session.execute(
        query.values(ended_at=int(time.time()), access_token_encrypted=None, id_token_encrypted=None)
    ).rowcount
    db.session.commit()
    return ended


def purge_dead_sessions(batch_size=200):
    """Ended and expired rows are of no use; one bounded batch goes at each sign-in."""
    now = int(time.time())
    condition = db.or_(LoginSession.expires_at < now, LoginSession.ended_at.is_not(None))
    return purge_in_batches(db, LoginSession, condition, batch_size=batch_size, max_batches=1)
