import secrets
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy.orm import validates

from ..clock import now
from ..extensions import db
from .columns import client_pk_column, seller_pk_column


def utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


def new_subject():
    # Random, never derived from the row number, so it cannot be guessed, reused or renumbered.
    return secrets.token_hex(16)


def new_public_seller_id():
    return "QS" + "".join(secrets.choice("0123456789") for _ in range(8))


def postal_address(seller):
    """The OpenID Connect address claim (Core 5.1.1) of a Seller, or of a row with its columns."""
    parts = {
        "street_address": seller.street_address,
        "locality": seller.locality,
        "region": seller.region,
        "postal_code": seller.postal_code,
        "country": seller.country,
    }
    parts = {k: v for k, v in parts.items() if v}
    lines = [
        seller.street_address,
        " ".join(p for p in (seller.locality, seller.region, seller.postal_code) if p),
        seller.country,
    ]
    parts["formatted"] = "\n".join(line for line in lines if line)
    return parts


def normalize_email(email):
    return (email or "").strip().lower()


def session_identity(sub, credentials_version):
    """What a browser session holds to name its seller (Flask-Login's user id): a password change
    bumps the version, so the sessions started before it name no one (idp.web's user loader)."""
    return f"{sub}:{credentials_version}"


class Seller(UserMixin, db.Model):
    __tablename__ = "sellers"

    id = db.Column(db.Integer, primary_key=True)
    sub = db.Column(db.String(64), nullable=False, unique=True, default=new_subject)
    seller_id = db.Column(db.String(20), nullable=False, unique=True, default=new_public_seller_id)
    email = db.Column(db.String(254), nullable=False, unique=True)
    email_verified = db.Column(db.Boolean, nullable=False, default=False)
    password_hash = db.Column(db.String(100), nullable=False)
    # Bumped on every password change: it is part of the session identity, so old sessions end.
    credentials_version = db.Column(db.Integer, nullable=False, default=1)
    shop_name = db.Column(db.String(120), nullable=False)
    contact_name = db.Column(db.String(120), nullable=False)
    phone = db.Column(db.String(32))
    street_address = db.Column(db.String(200))
    locality = db.Column(db.String(100))
    region = db.Column(db.String(100))
    postal_code = db.Column(db.String(20))
    country = db.Column(db.String(2))
    # The IANA zone the seller's pages show times in (My account > Time zone); None: the marketplace's.
    time_zone = db.Column(db.String(64))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.Integer, nullable=False, default=now, onupdate=now)

    @validates("email")
    def _store_normalized_email(self, key, email):
        # Lower case on every write keeps the unique constraint case-insensitive.
        return normalize_email(email)

    @validates("sub")
    def _keep_sub_forever(self, key, sub):
        # Relying parties key their accounts on ``sub``: once given, it never changes.
        if self.sub is not None and sub != self.sub:
            raise ValueError("a seller's sub never changes")
        return sub

    def get_id(self):
        return session_identity(self.sub, self.credentials_version)

    @property
    def address(self):
        return postal_address(self)

    def __repr__(self):
        return f"<Seller {self.seller_id}>"


class Order(db.Model):
    __tablename__ = "orders"

    id = db.Column(db.Integer, primary_key=True)
    seller_pk = seller_pk_column(nullable=False, index=True)
    order_no = db.Column(db.String(32), nullable=False, unique=True)
    buyer_name = db.Column(db.String(120), nullable=False)
    item_name = db.Column(db.String(200), nullable=False)
    quantity = db.Column(db.Integer, nullable=False, default=1)
    amount = db.Column(db.Numeric(12, 2), nullable=False)
    currency = db.Column(db.String(3), nullable=False, default="SGD")
    status = db.Column(db.String(20), nullable=False, default="paid")
    ordered_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    def to_json(self):
        return {
            "order_no": self.order_no,
            "buyer_name": self.buyer_name,
            "item_name": self.item_name,
            "quantity": self.quantity,
            "amount": f"{self.amount:.2f}",
            "currency": self.currency,
            "status": self.status,
            "ordered_at": self.ordered_at.replace(microsecond=0).isoformat() + "Z",
        }


FULFILLMENT_STATUSES = ("not_applied", "pending", "approved", "rejected")


class SmartInventoryLink(db.Model):
    """What SmartShip reported about a seller's SmartShip account, shown on the Qx Smart Inventory panel."""

    __tablename__ = "smart_inventory_links"

    id = db.Column(db.Integer, primary_key=True)
    seller_pk = seller_pk_column(nullable=False, unique=True)
    client_pk = client_pk_column(nullable=False)
    smartship_login_id = db.Column(db.String(254), nullable=False)
    fulfillment_status = db.Column(db.String(20), nullable=False, default="not_applied")
    linked_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def to_json(self):
        return {
            "smartship_login_id": self.smartship_login_id,
            "fulfillment_status": self.fulfillment_status,
            "linked_at": self.linked_at.replace(microsecond=0).isoformat() + "Z",
            "updated_at": self.updated_at.replace(microsecond=0).isoformat() + "Z",
        }
