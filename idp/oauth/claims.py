"""Scopes QSM understands, what each one means to a seller, and the claims each releases."""
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oidc.core import UserInfo
from flask_babel import gettext

from ..models.seller import postal_address


def N_(text):
    """Marks ``text`` for the catalogue (pybabel's N_); it is translated where it is shown."""
    return text


# What each scope means to a seller, in English; describe_scopes gives it in the page's language.
SCOPES = {
    "openid": N_("Sign you in with your QSM account"),
    "profile": N_("See your name, shop name and seller ID"),
    "email": N_("See your email address and whether it is verified"),
    "address": N_("See your business address"),
    "phone": N_("See your phone number"),
    "offline_access": N_("Keep access while you are away (until you revoke it)"),
    "qsm.orders.read": N_("Read your orders"),
    "qsm.inventory": N_("Read and update your Qx Smart Inventory link"),
}

# Scopes about the seller's identity or session: a token with no seller behind it never has them.
IDENTITY_SCOPES = ("openid", "profile", "email", "address", "phone", "offline_access")

CLAIMS_BY_SCOPE = {
    "profile": ("name", "shop_name", "seller_id", "updated_at"),
    "email": ("email", "email_verified"),
    "address": ("address",),
    "phone": ("phone_number",),
}

CLAIMS_SUPPORTED = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid"] + [
    claim for claims in CLAIMS_BY_SCOPE.values() for claim in claims
]


def describe_scopes(scope):
    """(name, what it means to a seller, in the page's language) for each scope QSM knows."""
    return [(name, gettext(SCOPES[name])) for name in scope_to_list(scope) or [] if name in SCOPES]


def seller_claims(seller, scope):
    """The claims of ``seller`` (a Seller, or a row with its columns) that ``scope`` releases,
    for ID tokens and UserInfo alike."""
    scopes = set(scope_to_list(scope) or [])
    claims = {"sub": seller.sub}
    if "profile" in scopes:
        claims.update(
            name=seller.contact_name,
            shop_name=seller.shop_name,
            seller_id=seller.seller_id,
            updated_at=seller.updated_at,
        )
    if "email" in scopes:
        claims.update(email=seller.email, email_verified=bool(seller.email_verified))
    address = postal_address(seller) if "address" in scopes else None
    if address and address.get("formatted"):
        claims["address"] = address
    if "phone" in scopes and seller.phone:
        claims["phone_number"] = seller.phone
    return UserInfo(claims)
