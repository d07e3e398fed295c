from .audit import AuditEvent
from .keys import SigningKey
from .login_session import LoginSession, SessionClient
from .oauth import AuthorizationCode, Consent, OAuthClient, RevokedClientToken, Token, TokenFamily
from .passkey import Passkey
from .pending_secret import PendingClientSecret
from .pushed_request import PushedAuthorizationRequest
from .seller import Order, Seller, SmartInventoryLink

__all__ = [
    "AuditEvent",
    "AuthorizationCode",
    "Consent",
    "LoginSession",
    "OAuthClient",
    "Order",
    "Passkey",
    "PendingClientSecret",
    "PushedAuthorizationRequest",
    "RevokedClientToken",
    "Seller",
    "SessionClient",
    "SigningKey",
    "SmartInventoryLink",
    "Token",
    "TokenFamily",
]
