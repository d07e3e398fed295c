"""Parcel Pal as an OAuth client of one QSM: its registration (from its config) and what it asks of
QSM. The rules of talking to QSM live in ``relying_party/`` (see its modules); what is Parcel Pal's
own is here: it PUSHES its authorization requests (RFC 9126, QSM registers it as requiring PAR),
it reads one page of orders, and it revokes its access token when the seller logs out.

Every failure is a QSMError (QSMUnavailable when QSM could not be reached or answered badly;
QSMRefused when it refused or sent something that does not validate), so views show a page,
never a traceback. Their messages are English (relying_party's own); ``message(error)`` is what
the seller reads, in the page's language.
"""
import re

from flask import current_app, url_for
from flask_babel import gettext as _

from relying_party import authorization_request, authorization_response, rp_initiated_logout, tokens
from relying_party.errors import QSMAccessRevoked, QSMError, QSMRefused, QSMUnavailable  # noqa: F401 (re-exported)
from relying_party.registration import Registration

SITE_NAME = "Parcel Pal"
REVOKED = "Access to your QSM account was revoked. Log in again to reconnect."
UNREADABLE = f"QSM sent an answer {SITE_NAME} could not read."
ORDERS_FAILED = "QSM could not list your orders right now (it answered {status}). Please try again."


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
        raise QSMUnavailable(UNREADABLE)
    return data


def revoke_access_token(access_token):
    """Best effort (RFC 7009): a logged-out session's token should stop working at once."""
    return tokens.revoke_access_token(registration(), access_token)


def end_session_url(id_token):
    """QSM's RP-initiated logout URL for this session, back to Parcel Pal's home; None when QSM cannot be asked."""
    return rp_initiated_logout.end_session_url(registration(), id_token, home_url())


# The messages of relying_party's QSMErrors (with this registration's site name) and of Parcel
# Pal's own, each with its translation; a message not here is shown as it is (in English).
MESSAGES = {
    "QSM cannot be reached right now. Please try again in a moment.": lambda: _(
        "QSM cannot be reached right now. Please try again in a moment."
    ),
    f"QSM does not take pushed authorization requests, which {SITE_NAME} needs.": lambda: _(
        "QSM does not take pushed authorization requests, which Parcel Pal needs."
    ),
    UNREADABLE: lambda: _("QSM sent an answer Parcel Pal could not read."),
    REVOKED: lambda: _("Access to your QSM account was revoked. Log in again to reconnect."),
    f"{SITE_NAME}'s access to QSM was revoked.": lambda: _("Parcel Pal's access to QSM was revoked."),
    f"QSM could not refresh {SITE_NAME}'s access.": lambda: _("QSM could not refresh Parcel Pal's access."),
    "The response came from an unexpected issuer.": lambda: _("The response came from an unexpected issuer."),
    "QSM's response did not say who sent it.": lambda: _("QSM's response did not say who sent it."),
    "This login link has expired or was already used. Please start again.": lambda: _(
        "This login link has expired or was already used. Please start again."
    ),
    f"You did not allow {SITE_NAME} to access your QSM account. Access was not granted.": lambda: _(
        "You did not allow Parcel Pal to access your QSM account. Access was not granted."
    ),
    "QSM did not return an identity token.": lambda: _("QSM did not return an identity token."),
    "The identity token from QSM could not be validated.": lambda: _(
        "The identity token from QSM could not be validated."
    ),
    "QSM refused to share your seller details.": lambda: _("QSM refused to share your seller details."),
    "QSM's user information does not match the identity token.": lambda: _(
        "QSM's user information does not match the identity token."
    ),
    "QSM's discovery document names a different issuer.": lambda: _(
        "QSM's discovery document names a different issuer."
    ),
    "QSM's keys cannot be fetched.": lambda: _("QSM's keys cannot be fetched."),
}
# Those with a part of QSM's answer in them (an error code, a status).
PATTERNS = (
    (
        re.compile(rf"QSM refused {re.escape(SITE_NAME)}'s login request \((?P<error>.*)\)\.", re.DOTALL),
        lambda error: _("QSM refused Parcel Pal's login request (%(error)s).", error=error),
    ),
    (
        re.compile(r"QSM refused the request \((?P<error>.*)\)\.", re.DOTALL),
        lambda error: _("QSM refused the request (%(error)s).", error=error),
    ),
    (
        re.compile(r"QSM could not start the login right now \(it answered (?P<status>\d+)\)\. Please try again\."),
        lambda status: _(
            "QSM could not start the login right now (it answered %(status)s). Please try again.", status=status
        ),
    ),
    (
        re.compile(re.escape(ORDERS_FAILED).replace(re.escape("{status}"), r"(?P<status>\d+)")),
        lambda status: _(
            "QSM could not list your orders right now (it answered %(status)s). Please try again.", status=status
        ),
    ),
)


def message(error):
    """What the seller reads for ``error`` (a QSMError, or its message), in the page's language."""
    text = str(error)
    if text in MESSAGES:
        return MESSAGES[text]()
    for pattern, translated in PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return translated(**match.groupdict())
    return text
