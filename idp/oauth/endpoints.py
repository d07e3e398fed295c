"""The bearer-token protector (RFC 6750) of the seller API, revocation (RFC 7009) and
RP-initiated logout, on Authlib; the bearer errors UserInfo shares (machine.py)."""
import json

from authlib.consts import default_json_headers
from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenValidator, InsufficientScopeError, InvalidTokenError
from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint as _EndSessionEndpoint
from flask import Response, abort, current_app

from ..auth.session import end_session as end_seller_session
from ..clock import now
from . import client_tokens, keys
from .grants import id_token_client_id
from .tokens import find_active_access_token, find_token, revoke_access_token, revoke_family

SECRET_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
REALM = "qsm"


class BearerChallenge(InvalidTokenError):
    """No bearer token came with the request: RFC 6750 3.1 says the challenge names no error then."""

    description = "An access token is required."

    def get_headers(self):
        return [*default_json_headers, ("WWW-Authenticate", f'Bearer realm="{REALM}"')]


class InsufficientScope(InsufficientScopeError):
    """RFC 6750 3.1: a 403 that names the scope the resource needs."""

    def __init__(self, scopes=None):
        super().__init__()
        self.scopes = scopes or []

    def get_headers(self):
        challenge = f'Bearer realm="{REALM}", error="insufficient_scope"'
        if self.scopes:
            challenge += f', scope="{self.scopes[0]}"'
        return [*default_json_headers, ("WWW-Authenticate", challenge)]


class AccessTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return find_active_access_token(token_string)

    def validate_token(self, token, scopes, request):
        # find_active_access_token already refused unknown, expired and revoked tokens.
        if token is None:
            raise InvalidTokenError(realm=REALM)
        if self.scope_insufficient(token.get_scope(), scopes):
            raise InsufficientScope(scopes)


class BearerProtector(ResourceProtector):
    def parse_request_authorization(self, request):
        scheme, _, token_string = (request.headers.get("Authorization") or "").partition(" ")
        token_string = token_string.strip()
        if scheme.lower() != "bearer" or not token_string:
            raise BearerChallenge()
        return self.get_token_validator("bearer"), token_string

    def raise_error_response(self, error):
        # Raised as a finished response, not an HTTPException: the app's error handler would
        # replace the RFC 6750 body and challenge with its generic JSON.
        status, body, headers = error()
        abort(Response(json.dumps(body), status=status, headers=headers))


class RevocationEndpoint(_RevocationEndpoint):
    CLIENT_AUTH_METHODS = SECRET_AUTH_METHODS + ["none"]

    def check_params(self, request, client):
        # The hint is ignored (one lookup finds either kind), so an unknown one is no error;
        # Authlib would answer it with a 401 that carries no challenge.
        if not request.form.get("token"):
            raise InvalidRequestError("'token' is required.")

    def query_token(self, token_string, token_type_hint):
        # One lookup finds either kind: the hint (RFC 7009 2.1, RFC 7662 2.1) would save nothing.
        row, kind = find_token(token_string)
        if row is not None:
            row.presented_as = kind
        return row

    def authenticate_token(self, request, client):
        self.check_params(request, client)
        client_token = client_tokens.read(request.form["token"])
        if client_token is not None:
            # Revoked only by its holder, and only while it works (revoking it twice is harmless).
            issued = client_token.issued_to(client, now(), current_app.config["SECRET_KEY"])
            return client_token if issued else None
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        # Another client's token: answer 200 as for an unknown one and change nothing,
        # so a client cannot probe for tokens it does not hold.
        if token is None or not token.check_client(client):
            return None
        return token

    def revoke_token(self, token, request):
        # Revoking a refresh token ends the whole grant (RFC 7009 section 2.1).
        if isinstance(token, client_tokens.ClientToken):
            client_tokens.revoke(token, now())
        elif token.presented_as == "refresh_token":
            revoke_family(token.family_id, "revoked_by_client")
        else:
            revoke_access_token(token)


class EndSessionEndpoint(_EndSessionEndpoint):
    def get_server_jwks(self):
        return keys.current_keys().jwks

    def get_algorithms(self):
        return list(keys.ALGORITHMS)

    def resolve_client_from_id_token_claims(self, id_token_claims):
        # Authlib's hook for this: its default resolves only a string aud, QSM writes a list of one.
        client_id = id_token_client_id(id_token_claims)
        return self.server.query_client(client_id) if client_id else None

    def end_session(self, end_session_request):
        # The seller's own logout: the server-side login session ends and its clients are told.
        end_seller_session()


def create_resource_protector():
    protector = BearerProtector()
    protector.register_token_validator(AccessTokenValidator())
    return protector
