"""What a relying party knows of one QSM, over HTTP only: its discovery document (which must speak
for the configured issuer, or it could be a mix-up), its signing keys (JWKS), and an HTTP session
authenticated as the client (client_secret_basic). Every call is bounded by the registration's
timeout, and every failure becomes a QSMError (relying_party.errors), never a traceback.

Authlib caches the metadata and the JWKS on its client, kept per site in
``app.extensions[registration.registry_key]``.
"""
import requests
from authlib.integrations.flask_client import OAuth
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app
from flask_babel import gettext as _

from .errors import UNREACHABLE, QSMRefused, QSMUnavailable

DISCOVERY_PATH = "/.well-known/openid-configuration"


def authlib_client(registration):
    """Authlib's Flask client for this registration (code flow, PKCE S256, client_secret_basic)."""
    oauth = current_app.extensions.get(registration.registry_key)
    if oauth is None:
        oauth = OAuth(current_app)
        current_app.extensions[registration.registry_key] = oauth
    client = oauth.create_client(registration.name)
    if client is None:
        oauth.register(
            name=registration.name,
            client_id=registration.client_id,
            client_secret=registration.client_secret,
            server_metadata_url=registration.issuer + DISCOVERY_PATH,
            client_kwargs={
                "scope": registration.scope,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic",
                "default_timeout": registration.timeout,
            },
        )
        client = oauth.create_client(registration.name)
    return client


def metadata(registration):
    """QSM's discovery document, checked to name the configured issuer."""
    try:
        data = authlib_client(registration).load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable(UNREACHABLE) from error
    if data.get("issuer") != registration.issuer:
        raise QSMRefused(_("QSM's discovery document names a different issuer."))
    return data


def fetch_signing_keys(registration, force=False):
    """QSM's JWKS (cached by Authlib with the metadata; ``force`` fetches it again)."""
    metadata(registration)
    try:
        return authlib_client(registration).fetch_jwk_set(force=force)
    except (requests.RequestException, ValueError) as error:
        raise QSMUnavailable(_("QSM's keys cannot be fetched.")) from error


def client_session(registration, access_token=None):
    """A requests session as this client: Basic authentication for the token, PAR and revocation
    endpoints, or ``access_token`` as the Bearer token for QSM's API."""
    return OAuth2Session(
        registration.client_id,
        registration.client_secret,
        token={"access_token": access_token, "token_type": "Bearer"} if access_token else None,
        token_endpoint_auth_method="client_secret_basic",
        default_timeout=registration.timeout,
    )
