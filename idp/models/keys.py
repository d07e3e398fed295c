from ..clock import now
from ..extensions import db


class SigningKey(db.Model):
    """A key that signs ID tokens. Retired keys stay published until every token they signed has expired."""

    __tablename__ = "signing_keys"

    id = db.Column(db.Integer, primary_key=True)
    kid = db.Column(db.String(64), nullable=False, unique=True)
    alg = db.Column(db.String(10), nullable=False)
    private_jwk = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.Integer, nullable=False, default=now)
    # A rotated-in key is published at once but signs only from here on, once every instance
    # (and every client that cached the JWKS) can have seen it. None: signs from creation.
    activates_at = db.Column(db.Integer)
    # Until then the key it replaces keeps signing; afterwards it is only published.
    retired_at = db.Column(db.Integer)
    publish_until = db.Column(db.Integer)
