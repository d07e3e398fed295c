"""QSM's authorization response, at the site's callback: every check a relying party here makes
before and while it spends the code, in order.

1. ``check_response_issuer``: RFC 9207, before anything else (an error response too).
2. ``check_error_response``: QSM answered with an error (the seller denied, or QSM refused).
3. ``finish_authorization``: state (Authlib, from the session), the code exchanged with the PKCE
   verifier, the ID token validated (signature from QSM's JWKS, issuer, audience, expiry, nonce),
   and one required: a token response without a validated ID token is refused. Then UserInfo,
   which must name the same ``sub``.
"""
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import OAuthError
from flask_babel import gettext as _, lazy_gettext as _l
from joserfc.errors import JoseError

from . import provider
from .errors import UNREACHABLE, QSMError, QSMRefused, QSMUnavailable

UNEXPECTED_ISSUER = _l("The response came from an unexpected issuer.")
NO_ISSUER = _l("QSM's response did not say who sent it.")
STATE_SPENT = _l("This login link has expired or was already used. Please start again.")
# What the ID token vouches for, over what UserInfo says.
ID_TOKEN_CLAIMS = ("sub", "iss", "aud", "auth_time", "sid")
# An error code from the query is echoed, cut to this length.
MAX_ERROR_LENGTH = 60


def check_response_issuer(args, expected_issuer, server_metadata):
    """RFC 9207: the response (an error response too) must come from the issuer we sent the
    browser to, and must say so when the issuer's discovery document promises that it always
    does (section 2.4: a response without ``iss`` is then refused)."""
    if "iss" in args:
        if args["iss"] != expected_issuer:
            raise QSMRefused(UNEXPECTED_ISSUER)
    elif server_metadata.get("authorization_response_iss_parameter_supported"):
        raise QSMRefused(NO_ISSUER)


def check_error_response(args, site_name):
    error = args.get("error")
    if not error:
        return
    if error == "access_denied":
        raise QSMRefused(
            _("You did not allow %(site)s to access your QSM account. Access was not granted.", site=site_name)
        )
    raise QSMRefused(_("QSM refused the request (%(error)s).", error=error[:MAX_ERROR_LENGTH]))


def finish_authorization(registration, args):
    """Validate the callback and fetch UserInfo. Returns (token, claims): UserInfo's claims with
    the validated ID token's ``ID_TOKEN_CLAIMS`` over them."""
    check_response_issuer(args, registration.issuer, provider.metadata(registration))
    check_error_response(args, registration.site_name)
    client = provider.authlib_client(registration)
    try:
        token = client.authorize_access_token()
        # Authlib validates an ID token only when it has the nonce to check: its claims
        # ("userinfo") are the proof it did.
        if "id_token" not in token or not token.get("userinfo"):
            raise QSMRefused(_("QSM did not return an identity token."))
        id_claims = token["userinfo"]
        info = client.userinfo(token=token)
    except QSMError:
        raise
    except OAuthError as error:
        if error.error in ("mismatching_state", "missing_state"):
            raise QSMRefused(STATE_SPENT) from error
        code = str(error.error)[:MAX_ERROR_LENGTH]
        raise QSMRefused(_("QSM refused the request (%(error)s).", error=code)) from error
    except (JoseError, AuthlibBaseError) as error:
        raise QSMRefused(_("The identity token from QSM could not be validated.")) from error
    except requests.HTTPError as error:
        raise QSMRefused(_("QSM refused to share your seller details.")) from error
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable(UNREACHABLE) from error
    if info.get("sub") != id_claims.get("sub"):
        raise QSMRefused(_("QSM's user information does not match the identity token."))
    claims = dict(info)
    claims.update({k: id_claims[k] for k in ID_TOKEN_CLAIMS if k in id_claims})
    return token, claims
