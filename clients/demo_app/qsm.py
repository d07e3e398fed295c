"""Parcel Pal as an OAuth client of one QSM: it knows QSM only over HTTP, from the discovery document.

Every failure becomes QSMError (QSMUnavailable when QSM could not be reached or answered badly;
QSMRefused when it refused or sent something that does not validate), so views show a page,
never a traceback.
"""
import time
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.urls import add_params_to_uri, url_decode
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app, redirect, url_for
from joserfc.errors import JoseError

from relying_party import authorization_response
from relying_party.errors import QSMAccessRevoked, QSMError, QSMRefused, QSMUnavailable  # noqa: F401 (re-exported)

UNREACHABLE = "QSM cannot be reached right now. Please try again in a moment."
REVOKED = "Access to your QSM account was revoked. Log in again to reconnect."


def issuer():
    return current_app.config["QSM_ISSUER"]


def _client():
    oauth = current_app.extensions.get("demo_app_oauth")
    if oauth is None:
        oauth = OAuth(current_app)
        oauth.register(
            name="qsm",
            client_id=current_app.config["CLIENT_ID"],
            client_secret=current_app.config["CLIENT_SECRET"],
            server_metadata_url=issuer() + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": current_app.config["QSM_SCOPE"],
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic",
                "default_timeout": current_app.config["QSM_TIMEOUT_SECONDS"],
            },
        )
        current_app.extensions["demo_app_oauth"] = oauth
    return oauth.create_client("qsm")


def metadata():
    try:
        data = _client().load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable(UNREACHABLE) from error
    # The document must speak for the issuer we were configured with, or it could be a mix-up.
    if data.get("issuer") != issuer():
        raise QSMRefused("QSM's discovery document names a different issuer.")
    return data


def callback_url():
    return current_app.config["BASE_URL"] + url_for("site.callback")


def home_url():
    return current_app.config["BASE_URL"] + url_for("site.home")


def authorization_redirect():
    """Send the seller to QSM: code flow with PKCE S256, state and nonce, pushed first (RFC 9126).

    Parcel Pal sends the whole authorization request to QSM itself, authenticated, and the
    seller's browser carries only the ``request_uri`` QSM answers: nothing in the request can be
    read or changed on the way, and a request QSM would refuse is refused here, not in the browser.
    State, nonce and the PKCE verifier are kept by Authlib in the session, as for a plain request,
    but only once the push has succeeded: a failed push leaves nothing behind.
    """
    server_metadata = metadata()
    endpoint = server_metadata.get("pushed_authorization_request_endpoint")
    authorization_endpoint = server_metadata.get("authorization_endpoint")
    if not endpoint or not authorization_endpoint:
        raise QSMUnavailable("QSM does not take pushed authorization requests, which Parcel Pal needs.")
    client = _client()
    try:
        request = client.create_authorization_url(callback_url())
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable(UNREACHABLE) from error
    parameters = dict(url_decode(urlsplit(request.pop("url")).query))
    request_uri = push_authorization_request(endpoint, parameters)
    client.save_authorize_data(redirect_uri=callback_url(), **request)
    return redirect(
        add_params_to_uri(
            authorization_endpoint,
            {"client_id": current_app.config["CLIENT_ID"], "request_uri": request_uri},
        )
    )


def push_authorization_request(endpoint, parameters):
    """POST the authorization request to QSM's PAR endpoint, authenticated as at the token
    endpoint; the ``request_uri`` it answers."""
    try:
        with _api_session() as session:
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
        raise QSMRefused(f"QSM refused Parcel Pal's login request ({body['error'][:60]}).")
    if response.status_code != 201:
        raise QSMUnavailable(
            f"QSM could not start the login right now (it answered {response.status_code}). Please try again."
        )
    request_uri = body.get("request_uri") if isinstance(body, dict) else None
    if not isinstance(request_uri, str) or not request_uri:
        raise QSMUnavailable("QSM sent an answer Parcel Pal could not read.")
    return request_uri


def check_error_response(args):
    error = args.get("error")
    if not error:
        return
    if error == "access_denied":
        raise QSMRefused("You did not allow Parcel Pal to access your QSM account.")
    raise QSMRefused(f"QSM refused the request ({error[:60]}).")


def finish_authorization(args):
    """Validate the callback (iss, state, code exchange, ID token) and fetch UserInfo.

    Returns (token, claims); claims merge UserInfo and the validated ID token.
    """
    server_metadata = metadata()
    authorization_response.check_response_issuer(args, issuer(), server_metadata)
    check_error_response(args)
    client = _client()
    try:
        token = client.authorize_access_token()
        if "id_token" not in token or not token.get("userinfo"):
            raise QSMRefused("QSM did not return an identity token.")
        id_claims = token["userinfo"]
        info = client.userinfo(token=token)
    except QSMError:
        raise
    except OAuthError as error:
        if error.error in ("mismatching_state", "missing_state"):
            raise QSMRefused("This login link has expired or was already used. Please start again.") from error
        raise QSMRefused(f"QSM refused the request ({error.error}).") from error
    except (JoseError, AuthlibBaseError) as error:
        raise QSMRefused("The identity token from QSM could not be validated.") from error
    except requests.HTTPError as error:
        raise QSMRefused("QSM refused to share your seller details.") from error
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable(UNREACHABLE) from error
    if info.get("sub") != id_claims.get("sub"):
        raise QSMRefused("QSM's user information does not match the identity token.")
    claims = dict(info)
    claims.update({k: id_claims[k] for k in ("sub", "iss", "aud", "auth_time", "sid") if k in id_claims})
    return token, claims


def token_expires_at(token):
    if token.get("expires_at"):
        return int(token["expires_at"])
    return int(time.time()) + int(token.get("expires_in", 3600))


def _api_session(access_token=None):
    config = current_app.config
    return OAuth2Session(
        config["CLIENT_ID"],
        config["CLIENT_SECRET"],
        token={"access_token": access_token, "token_type": "Bearer"} if access_token else None,
        token_endpoint_auth_method="client_secret_basic",
        default_timeout=config["QSM_TIMEOUT_SECONDS"],
    )


def recent_orders(access_token, per_page):
    """The newest page of the seller's orders. 401 raises QSMAccessRevoked."""
    url = issuer() + "/api/v1/orders"
    try:
        with _api_session(access_token) as session:
            response = session.get(url, params={"page": 1, "per_page": per_page})
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable(UNREACHABLE) from error
    if response.status_code == 401:
        raise QSMAccessRevoked(REVOKED)
    if response.status_code >= 400:
        raise QSMUnavailable(
            f"QSM could not list your orders right now (it answered {response.status_code}). Please try again."
        )
    try:
        data = response.json()
        orders = data["orders"]
        if not isinstance(orders, list):
            raise ValueError("orders is not a list")
    except (ValueError, KeyError, TypeError) as error:
        raise QSMUnavailable("QSM sent an answer Parcel Pal could not read.") from error
    return data


def revoke_access_token(access_token):
    """Best effort (RFC 7009): a logged-out session's token should stop working at once."""
    try:
        endpoint = metadata().get("revocation_endpoint")
        if not endpoint:
            return False
        with _api_session() as session:
            response = session.revoke_token(endpoint, access_token, token_type_hint="access_token")
        return response.status_code == 200
    except (QSMError, requests.RequestException, ValueError, OAuthError) as error:
        current_app.logger.warning("could not revoke the access token at QSM: %s", type(error).__name__)
        return False


def end_session_url(id_token):
    """QSM's RP-initiated logout URL for this session, or None when QSM cannot be asked."""
    try:
        endpoint = metadata().get("end_session_endpoint")
    except QSMError:
        return None
    if not endpoint:
        return None
    return add_params_to_uri(
        endpoint,
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": home_url(),
            "client_id": current_app.config["CLIENT_ID"],
        },
    )


def fetch_signing_keys(force=False):
    """QSM's JWKS (cached by Authlib with the metadata; ``force`` fetches it again)."""
    metadata()
    try:
        return _client().fetch_jwk_set(force=force)
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable("QSM's keys cannot be fetched.") from error
