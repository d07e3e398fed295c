"""Seller accounts: creation, authentication, email and password changes."""
import re
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin

from siteops.database import autocommit_engine
from siteops.statements import Statement

from ..extensions import db
from ..models import Seller
from ..models.seller import normalize_email, session_identity
from ..passwords import burn_password_check, check_password, hash_password

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 1024
# One @, no spaces, a dot in the domain: enough to catch typos; ownership is what verification proves.
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
COUNTRY_PATTERN = re.compile(r"[A-Z]{2}")
LIMITS = {
    "shop_name": 120,
    "contact_name": 120,
    "phone": 32,
    "street_address": 200,
    "locality": 100,
    "region": 100,
    "postal_code": 20,
}


class SellerError(ValueError):
    pass


def find_seller_by_email(email):
    return db.session.execute(db.select(Seller).filter_by(email=normalize_email(email))).scalar_one_or_none()


def check_email(email):
    email = normalize_email(email)
    if len(email) > 254 or not EMAIL_PATTERN.fullmatch(email):
        raise SellerError(_l("A valid email address is required."))
    return email


def check_new_password(password, email):
    if len(password or "") < PASSWORD_MIN_LENGTH:
        raise SellerError(_l("The password must have at least %(count)d characters.", count=PASSWORD_MIN_LENGTH))
    if len(password) > PASSWORD_MAX_LENGTH:
        raise SellerError(_l("The password must have at most %(count)d characters.", count=PASSWORD_MAX_LENGTH))
    if normalize_email(password) == email:
        raise SellerError(_l("The password must not be your email address."))


def check_details(shop_name, contact_name, details):
    values = {"shop_name": shop_name, "contact_name": contact_name, **details}
    unknown = set(values) - set(LIMITS) - {"country"}
    if unknown:
        raise SellerError(f"Unknown seller details: {', '.join(sorted(unknown))}.")
    cleaned = {name: (value or "").strip() or None for name, value in values.items()}
    for name in ("shop_name", "contact_name"):
        if not cleaned[name]:
            raise SellerError(f"The {name.replace('_', ' ')} is required.")
    for name, limit in LIMITS.items():
        if cleaned.get(name) and len(cleaned[name]) > limit:
            raise SellerError(f"The {name.replace('_', ' ')} must have at most {limit} characters.")
    if cleaned.get("country"):
        cleaned["country"] = cleaned["country"].upper()
        if not COUNTRY_PATTERN.fullmatch(cleaned["country"]):
            raise SellerError("The country must be a two-letter ISO 3166 code, such as SG.")
    return cleaned


def create_seller(email, password, shop_name, contact_name, email_verified=True, **details):
    email = check_email(email)
    if find_seller_by_email(email) is not None:
        raise SellerError(f"A seller with the email {email} already exists.")
    check_new_password(password, email)
    seller = Seller(
        email=email,
        email_verified=email_verified,
        password_hash=hash_password(password),
        **check_details(shop_name, contact_name, details),
    )
    db.session.add(seller)
    db.session.commit()
    return seller


# A login reads only what it checks and what the new session names (one plain query, in
# autocommit: no transaction, and the connection is back in the pool before bcrypt runs).
LOGIN_CANDIDATE = Statement(
    db.select(Seller.id, Seller.sub, Seller.credentials_version, Seller.password_hash).where(
        Seller.email == db.bindparam("email")
    )
)


class ProvenSeller(NamedTuple):
    """The seller whose password a login just checked: what the new session needs of them."""

    id: int
    sub: str
    credentials_version: int

    is_active = UserMixin.is_active
    is_authenticated = UserMixin.is_authenticated
    is_anonymous = UserMixin.is_anonymous

    def get_id(self):
        return session_identity(self.sub, self.credentials_version)


def authenticate(email, password):
    """The ProvenSeller these credentials belong to, or None; as slow for a missing account as
    for a wrong password."""
    with autocommit_engine(current_app).connect() as connection:
        row = LOGIN_CANDIDATE.first(connection, {"email": normalize_email(email)})
    if row is None:
        burn_password_check(password)
        return None
    return (
        ProvenSeller(row.id, row.sub, row.credentials_version) if check_password(password, row.password_hash) else None
    )


def change_password(seller, current_password, new_password):
    """Set a new password and end every other session of this seller."""
    if not check_password(current_password, seller.password_hash):
        raise SellerError(_l("The current password is not correct."))
    check_new_password(new_password, seller.email)
    seller.password_hash = hash_password(new_password)
    seller.credentials_version += 1
    db.session.commit()


def change_email(seller, new_email):
    """A new address must be verified again; ``sub`` stays, so linked sites keep the account."""
    new_email = check_email(new_email)
    if new_email == seller.email:
        return
    if find_seller_by_email(new_email) is not None:
        raise SellerError(f"A seller with the email {new_email} already exists.")
    seller.email = new_email
    seller.email_verified = False
    db.session.commit()
