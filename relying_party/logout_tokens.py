"""Validating an OpenID Connect Back-Channel Logout token (Back-Channel Logout 1.0, section 2.6).

One small named check per rule; a site gives the issuer and client it expects and a way to
fetch the issuer's JWKS (``fetch_keys(force)``), and gets the claims or a LogoutTokenRejected.
"""
import time

from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LEEWAY = 60
ALGORITHMS = ["RS256", "ES256"]


class LogoutTokenRejected(ValueError):
    """The token is not acceptable; the message says why and is safe to return."""


def verify_signature(logout_token, fetch_keys):
    """Decode with the issuer's published keys, fetching them again once for an unseen key ID."""
    try:
        try:
            return jwt.decode(logout_token, KeySet.import_key_set(fetch_keys(False)), algorithms=ALGORITHMS)
        except InvalidKeyIdError:
            return jwt.decode(logout_token, KeySet.import_key_set(fetch_keys(True)), algorithms=ALGORITHMS)
    except (JoseError, ValueError) as error:
        raise LogoutTokenRejected("The logout token's signature is not valid.") from error


def _audiences(claims):
    audience = claims.get("aud")
    return [audience] if isinstance(audience, str) else (audience if isinstance(audience, list) else [])


def wrong_issuer(claims, expected, now):
    return claims.get("iss") != expected["issuer"]


def not_for_us(claims, expected, now):
    return expected["client_id"] not in _audiences(claims)


def issued_in_future(claims, expected, now):
    return not isinstance(claims.get("iat"), int) or claims["iat"] > now + LEEWAY


def expired(claims, expected, now):
    return not isinstance(claims.get("exp"), int) or claims["exp"] < now - LEEWAY


def no_jti(claims, expected, now):
    return not claims.get("jti") or not isinstance(claims["jti"], str)


def not_a_logout_event(claims, expected, now):
    events = claims.get("events")
    return not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict)


def has_nonce(claims, expected, now):
    # A nonce would make it look like an ID token; the spec forbids it so one cannot pass as the other.
    return "nonce" in claims


def names_nobody(claims, expected, now):
    return not claims.get("sub") and not claims.get("sid")


CHECKS = [
    (wrong_issuer, "issuer"),
    (not_for_us, "audience"),
    (issued_in_future, "iat"),
    (expired, "expired"),
    (no_jti, "jti"),
    (not_a_logout_event, "events"),
    (has_nonce, "nonce"),
    (names_nobody, "sub or sid"),
]


def validate_logout_token(logout_token, issuer, client_id, fetch_keys):
    """The claims of a valid logout token; LogoutTokenRejected otherwise. ``fetch_keys`` may
    raise its own error when the keys cannot be fetched (the caller decides what that means)."""
    claims = verify_signature(logout_token, fetch_keys).claims
    expected = {"issuer": issuer, "client_id": client_id}
    now = time.time()
    failed = [name for check, name in CHECKS if check(claims, expected, now)]
    if failed:
        raise LogoutTokenRejected(f"The logout token is not acceptable ({', '.join(failed)}).")
    return claims
