from .audit import AuditEvent
from .keys import SigningKey
from .oauth import AuthorizationCode, Consent, OAuthClient, Token, TokenFamily
from .seller import Order, Seller, SmartInventoryLink

__all__ = [
    "AuditEvent",
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
