"""The client's tokens at QSM's token and revocation endpoints, and QSM's seller API called with them.

* ``expires_at``: when an access token stops working (QSM's ``expires_in``, one hour if it says none).
* ``refresh``: QSM rotates refresh tokens, so the answer holds the next one; a refused grant is
  QSMAccessRevoked (the seller must authorize again), a refused client registration is not.
* ``revoke_access_token``: best effort (RFC 7009), for a session that has ended.
* ``call_api``: 401 is QSMAccessRevoked, any other error status QSMUnavailable.
"""
import time

import requests
from authlib.integrations.base_client import OAuthError
from flask import current_app
from flask_babel import gettext as _

from . import provider
from .errors import UNREACHABLE, QSMAccessRevoked, QSMError, QSMUnavailable

DEFAULT_LIFETIME = 3600


def expires_at(token):
    if token.get("expires_at"):
        return int(token["expires_at"])
    return int(time.time()) + int(token.get("expires_in", DEFAULT_LIFETIME))


def refresh(registration, refresh_token):
    """Exchange a refresh token; the answer holds the next one."""
    token_endpoint = provider.metadata(registration)["token_endpoint"]
    try:
        with provider.client_session(registration) as session:
            return session.refresh_token(token_endpoint, refresh_token=refresh_token)
    except OAuthError as error:
        if error.error in ("invalid_grant", "unauthorized_client"):
            raise QSMAccessRevoked(_("%(site)s's access to QSM was revoked.", site=registration.site_name)) from error
        # invalid_client is the site's own registration (say, a secret mid-rotation), not the
        # seller's grant: keep the grant and let an operator fix the configuration.
        raise QSMUnavailable(_("QSM could not refresh %(site)s's access.", site=registration.site_name)) from error
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable(UNREACHABLE) from error


def revoke_access_token(registration, access_token):
    """Best effort (RFC 7009): True when QSM confirmed; failures are logged, never raised."""
    try:
        endpoint = provider.metadata(registration).get("revocation_endpoint")
        if not endpoint:
            return False
        with provider.client_session(registration) as session:
            response = session.revoke_token(endpoint, access_token, token_type_hint="access_token")
        return response.status_code == 200
    except (QSMError, requests.RequestException, ValueError, OAuthError) as error:
        current_app.logger.warning("could not revoke the access token at QSM: %s", type(error).__name__)
        return False


def call_api(registration, access_token, method, path, *, revoked, failed, **kwargs):
    """Call QSM's seller API at ``path`` below the issuer; the decoded JSON.

    ``revoked`` is the message of the QSMAccessRevoked a 401 raises; ``failed`` that of the
    QSMUnavailable any other error status raises (``{status}`` is replaced by the status code);
    either may be a lazy (translated) string.
    """
    url = registration.issuer + path
    try:
        with provider.client_session(registration, access_token) as session:
            response = session.request(method, url, **kwargs)
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable(UNREACHABLE) from error
    if response.status_code == 401:
        raise QSMAccessRevoked(revoked)
    if response.status_code >= 400:
        raise QSMUnavailable(str(failed).replace("{status}", str(response.status_code)))
    try:
        return response.json()
    except ValueError as error:
        raise QSMUnavailable(unreadable(registration)) from error


def unreadable(registration):
    return _("QSM sent an answer %(site)s could not read.", site=registration.site_name)
