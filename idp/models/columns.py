"""Columns many of QSM's tables hold: the seller and the app a row belongs to (the row gone with
them, ON DELETE CASCADE), and the digest of a secret QSM does not keep."""
from sqlalchemy.orm import declared_attr

from ..extensions import db


def seller_pk_column(**options):
    return db.Column(db.Integer, db.ForeignKey("sellers.id", ondelete="CASCADE"), **options)


def client_pk_column(**options):
    return db.Column(db.Integer, db.ForeignKey("oauth_clients.id", ondelete="CASCADE"), **options)


def digest_column(nullable=False, unique=True):
    """The SHA-256 hex digest (digests.py) of a code, token, handle or secret: QSM keeps only this,
    and finds the row by it."""
    return db.Column(db.String(64), nullable=nullable, unique=unique)


class ForASellerAndApp:
    """Mixin: a row one seller holds for one app (an authorization code, a client secret waiting to
    be shown), found by either and gone with either."""

    @declared_attr
    def seller_pk(cls):
        return seller_pk_column(nullable=False, index=True)

    @declared_attr
    def client_pk(cls):
        return client_pk_column(nullable=False, index=True)
