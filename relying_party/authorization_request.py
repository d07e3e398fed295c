"""Sending the seller to QSM: the authorization request, code flow with PKCE S256, state and nonce.

Two ways, one rule each:

* ``redirect_to_qsm``: a plain request in the browser's URL (SmartShip).
* ``pushed_redirect``: the whole request POSTed to QSM first (RFC 9126, PAR), authenticated as at
  the token endpoint, and only its single-use ``request_uri`` in the browser's URL (Parcel Pal,
  which QSM registers as requiring it): nothing in the request can be read or changed on the way,
  and a request QSM would refuse is refused here, not in the browser.

Either way Authlib keeps state, nonce and the PKCE verifier in the session under the
registration's name, where ``authorization_response.finish_authorization`` finds them.
"""
from urllib.parse import urlsplit

import requests
from authlib.common.urls import add_params_to_uri, url_decode
from flask import current_app, redirect
from flask_babel import gettext as _

from . import provider
from .errors import UNREACHABLE, QSMRefused, QSMUnavailable


def redirect_to_qsm(registration, callback_url, **extra):
    """A redirect to QSM's authorization endpoint with the whole request in its query."""
    provider.metadata(registration)
    try:
        return provider.authlib_client(registration).authorize_redirect(callback_url, **extra)
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable(UNREACHABLE) from error


def pushed_redirect(registration, callback_url):
    """A redirect to QSM's authorization endpoint carrying only ``client_id`` and the
    ``request_uri`` of the request pushed first. State, nonce and the PKCE verifier are saved only
    once the push has succeeded: a failed push leaves nothing behind."""
    server_metadata = provider.metadata(registration)
    endpoint = server_metadata.get("pushed_authorization_request_endpoint")
    authorization_endpoint = server_metadata.get("authorization_endpoint")
    if not endpoint or not authorization_endpoint:
        raise QSMUnavailable(
            _("QSM does not take pushed authorization requests, which %(site)s needs.", site=registration.site_name)
        )
    client = provider.authlib_client(registration)
    try:
        request = client.create_authorization_url(callback_url)
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable(UNREACHABLE) from error
    parameters = dict(url_decode(urlsplit(request.pop("url")).query))
    request_uri = push_authorization_request(registration, endpoint, parameters)
    client.save_authorize_data(redirect_uri=callback_url, **request)
    return redirect(
        add_params_to_uri(authorization_endpoint, {"client_id": registration.client_id, "request_uri": request_uri})
    )


def push_authorization_request(registration, endpoint, parameters):
    """POST the authorization request to QSM's PAR endpoint, authenticated as at the token
    endpoint; the ``request_uri`` it answers."""
    try:
        with provider.client_session(registration) as session:
            response = session.post(
                endpoint,
                data=parameters,
                auth=session.client_auth(session.token_endpoint_auth_method),
                withhold_token=True,
            )
    except requests.RequestException as error:
        raise QSMUnavailable(UNREACHABLE) from error
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code in (400, 401) and isinstance(body, dict) and isinstance(body.get("error"), str):
        # QSM refused the request itself (RFC 9126 2.3): nothing the seller can fix by retrying.
        current_app.logger.warning(
            "QSM refused the pushed authorization request: %.60s %.200s",
            body["error"],
            body.get("error_description", ""),
        )
        site, code = registration.site_name, body["error"][:60]
        raise QSMRefused(_("QSM refused %(site)s's login request (%(error)s).", site=site, error=code))
    if response.status_code != 201:
        raise QSMUnavailable(
            _("QSM could not start the login right now (it answered %(status)s). Please try again.",
              status=response.status_code)
        )
    request_uri = body.get("request_uri") if isinstance(body, dict) else None
    if not isinstance(request_uri, str) or not request_uri:
        raise QSMUnavailable(_("QSM sent an answer %(site)s could not read.", site=registration.site_name))
    return request_uri
