"""Revocation (RFC 7009), introspection (RFC 7662), UserInfo and RP-initiated logout."""
from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2.rfc6750 import BearerTokenValidator, InsufficientScopeError, InvalidTokenError
from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _IntrospectionEndpoint
from authlib.oidc.core import UserInfoEndpoint as _UserInfoEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint as _EndSessionEndpoint
from flask import current_app
from flask_login import logout_user

from . import keys
from .claims import seller_claims
from .tokens import find_active_access_token, find_token, revoke_access_token, revoke_family

SECRET_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class AccessTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return find_active_access_token(token_string)

    def validate_token(self, token, scopes, request):
        # find_active_access_token already turned expired and revoked tokens into None.
        if token is None:
            raise InvalidTokenError(realm=self.realm, extra_attributes=self.extra_attributes)
        if self.scope_insufficient(token.get_scope(), scopes):
            raise InsufficientScopeError()


class _TokenLookup:
    def query_token(self, token_string, token_type_hint):
        row, kind = find_token(token_string, token_type_hint)
        if row is not None:
            row.presented_as = kind
        return row


class RevocationEndpoint(_TokenLookup, _RevocationEndpoint):
    CLIENT_AUTH_METHODS = SECRET_AUTH_METHODS + ["none"]

    def authenticate_token(self, request, client):
        self.check_params(request, client)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        # Another client's token: answer 200 as for an unknown one and change nothing,
        # so a client cannot probe for tokens it does not hold.
        if token is None or not token.check_client(client):
            return None
        return token

    def revoke_token(self, token, request):
        # Revoking a refresh token ends the whole grant (RFC 7009 section 2.1).
        if token.presented_as == "refresh_token":
            revoke_family(token.family_id, "revoked_by_client")
        else:
            revoke_access_token(token)


class IntrospectionEndpoint(_TokenLookup, _IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = SECRET_AUTH_METHODS

    def check_permission(self, token, client, request):
        # A client may introspect only what was issued to it; others learn nothing.
        return token.check_client(client)

    def introspect_token(self, token):
        if token.presented_as == "refresh_token":
            active = token.is_refresh_usable()
            exp = token.refresh_expires_at
        else:
            active = not token.is_expired() and not token.is_revoked()
            exp = token.access_expires_at
        if not active:
            return {"active": False}
        body = {
            "active": True,
            "client_id": token.client.client_id,
            "token_type": "Bearer" if token.presented_as == "access_token" else "refresh_token",
            "scope": token.scope,
            "iat": token.issued_at,
            "exp": exp,
            "iss": current_app.config["ISSUER"],
        }
        if token.seller is not None:
            body["sub"] = token.seller.sub
            body["username"] = token.seller.email
        return body


class UserInfoEndpoint(_UserInfoEndpoint):
    def get_issuer(self):
        return current_app.config["ISSUER"]

    def generate_user_info(self, user, scope):
        return seller_claims(user, scope)

    def resolve_private_key(self):
        return keys.active_key(keys.DEFAULT_ALGORITHM)


class EndSessionEndpoint(_EndSessionEndpoint):
    def get_server_jwks(self):
        return keys.current_keys().jwks

    def get_algorithms(self):
        return list(keys.ALGORITHMS)

    def end_session(self, end_session_request):
        logout_user()
        from flask import session

        session.clear()


def create_resource_protector():
    protector = ResourceProtector()
    protector.register_token_validator(AccessTokenValidator())
    return protector
