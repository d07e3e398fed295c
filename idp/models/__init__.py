from .keys import SigningKey
from .oauth import AuthorizationCode, Consent, OAuthClient, Token, TokenFamily
from .seller import Order, Seller, SmartInventoryLink

__all__ = [
    "AuthorizationCode",
    "Consent",
    "OAuthClient",
    "Order",
    "Seller",
    "SigningKey",
    "SmartInventoryLink",
    "Token",
    "TokenFamily",
]
