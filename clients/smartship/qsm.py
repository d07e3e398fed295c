"""SmartShip as an OAuth client of QSM: it knows QSM only over HTTP, from the discovery document.

Each configured platform (Qoo10 Singapore, Qoo10 Global, ...) is its own issuer with its own
client registration. Every failure is turned into QSMError (QSMUnavailable when QSM could not
be reached or answered badly; QSMRefused when it answered with an error or a token that does
not validate), so that views can show a page instead of a traceback.
"""
import time

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app, url_for
from joserfc.errors import JoseError

from relying_party import authorization_response, logout_tokens
from relying_party.errors import QSMAccessRevoked, QSMError, QSMRefused, QSMUnavailable  # noqa: F401 (re-exported)


def platforms():
    return {p["id"]: p for p in current_app.config["PLATFORMS"]}


def get_platform(platform_id):
    platform = platforms().get(platform_id)
    if platform is None:
        raise QSMRefused("This marketplace is not connected to SmartShip.")
    return platform


def default_platform_id():
    return current_app.config["PLATFORMS"][0]["id"]


def _registry():
    oauth = current_app.extensions.get("smartship_oauth")
    if oauth is None:
        oauth = OAuth(current_app)
        timeout = current_app.config["QSM_TIMEOUT_SECONDS"]
        for platform in current_app.config["PLATFORMS"]:
            oauth.register(
                name=platform["id"],
                client_id=platform["client_id"],
                client_secret=platform["client_secret"],
                server_metadata_url=platform["issuer"] + "/.well-known/openid-configuration",
                client_kwargs={
                    "scope": current_app.config["QSM_SCOPE"],
                    "code_challenge_method": "S256",
                    "token_endpoint_auth_method": "client_secret_basic",
                    "default_timeout": timeout,
                },
            )
        current_app.extensions["smartship_oauth"] = oauth
    return oauth


def _client(platform_id):
    get_platform(platform_id)
    return _registry().create_client(platform_id)


def metadata(platform_id):
    platform = get_platform(platform_id)
    try:
        data = _client(platform_id).load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable("QSM cannot be reached right now. Please try again in a moment.") from error
    # The document must speak for the issuer we were configured with, or it could be a mix-up.
    if data.get("issuer") != platform["issuer"]:
        raise QSMRefused("QSM's discovery document names a different issuer.")
    return data


def callback_url(platform_id):
    return current_app.config["BASE_URL"] + url_for("signup.callback", platform_id=platform_id)


def authorization_redirect(platform_id, **extra):
    metadata(platform_id)
    try:
        return _client(platform_id).authorize_redirect(callback_url(platform_id), **extra)
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable("QSM cannot be reached right now. Please try again in a moment.") from error


def finish_authorization(platform_id, args):
    """Validate the callback (state, iss, ID token) and fetch the claims.

    Returns (token, claims); claims merge the validated ID token and UserInfo.
    """
    platform = get_platform(platform_id)
    # RFC 9207, before anything else (an error response too): the response must come from the
    # issuer we sent the seller to, and must name it when QSM's discovery says it always does.
    authorization_response.check_response_issuer(args, platform["issuer"], metadata(platform_id))
    if args.get("error"):
        if args["error"] == "access_denied":
            raise QSMRefused("Access was not granted at QSM.")
        raise QSMRefused(f"QSM refused the request ({args['error']}).")
    client = _client(platform_id)
    try:
        token = client.authorize_access_token()
        if "id_token" not in token:
            raise QSMRefused("QSM did not return an ID token.")
        id_claims = token.get("userinfo") or {}
        info = client.userinfo(token=token)
    except QSMError:
        raise
    except OAuthError as error:
        if error.error in ("mismatching_state", "missing_state"):
            raise QSMRefused("This sign-up link has expired or was already used. Please start again.") from error
        raise QSMRefused(f"QSM refused the request ({error.error}).") from error
    except (JoseError, AuthlibBaseError) as error:
        raise QSMRefused("The identity token from QSM could not be validated.") from error
    except requests.HTTPError as error:
        raise QSMRefused("QSM refused to share the seller's details.") from error
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable("QSM cannot be reached right now. Please try again in a moment.") from error
    if info.get("sub") != id_claims.get("sub"):
        raise QSMRefused("QSM's user information does not match the identity token.")
    claims = dict(info)
    claims.update({k: id_claims[k] for k in ("sub", "iss", "aud", "auth_time", "sid") if k in id_claims})
    return token, claims


def api_session(platform_id, token):
    platform = get_platform(platform_id)
    return OAuth2Session(
        platform["client_id"],
        platform["client_secret"],
        token=token,
        token_endpoint_auth_method="client_secret_basic",
        default_timeout=current_app.config["QSM_TIMEOUT_SECONDS"],
    )


def refresh(platform_id, refresh_token):
    """Exchange a refresh token; QSM rotates it, so the answer holds the next one."""
    token_endpoint = metadata(platform_id)["token_endpoint"]
    session = api_session(platform_id, None)
    try:
        return session.refresh_token(token_endpoint, refresh_token=refresh_token)
    except OAuthError as error:
        if error.error in ("invalid_grant", "unauthorized_client"):
            raise QSMAccessRevoked("SmartShip's access to QSM was revoked.") from error
        # invalid_client is SmartShip's own registration (say, a secret mid-rotation), not the
        # seller's grant: keep the link and let an operator fix the configuration.
        raise QSMUnavailable("QSM could not refresh SmartShip's access.") from error
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable("QSM cannot be reached right now. Please try again in a moment.") from error


def call_api(platform_id, access_token, method, path, **kwargs):
    """Call QSM's seller API. Returns the decoded JSON; 401 raises QSMAccessRevoked."""
    url = get_platform(platform_id)["issuer"] + path
    session = api_session(platform_id, {"access_token": access_token, "token_type": "Bearer"})
    try:
        response = session.request(method, url, **kwargs)
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable("QSM cannot be reached right now. Please try again in a moment.") from error
    if response.status_code == 401:
        raise QSMAccessRevoked("QSM no longer accepts SmartShip's access token.")
    if response.status_code >= 400:
        raise QSMUnavailable(f"QSM answered {response.status_code} to {path}.")
    try:
        return response.json()
    except ValueError as error:
        raise QSMUnavailable("QSM sent an answer SmartShip could not read.") from error


def expires_at(token):
    if token.get("expires_at"):
        return int(token["expires_at"])
    return int(time.time()) + int(token.get("expires_in", 3600))


def fetch_signing_keys(platform_id, force=False):
    """QSM's JWKS (cached by Authlib with the metadata; ``force`` fetches it again)."""
    metadata(platform_id)
    try:
        return _client(platform_id).fetch_jwk_set(force=force)
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable("QSM's keys cannot be fetched.") from error


def validate_logout_token(platform_id, logout_token):
    """Validate an OIDC Back-Channel Logout token from this platform and return its claims."""
    platform = get_platform(platform_id)
    try:
        return logout_tokens.validate_logout_token(
            logout_token,
            platform["issuer"],
            platform["client_id"],
            lambda force: fetch_signing_keys(platform_id, force),
        )
    except logout_tokens.LogoutTokenRejected as error:
        raise QSMRefused(str(error)) from None


def end_session_url(platform_id, id_token, return_path):
    """QSM's RP-initiated logout URL for this session, or None when QSM cannot be asked."""
    from authlib.common.urls import add_params_to_uri

    try:
        endpoint = metadata(platform_id).get("end_session_endpoint")
    except QSMError:
        return None
    if not endpoint:
        return None
    return add_params_to_uri(
        endpoint,
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": current_app.config["BASE_URL"] + return_path,
            "client_id": get_platform(platform_id)["client_id"],
        },
    )
