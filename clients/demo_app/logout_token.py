"""QSM's back-channel logout tokens, checked by the shared rules for this app's client."""
from flask import current_app

from relying_party.logout_tokens import LEEWAY, LogoutTokenRejected, validate_logout_token as validate

from . import qsm

__all__ = ["LEEWAY", "validate_logout_token"]


def validate_logout_token(logout_token):
    """Return the claims of a valid logout token; raise QSMRefused (or QSMUnavailable) otherwise."""
    try:
        return validate(logout_token, qsm.issuer(), current_app.config["CLIENT_ID"], qsm.fetch_signing_keys)
    except LogoutTokenRejected as error:
        raise qsm.QSMRefused(str(error)) from None
