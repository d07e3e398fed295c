"""Parcel Pal as an OAuth client of one QSM: its registration (from its config) and what it asks of
QSM. The rules of talking to QSM live in ``relying_party/`` (see its modules); what is Parcel Pal's
own is here: it PUSHES its authorization requests (RFC 9126, QSM registers it as requiring PAR),
it reads one page of orders, and it revokes its access token when the seller logs out.

Every failure is a QSMError (QSMUnavailable when QSM could not be reached or answered badly;
QSMRefused when it refused or sent something that does not validate), so views show a page,
never a traceback. Their messages (relying_party's and Parcel Pal's own) are in the page's
language; ``message(error)`` is what the seller reads.
"""
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from relying_party import authorization_request, authorization_response, rp_initiated_logout, tokens
from relying_party.errors import QSMAccessRevoked, QSMError, QSMRefused, QSMUnavailable  # noqa: F401 (re-exported)
from relying_party.registration import Registration

SITE_NAME = "Parcel Pal"
REVOKED = _l("Access to your QSM account was revoked. Log in again to reconnect.")
# {status}: the status code QSM answered (relying_party.tokens.call_api).
ORDERS_FAILED = _l("QSM could not list your orders right now (it answered {status}). Please try again.")


def registration():
    config = current_app.config
    return Registration(
        name="qsm",
        issuer=config["QSM_ISSUER"],
        client_id=config["CLIENT_ID"],
        client_secret=config["CLIENT_SECRET"],
        scope=config["QSM_SCOPE"],
        timeout=config["QSM_TIMEOUT_SECONDS"],
        site_name=SITE_NAME,
        registry_key="demo_app_oauth",
    )


def callback_url():
    return current_app.config["BASE_URL"] + url_for("site.callback")


def home_url():
    return current_app.config["BASE_URL"] + url_for("site.home")


def authorization_redirect():
    """Send the seller to QSM with a pushed authorization request (relying_party.authorization_request)."""
    return authorization_request.pushed_redirect(registration(), callback_url())


def finish_authorization(args):
    """(token, claims) of a valid callback (relying_party.authorization_response)."""
    return authorization_response.finish_authorization(registration(), args)


token_expires_at = tokens.expires_at


def recent_orders(access_token, per_page):
    """The newest page of the seller's orders. 401 raises QSMAccessRevoked."""
    data = tokens.call_api(
        registration(),
        access_token,
        "GET",
        "/api/v1/orders",
        params={"page": 1, "per_page": per_page},
        revoked=REVOKED,
        failed=ORDERS_FAILED,
    )
    if not isinstance(data, dict) or not isinstance(data.get("orders"), list):
        raise QSMUnavailable(tokens.unreadable(registration()))
    return data


def revoke_access_token(access_token):
    """Best effort (RFC 7009): a logged-out session's token should stop working at once."""
    return tokens.revoke_access_token(registration(), access_token)


def end_session_url(id_token):
    """QSM's RP-initiated logout URL for this session, back to Parcel Pal's home; None when QSM cannot be asked."""
    return rp_initiated_logout.end_session_url(registration(), id_token, home_url())


def message(error):
    """What the seller reads for ``error`` (a QSMError, or a message): relying_party's messages
    and Parcel Pal's own are translated when raised, in the page's language."""
    return str(error)
