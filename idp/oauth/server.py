"""Authlib wiring: the authorization server and the resource protector, and init_oauth."""
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749.authenticate_client import (
    authenticate_client_secret_basic as _authenticate_client_secret_basic,
)
from authlib.oauth2.rfc6749.errors import InvalidRequestError, UnsupportedResponseTypeError
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from flask import current_app

from ..digests import new_secret
from ..extensions import db
from ..models import OAuthClient
from .claims import SCOPES
from .client_auth import plausible_client_id
from .endpoints import EndSessionEndpoint, RevocationEndpoint, create_resource_protector
from .grants import (
    AuthorizationCodeGrant,
    OpenIDCode,
    OpenIDRefresh,
    RefreshTokenGrant,
    RequiredS256CodeChallenge,
    keeps_refresh_tokens,
)
from .pushed import load_pushed_request
from .tokens import save_token

# Built once: the statement of every token, introspection and revocation request.
CLIENT_BY_ID = db.select(OAuthClient).where(OAuthClient.client_id == db.bindparam("client_id"))


def query_client(client_id):
    if not plausible_client_id(client_id):
        return None
    return db.session.execute(CLIENT_BY_ID, {"client_id": client_id}).scalar_one_or_none()


def authenticate_client_secret_basic(query_client, request):
    """Authlib's client_secret_basic, without its 500 on a malformed header ("Basic " alone,
    base64 that is not ASCII or does not decode to UTF-8): such a client is not authenticated."""
    try:
        return _authenticate_client_secret_basic(query_client, request)
    except ValueError:
        return None


def _token_generator():
    bearer = BearerTokenGenerator(
        access_token_generator=lambda **kw: new_secret(32),
        refresh_token_generator=lambda **kw: new_secret(32),
        expires_generator=lambda client, grant_type: current_app.config["ACCESS_TOKEN_TTL"],
    )

    def generate(grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True):
        include = include_refresh_token and keeps_refresh_tokens(client, user is not None, scope)
        return bearer(grant_type, client, user=user, scope=scope, expires_in=expires_in, include_refresh_token=include)

    return generate


def prepare_authorization_request(server, request):
    """Authlib hook (before_get_authorization_grant), before a grant is chosen for a request.

    A request naming a pushed one becomes the pushed one (pushed.py). redirect_uri is required
    of every request, so nothing redirects to a URI the request did not name. Authlib's own
    refusal of a response type quotes the raw value in the error description, and a quote or
    non-ASCII character there turns into a 500."""
    load_pushed_request(server, request)
    payload = request.payload
    if not payload.redirect_uri:
        raise InvalidRequestError("'redirect_uri' is required.")
    if payload.response_type != "code":
        client = server.query_client(payload.client_id)
        known = client is not None and client.check_redirect_uri(payload.redirect_uri)
        raise UnsupportedResponseTypeError(
            payload.response_type,
            "Only response_type=code is supported.",
            redirect_uri=payload.redirect_uri if known else None,
        )


class QSMAuthorizationServer(AuthorizationServer):
    def create_bearer_token_generator(self, config):
        """Authlib's hook for the default token generator (init_app registers what it returns);
        ours reads the lifetime from the app of each request."""
        return _token_generator()


def _wired(server):
    """The grants, endpoints and hooks of QSM's authorization server, registered once."""
    server.register_client_auth_method("client_secret_basic", authenticate_client_secret_basic)
    server.register_grant(AuthorizationCodeGrant, [RequiredS256CodeChallenge(), OpenIDCode(require_nonce=False)])
    server.register_grant(RefreshTokenGrant, [OpenIDRefresh()])
    server.register_endpoint(RevocationEndpoint)
    server.register_endpoint(EndSessionEndpoint)
    server.register_hook("before_get_authorization_grant", prepare_authorization_request)
    return server


# One server object for the process (Authlib's Flask pattern); init_app gives it each app's
# config, and everything it reads per request (the client, the token lifetime) comes from the
# app of that request.
authorization_server = _wired(QSMAuthorizationServer())
require_oauth = create_resource_protector()


def init_oauth(app):
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", list(SCOPES))
    authorization_server.init_app(app, query_client=query_client, save_token=save_token)
