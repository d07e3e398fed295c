"""Parcel Pal keeps no accounts of its own: only the sessions QSM signed sellers in with."""
from .extensions import db


class LoginSession(db.Model):
    """A signed-in browser, server-side so that QSM's back-channel logout can end it from any process.

    The browser's cookie holds a random token; only its SHA-256 digest is stored here.
    """

    __tablename__ = "login_sessions"

    id = db.Column(db.Integer, primary_key=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    sub = db.Column(db.String(255), nullable=False, index=True)
    sid = db.Column(db.String(255), index=True)
    name = db.Column(db.String(120))
    shop_name = db.Column(db.String(120))
    # Encrypted; wiped when the session ends.
    access_token_encrypted = db.Column(db.Text)
    id_token_encrypted = db.Column(db.Text)
    created_at = db.Column(db.Integer, nullable=False)
    expires_at = db.Column(db.Integer, nullable=False, index=True)
    ended_at = db.Column(db.Integer)


class SeenLogoutToken(db.Model):
    """jti of back-channel logout tokens already acted on, kept until they expire (replay defence)."""

    __tablename__ = "seen_logout_tokens"

    jti = db.Column(db.String(255), primary_key=True)
    expires_at = db.Column(db.Integer, nullable=False, index=True)
