"""The seller's browser session: started fresh at login, a server-side LoginSession whose sid
goes into ID tokens, and ended in a way every client that used it hears of (back-channel logout)."""
import secrets

from flask import current_app, session
from flask_login import login_user, logout_user

from siteops.database import autocommit_engine
from siteops.statements import Statement

from .. import audit
from ..clock import now
from ..extensions import db
from ..models import AuditEvent, LoginSession

_sessions, _events = LoginSession.__table__, AuditEvent.__table__
_SESSION_COLUMNS = ("sid", "seller_pk", "auth_time", "created_at", "expires_at")
_EVENT_COLUMNS = ("kind", "client_pk", "client_name", "detail", "ip_address", "user_agent", "created_at")
INSERT_SESSION = Statement(_sessions.insert().values({name: db.bindparam(name) for name in _SESSION_COLUMNS}))
INSERT_EVENT = Statement(
    _events.insert().values(
        seller_pk=db.bindparam("seller_pk"), **{name: db.bindparam("event_" + name) for name in _EVENT_COLUMNS}
    )
)
_started = INSERT_SESSION.statement.returning(_sessions.c.seller_pk).cte("started")
# PostgreSQL: the session and its audit event in one statement, one round trip, atomic by itself.
INSERT_SESSION_AND_EVENT = Statement(
    _events.insert().from_select(
        ["seller_pk", *_EVENT_COLUMNS],
        db.select(
            _started.c.seller_pk,
            *(db.cast(db.bindparam("event_" + name), _events.c[name].type) for name in _EVENT_COLUMNS),
        ),
    )
)


def start_session(seller, event="login_succeeded", amr=("pwd",)):
    """A new login session for ``seller`` (a Seller or a sellers.ProvenSeller), committed with
    the audit ``event`` that started it: never one without the other. ``amr``: how the seller
    proved who they are (RFC 8176 values), for the ID tokens of this session. A login replaces whatever
    session this browser had, and nothing from it survives (fixation)."""
    previous = session.get("sid")
    session.clear()
    if previous:
        end_login_session(previous)
    started = now()
    sid = secrets.token_urlsafe(24)
    row = {
        "sid": sid,
        "seller_pk": seller.id,
        "auth_time": started,
        "created_at": started,
        "expires_at": started + current_app.config["PERMANENT_SESSION_LIFETIME_SECONDS"],
    }
    values = audit.event_values(event, seller.id)
    row.update(("event_" + name, values[name]) for name in _EVENT_COLUMNS)
    with autocommit_engine(current_app).connect() as connection:
        if connection.dialect.name == "postgresql":
            INSERT_SESSION_AND_EVENT.write(connection, row)
        else:  # SQLite: two statements, one transaction (rolled back when the connection goes back unfinished)
            INSERT_SESSION.write(connection, row, commit=False)
            INSERT_EVENT.write(connection, row)
    login_user(seller)
    session["sid"] = sid
    session["auth_time"] = started
    session["amr"] = list(amr)
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
