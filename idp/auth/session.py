"""The seller's browser session: started fresh at login, a server-side LoginSession whose sid
goes into ID tokens, and ended in a way every client that used it hears of (back-channel logout)."""
import secrets

from flask import current_app, session
from flask_login import login_user, logout_user

from ..clock import now
from ..extensions import db
from ..models import LoginSession


def start_session(seller):
    """A new login session for ``seller``, in the caller's transaction (the caller commits).
    A login replaces whatever session this browser had, and nothing from it survives (fixation)."""
    previous = session.get("sid")
    session.clear()
    if previous:
        end_login_session(previous)
    started = now()
    sid = secrets.token_urlsafe(24)
    db.session.add(
        LoginSession(
            sid=sid,
            seller_pk=seller.id,
            auth_time=started,
            expires_at=started + current_app.config["PERMANENT_SESSION_LIFETIME_SECONDS"],
        )
    )
    login_user(seller)
    session["sid"] = sid
    session["auth_time"] = started
    session.permanent = True


def session_is_live(seller):
    sid = session.get("sid")
    if not sid:
        return False
    row = db.session.get(LoginSession, sid)
    return row is not None and row.seller_pk == seller.id and row.ended_at is None and row.expires_at > now()


def renew_session_identity(seller):
    """After a password change: this session moves to the new credentials version; every other
    session of the seller ends, and the clients that used them are told."""
    login_user(seller)
    others = db.session.execute(
        db.select(LoginSession.sid).where(
            LoginSession.seller_pk == seller.id, LoginSession.ended_at.is_(None), LoginSession.sid != session.get("sid")
        )
    ).scalars().all()
    for sid in others:
        end_login_session(sid)


def end_session():
    sid = session.get("sid")
    logout_user()
    session.clear()
    if sid:
        end_login_session(sid)


def end_login_session(sid):
    """End a login session once (a conditional UPDATE), then tell its clients."""
    ended = db.session.execute(
        db.update(LoginSession).where(LoginSession.sid == sid, LoginSession.ended_at.is_(None)).values(ended_at=now())
    ).rowcount
    db.session.commit()
    if ended:
        from ..oauth.backchannel import notify_clients_of_logout

        notify_clients_of_logout(sid)
