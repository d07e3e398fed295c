"""Server-side login sessions, as every relying party here keeps them: each sign-in is a row in the
site's own table, so it can be ended from anywhere (QSM's back-channel logout in another process,
a password change).

The rules:

* The browser's cookie (the Flask session's ``SESSION_KEY``) holds a random token; the table holds
  only its SHA-256 digest. A cookie value that is not a string names no session.
* Signing in ends this browser's session and clears the cookie first: nothing planted survives.
* A session is live while not ended and not expired (at most PERMANENT_SESSION_LIFETIME_SECONDS,
  or sooner when the site says so).
* Ending a session wipes the QSM tokens it kept (TOKEN_COLUMNS, whichever the site's table has);
  the caller gets them back once, decrypted, to log out at QSM with.

A site's table has ``token_hash``, ``created_at``, ``expires_at`` and ``ended_at`` columns, some of
TOKEN_COLUMNS, and columns of its own passed to ``begin``.
"""
import hashlib
import secrets
import time
from dataclasses import dataclass

from flask import current_app, session

from . import token_vault

SESSION_KEY = "login_session"
TOKEN_COLUMNS = ("access_token_encrypted", "id_token_encrypted")


def digest(cookie_token):
    return hashlib.sha256(cookie_token.encode()).hexdigest()


@dataclass
class EndedSession:
    """A session that has just ended: its row, and the tokens it held (None when the keys
    could not decrypt them)."""

    row: object
    id_token: str | None
    access_token: str | None


def _token_columns(model):
    return [column for column in TOKEN_COLUMNS if hasattr(model, column)]


def cookie_row(db, model):
    """The row this browser's cookie names (live or not), or None."""
    cookie_token = session.get(SESSION_KEY)
    if not cookie_token or not isinstance(cookie_token, str):
        return None
    return db.session.execute(db.select(model).filter_by(token_hash=digest(cookie_token))).scalar_one_or_none()


def is_live(row):
    return row is not None and row.ended_at is None and row.expires_at > time.time()


def ended_elsewhere(db, model):
    """True, once, when this browser's cookie names a session that was ended somewhere else:
    QSM's back-channel logout (the seller logged out of QSM, or QSM ended their session). This
    browser's own logout and sign-in clear its cookie, so a cookie still naming an ended session
    was not ended here. The cookie's token is dropped, so the seller is told only once."""
    if not session.get(SESSION_KEY):
        return False
    row = cookie_row(db, model)
    if row is None or row.ended_at is None:
        return False
    session.pop(SESSION_KEY, None)
    return True


def begin(db, model, not_after=None, **columns):
    """Start a new session for this browser (ending the one it had); returns the row.
    ``not_after`` ends it sooner than the session lifetime (say, when QSM's token expires)."""
    end_current(db, model)
    session.clear()
    cookie_token = secrets.token_urlsafe(32)
    now = int(time.time())
    expires_at = now + current_app.config["PERMANENT_SESSION_LIFETIME_SECONDS"]
    if not_after is not None:
        expires_at = min(expires_at, not_after)
    row = model(token_hash=digest(cookie_token), created_at=now, expires_at=expires_at, **columns)
    db.session.add(row)
    db.session.commit()
    session[SESSION_KEY] = cookie_token
    session.permanent = True
    return row


def end(db, row):
    """End a row that has not ended yet; its tokens come back in an EndedSession and are wiped."""
    try:
        ended = EndedSession(
            row,
            token_vault.decrypt(getattr(row, "id_token_encrypted", None)),
            token_vault.decrypt(getattr(row, "access_token_encrypted", None)),
        )
    except token_vault.VaultError:
        ended = EndedSession(row, None, None)
    row.ended_at = int(time.time())
    for column in _token_columns(type(row)):
        setattr(row, column, None)
    db.session.commit()
    return ended


def end_current(db, model):
    """End this browser's session. An EndedSession, or None when its cookie names none that had
    not ended yet."""
    row = cookie_row(db, model)
    if row is None or row.ended_at is not None:
        return None
    return end(db, row)


def end_matching(db, model, sub_column, sid_column, sub=None, sid=None, *where):
    """End the sessions a QSM logout names: those with its session ID (and its ``sub``, when
    given), or else every session of the seller; nothing when it names neither. ``where``
    narrows further (say, to one issuer). Returns how many ended."""
    query = db.update(model).where(model.ended_at.is_(None), *where)
    if sid:
        query = query.where(sid_column == sid)
        if sub:
            query = query.where(sub_column == sub)
    elif sub:
        query = query.where(sub_column == sub)
    else:
        return 0
    values = {"ended_at": int(time.time()), **dict.fromkeys(_token_columns(model))}
    ended = db.session.execute(query.values(**values)).rowcount
    db.session.commit()
    return ended
