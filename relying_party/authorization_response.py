"""Checks every relying party here makes on QSM's authorization response, before it spends the code."""
from .errors import QSMRefused

UNEXPECTED_ISSUER = "The response came from an unexpected issuer."
NO_ISSUER = "QSM's response did not say who sent it."


def check_response_issuer(args, expected_issuer, server_metadata):
    """RFC 9207: the response (an error response too) must come from the issuer we sent the
    browser to, and must say so when the issuer's discovery document promises that it always
    does (section 2.4: a response without ``iss`` is then refused)."""
    if "iss" in args:
        if args["iss"] != expected_issuer:
            raise QSMRefused(UNEXPECTED_ISSUER)
    elif server_metadata.get("authorization_response_iss_parameter_supported"):
        raise QSMRefused(NO_ISSUER)
