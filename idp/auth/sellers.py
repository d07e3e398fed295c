"""Seller accounts: creation, authentication and password changes."""
from ..extensions import db
from ..models import Seller
from ..models.seller import normalize_email
from ..passwords import burn_password_check, check_password, hash_password


class SellerError(ValueError):
    pass


def find_seller_by_email(email):
    return db.session.execute(db.select(Seller).filter_by(email=normalize_email(email))).scalar_one_or_none()


def create_seller(email, password, shop_name, contact_name, email_verified=True, **details):
    email = normalize_email(email)
    if not email or "@" not in email:
        raise SellerError("A valid email address is required.")
    if find_seller_by_email(email) is not None:
        raise SellerError(f"A seller with the email {email} already exists.")
    if len(password or "") < 10:
        raise SellerError("The password must have at least 10 characters.")
    seller = Seller(
        email=email,
        email_verified=email_verified,
        password_hash=hash_password(password),
        shop_name=shop_name,
        contact_name=contact_name,
        **details,
    )
    db.session.add(seller)
    db.session.commit()
    return seller


def authenticate(email, password):
    """The seller these credentials belong to, or None; as slow for a missing account as for a wrong password."""
    seller = find_seller_by_email(email)
    if seller is None:
        burn_password_check(password)
        return None
    return seller if check_password(password, seller.password_hash) else None


def change_password(seller, current_password, new_password):
    if not check_password(current_password, seller.password_hash):
        raise SellerError("The current password is not correct.")
    if new_password.strip().lower() == seller.email:
        raise SellerError("The new password must not be your email address.")
    seller.password_hash = hash_password(new_password)
    seller.credentials_version += 1
    db.session.commit()
