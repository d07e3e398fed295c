from ..clock import now
from ..extensions import db
from .columns import client_pk_column, seller_pk_column


class LoginSession(db.Model):
    """A seller's QSM session. Its ``sid`` goes into ID tokens, so that when it ends every
    client that signed the seller in through it can be told (back-channel logout)."""

    __tablename__ = "login_sessions"

    sid = db.Column(db.String(64), primary_key=True)
    seller_pk = seller_pk_column(nullable=False, index=True)
    auth_time = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.Integer, nullable=False, default=now)
    expires_at = db.Column(db.Integer, nullable=False, index=True)
    ended_at = db.Column(db.Integer)


class SessionClient(db.Model):
    """A client that received an authorization code during a login session."""

    __tablename__ = "session_clients"

    sid = db.Column(db.String(64), db.ForeignKey("login_sessions.sid", ondelete="CASCADE"), primary_key=True)
    client_pk = client_pk_column(primary_key=True)
