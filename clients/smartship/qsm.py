"""SmartShip as an OAuth client of QSM: its registrations (one per configured platform) and what it
asks of QSM. The rules of talking to QSM live in ``relying_party/`` (see its modules); what is
SmartShip's own is here: several QSM platforms (Qoo10 Singapore, Qoo10 Global, ...), each its own
issuer with its own client registration, a plain authorization request, and QSM's seller API
called with a refreshed token (qsm_access.py).

Every failure is a QSMError (QSMUnavailable when QSM could not be reached or answered badly;
QSMRefused when it answered with an error or a token that does not validate), so that views can
show a page instead of a traceback.
"""
from flask import current_app, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from relying_party import authorization_request, authorization_response, rp_initiated_logout, tokens
from relying_party.errors import QSMAccessRevoked, QSMError, QSMRefused, QSMUnavailable  # noqa: F401 (re-exported)
from relying_party.registration import Registration


def platforms():
    return {p["id"]: p for p in current_app.config["PLATFORMS"]}


def get_platform(platform_id):
    platform = platforms().get(platform_id)
    if platform is None:
        raise QSMRefused(_("This marketplace is not connected to SmartShip."))
    return platform


def default_platform_id():
    return current_app.config["PLATFORMS"][0]["id"]


def registration(platform_id):
    """SmartShip's client at this platform's QSM; QSMRefused for a platform it does not know."""
    platform = get_platform(platform_id)
    return Registration(
        name=platform_id,
        issuer=platform["issuer"],
        client_id=platform["client_id"],
        client_secret=platform["client_secret"],
        scope=current_app.config["QSM_SCOPE"],
        timeout=current_app.config["QSM_TIMEOUT_SECONDS"],
        site_name="SmartShip",
        registry_key="smartship_oauth",
    )


def callback_url(platform_id):
    return current_app.config["BASE_URL"] + url_for("signup.callback", platform_id=platform_id)


def authorization_redirect(platform_id, **extra):
    """Send the seller to this platform's QSM (relying_party.authorization_request)."""
    return authorization_request.redirect_to_qsm(registration(platform_id), callback_url(platform_id), **extra)


def finish_authorization(platform_id, args):
    """(token, claims) of a valid callback (relying_party.authorization_response)."""
    return authorization_response.finish_authorization(registration(platform_id), args)


def refresh(platform_id, refresh_token):
    """Exchange a refresh token; QSM rotates it, so the answer holds the next one."""
    return tokens.refresh(registration(platform_id), refresh_token)


def call_api(platform_id, access_token, method, path, **kwargs):
    """Call QSM's seller API. Returns the decoded JSON; 401 raises QSMAccessRevoked."""
    return tokens.call_api(
        registration(platform_id),
        access_token,
        method,
        path,
        revoked=_l("QSM no longer accepts SmartShip's access token."),
        # {status}: the status code QSM answered (relying_party.tokens.call_api).
        failed=_("QSM answered {status} to %(path)s.", path=path),
        **kwargs,
    )


expires_at = tokens.expires_at


def end_session_url(platform_id, id_token, return_path):
    """QSM's RP-initiated logout URL for this session, or None when QSM cannot be asked."""
    try:
        client = registration(platform_id)
    except QSMError:
        return None
    return rp_initiated_logout.end_session_url(client, id_token, current_app.config["BASE_URL"] + return_path)
