"""SmartShip's accounts and their links to QSM sellers."""
import json
from datetime import UTC, datetime

from flask_login import UserMixin

from .extensions import db


def utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


def normalize_login(value):
    return (value or "").strip().lower()


def account_id_column(**options):
    """The account a row belongs to; the row goes with it (ON DELETE CASCADE)."""
    return db.Column(db.Integer, db.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, **options)


def digest_column():
    """The SHA-256 hex digest of a handle or token the browser or a mail holds: SmartShip keeps
    only this, and finds the row by it."""
    return db.Column(db.String(64), nullable=False, unique=True)


class Account(UserMixin, db.Model):
    __tablename__ = "accounts"

    id = db.Column(db.Integer, primary_key=True)
    login_id = db.Column(db.String(254), nullable=False, unique=True)
    email = db.Column(db.String(254), nullable=False, index=True)
    # Set only when SmartShip itself confirmed the address (a link it sent, or QSM saying
    # email_verified for the seller it signed up). Email matching trusts nothing else.
    email_confirmed_at = db.Column(db.DateTime)
    # Accounts made by linked sign-up have none until the seller sets one by password reset.
    password_hash = db.Column(db.String(100))
    credentials_version = db.Column(db.Integer, nullable=False, default=1)
    name = db.Column(db.String(120))
    shop_name = db.Column(db.String(120))
    phone = db.Column(db.String(32))
    address_json = db.Column(db.Text, nullable=False, default="{}")
    is_primary = db.Column(db.Boolean, nullable=False, default=False)
    terms_agreed_at = db.Column(db.DateTime)
    privacy_agreed_at = db.Column(db.DateTime)
    qsm_data_agreed_at = db.Column(db.DateTime)
    marketing_opt_in = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    links = db.relationship("QsmLink", back_populates="account", lazy="selectin")

    def get_id(self):
        return f"{self.id}:{self.credentials_version}"

    @property
    def address(self):
        return json.loads(self.address_json or "{}")

    @address.setter
    def address(self, value):
        self.address_json = json.dumps(value or {})

    @property
    def has_password(self):
        return self.password_hash is not None


class QsmLink(db.Model):
    """One QSM seller (a platform and its `sub`) linked to one SmartShip account."""

    __tablename__ = "qsm_links"
    __table_args__ = (
        db.UniqueConstraint("platform", "sub", name="uq_qsm_links_platform_sub"),
        db.UniqueConstraint("account_id", "platform", name="uq_qsm_links_account_platform"),
    )

    id = db.Column(db.Integer, primary_key=True)
    account_id = account_id_column()
    platform = db.Column(db.String(40), nullable=False)
    sub = db.Column(db.String(255), nullable=False)
    seller_id = db.Column(db.String(40))
    shop_name = db.Column(db.String(120))
    refresh_token_encrypted = db.Column(db.Text)
    access_token_encrypted = db.Column(db.Text)
    access_expires_at = db.Column(db.Integer, nullable=False, default=0)
    # A short lease so that only one request at a time spends the refresh token:
    # QSM rotates it, and a second use would look like theft and revoke the grant.
    refresh_lease_until = db.Column(db.Integer)
    needs_reauthorization = db.Column(db.Boolean, nullable=False, default=False)
    inventory_reported_status = db.Column(db.String(20))
    last_synced_at = db.Column(db.DateTime)
    linked_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    account = db.relationship("Account", back_populates="links")


class PendingSignup(db.Model):
    """What QSM told us about a seller, kept server-side between the callback and Done."""

    __tablename__ = "pending_signups"

    id = db.Column(db.Integer, primary_key=True)
    handle_hash = digest_column()
    platform = db.Column(db.String(40), nullable=False)
    sub = db.Column(db.String(255), nullable=False)
    claims_json = db.Column(db.Text, nullable=False)
    token_encrypted = db.Column(db.Text, nullable=False)
    expires_at = db.Column(db.Integer, nullable=False, index=True)

    @property
    def claims(self):
        return json.loads(self.claims_json)


class ImportedOrder(db.Model):
    __tablename__ = "imported_orders"
    __table_args__ = (db.UniqueConstraint("platform", "order_no", name="uq_imported_orders_platform_order_no"),)

    id = db.Column(db.Integer, primary_key=True)
    account_id = account_id_column(index=True)
    platform = db.Column(db.String(40), nullable=False)
    order_no = db.Column(db.String(40), nullable=False)
    buyer_name = db.Column(db.String(120))
    item_name = db.Column(db.String(200))
    quantity = db.Column(db.Integer)
    amount = db.Column(db.String(20))
    currency = db.Column(db.String(3))
    status = db.Column(db.String(20))
    ordered_at = db.Column(db.String(40))
    imported_at = db.Column(db.DateTime, nullable=False, default=utcnow)


FULFILLMENT_STATUSES = ("not_applied", "pending", "approved", "rejected")


class FulfillmentApplication(db.Model):
    __tablename__ = "fulfillment_applications"

    id = db.Column(db.Integer, primary_key=True)
    account_id = account_id_column(unique=True)
    status = db.Column(db.String(20), nullable=False, default="not_applied")
    warehouse = db.Column(db.String(80))
    applied_at = db.Column(db.DateTime)
    decided_at = db.Column(db.DateTime)

    account = db.relationship("Account")


class AccountToken(db.Model):
    """A one-time link sent by email (password reset, email confirmation), stored as a digest."""

    __tablename__ = "account_tokens"

    id = db.Column(db.Integer, primary_key=True)
    token_hash = digest_column()
    purpose = db.Column(db.String(20), nullable=False)
    account_id = account_id_column(index=True)
    account = db.relationship("Account")
    # The link dies when the account's credentials change by any means.
    credentials_version = db.Column(db.Integer, nullable=False)
    email = db.Column(db.String(254), nullable=False)
    expires_at = db.Column(db.Integer, nullable=False, index=True)
    used_at = db.Column(db.Integer)


class LoginSession(db.Model):
    """A signed-in browser. Server-side, so that QSM's back-channel logout can end it."""

    __tablename__ = "login_sessions"

    id = db.Column(db.Integer, primary_key=True)
    token_hash = digest_column()
    account_id = account_id_column(index=True)
    via = db.Column(db.String(20), nullable=False)
    platform = db.Column(db.String(40))
    qsm_sub = db.Column(db.String(255))
    qsm_sid = db.Column(db.String(255))
    # Kept (encrypted) as the id_token_hint of RP-initiated logout at QSM.
    id_token_encrypted = db.Column(db.Text)
    created_at = db.Column(db.Integer, nullable=False)
    expires_at = db.Column(db.Integer, nullable=False, index=True)
    ended_at = db.Column(db.Integer)

    __table_args__ = (
        db.Index("ix_login_sessions_platform_sid", "platform", "qsm_sid"),
        db.Index("ix_login_sessions_platform_sub", "platform", "qsm_sub"),
    )


class SeenLogoutToken(db.Model):
    """jti of back-channel logout tokens already acted on, kept until they expire (replay defence)."""

    __tablename__ = "seen_logout_tokens"

    jti = db.Column(db.String(255), primary_key=True)
    platform = db.Column(db.String(40), primary_key=True)
    expires_at = db.Column(db.Integer, nullable=False, index=True)
