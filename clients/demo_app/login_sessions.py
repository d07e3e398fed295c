"""Signing a seller in and out of Parcel Pal. The session rules (cookie digest, ending, wiping the
tokens) are relying_party.login_sessions'; Parcel Pal's own: a session keeps QSM's access token
for the orders page, ends a little before that token does, and purges dead rows at each sign-in."""
import time

from flask import g, session

from relying_party import login_sessions, token_vault
from relying_party.login_sessions import EndedSession  # noqa: F401 (re-exported)
from siteops.purge import purge_in_batches

from .extensions import db
from .models import LoginSession

# End the session a little before QSM's access token does, so the orders call never meets a
# token that merely expired and mistakes it for a revoked one.
TOKEN_EXPIRY_MARGIN = 30
# An ended session's row stays a while, so that a browser whose session QSM ended (back-channel
# logout) is told why on its next page (relying_party.login_sessions.ended_elsewhere).
ENDED_SESSION_RETENTION = 3600


def sign_in(claims, token, token_expires_at):
    """Start a new session for the seller QSM vouched for; returns the row."""
    g.pop("login_session_row", None)
    row = login_sessions.begin(
        db,
        LoginSession,
        not_after=token_expires_at - TOKEN_EXPIRY_MARGIN,
        sub=claims["sub"],
        sid=claims.get("sid"),
        name=(claims.get("name") or "")[:120] or None,
        shop_name=(claims.get("shop_name") or "")[:120] or None,
        access_token_encrypted=token_vault.encrypt(token["access_token"]),
        id_token_encrypted=token_vault.encrypt(token.get("id_token")),
    )
    purge_dead_sessions()
    return row


def current_login():
    """This browser's live session row, or None."""
    if "login_session_row" not in g:
        row = login_sessions.cookie_row(db, LoginSession)
        g.login_session_row = row if login_sessions.is_live(row) else None
    return g.login_session_row


def access_token(row):
    return token_vault.decrypt(row.access_token_encrypted)


def sign_out():
    """End this browser's session; an EndedSession (its tokens, to log out at QSM), or None."""
    g.pop("login_session_row", None)
    ended = login_sessions.end_current(db, LoginSession)
    session.clear()
    return ended


def end_sessions(sub=None, sid=None):
    """End the sessions a QSM logout names: the one with its session ID, or every one of the seller."""
    return login_sessions.end_matching(db, LoginSession, LoginSession.sub, LoginSession.sid, sub, sid)


def purge_dead_sessions(batch_size=200):
    """Expired rows, and rows ended more than ENDED_SESSION_RETENTION ago, are of no use; one
    bounded batch goes at each sign-in."""
    now = int(time.time())
    condition = db.or_(LoginSession.expires_at < now, LoginSession.ended_at < now - ENDED_SESSION_RETENTION)
    return purge_in_batches(db, LoginSession, condition, batch_size=batch_size, max_batches=1)
