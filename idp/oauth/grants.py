"""The grants QSM allows: the code and refresh grants, each a thin subclass of Authlib's that stores
through tokens.py, and the scope rule of a client's own token (client_credentials, answered
before Flask by machine.py)."""
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import grants as oidc_grants
from authlib.oidc.core.grants.util import is_openid_scope
from authlib.oidc.core.util import create_half_hash
from flask import current_app, session
from joserfc import jwt

from ..clock import now
from ..digests import digest
from ..extensions import db
from ..models import AuthorizationCode
from ..models.oauth import allowed_scope, has_grant_type
from . import keys
from .authorize_policy import check_prompt
from .backchannel import remember_session_client
from .claims import IDENTITY_SCOPES, SCOPES, seller_claims
from .tokens import find_authorization_code, find_refresh_token

# A code lives at most a minute, whatever the configuration says.
MAX_AUTHORIZATION_CODE_TTL = 60


class RequiredS256CodeChallenge(CodeChallenge):
    """PKCE with S256 for every client, confidential ones included (RFC 9700 2.1.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("'code_challenge' is required (PKCE with S256).", redirect_uri=redirect_uri)
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.", redirect_uri=redirect_uri)
        return super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code):
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code):
        return authorization_code.code_challenge_method


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    @staticmethod
    def validate_authorization_redirect_uri(request, client):
        # The server has already required redirect_uri. Authlib's message would quote it,
        # and a quote or non-ASCII character in an error description is a 500.
        if not client.check_redirect_uri(request.payload.redirect_uri):
            raise InvalidRequestError("'redirect_uri' is not registered for this client.")
        return request.payload.redirect_uri

    def validate_authorization_request(self):
        redirect_uri = super().validate_authorization_request()
        check_prompt(self.request.payload.data.get("prompt"), redirect_uri)
        return redirect_uri

    def save_authorization_code(self, code, request):
        data = request.payload.data
        row = AuthorizationCode(
            code_hash=digest(code),
            client_pk=request.client.id,
            seller_pk=request.user.id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope or "",
            nonce=data.get("nonce"),
            auth_time=session.get("auth_time") or now(),
            sid=session.get("sid"),
            amr=" ".join(session.get("amr") or ["pwd"]),
            code_challenge=data["code_challenge"],
            code_challenge_method=data.get("code_challenge_method", "S256"),
            expires_at=now() + min(current_app.config["AUTHORIZATION_CODE_TTL"], MAX_AUTHORIZATION_CODE_TTL),
        )
        db.session.add(row)
        # When this login session ends, this client is one of those told (back-channel logout).
        remember_session_client(row.sid, request.client)
        db.session.commit()

    def query_authorization_code(self, code, client):
        return find_authorization_code(code, client)

    def delete_authorization_code(self, authorization_code):
        # Marked redeemed in save_token, with the tokens it issued; the row stays so that a
        # replay can be recognised and can revoke what this code issued.
        pass

    def authenticate_user(self, authorization_code):
        return authorization_code.seller  # loaded with the code


def id_token_algorithm(client):
    """The client's registered algorithm for ID tokens (a client row or OAuthClient)."""
    alg = client.id_token_signed_response_alg
    return alg if alg in keys.ALGORITHMS else keys.DEFAULT_ALGORITHM


def id_token_client_claims(client, issued, config):
    """The claims every ID token of QSM carries for ``client``, whichever path issues it (Authlib's
    hook get_client_claims, and machine.py's refresh). ``aud`` is the one client in a list, the
    shape Authlib's own default gives it (OpenIDToken.get_compatible_claims); id_token_client_id
    reads it back."""
    return {"iss": config["ISSUER"], "aud": [client.client_id], "iat": issued, "exp": issued + config["ID_TOKEN_TTL"]}


def id_token_client_id(claims):
    """The client an ID token was issued to: its one audience (a list of one, or a string), or None
    when it names several or none."""
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) == 1:
        aud = aud[0]
    return aud if isinstance(aud, str) else None


def refreshed_id_token(client, seller, scope, access_token, auth_time, view, config):
    """The ID token of a refresh (OpenID Connect Core 12.2), as OpenIDRefresh makes it through
    Authlib's hook: signed with the client's algorithm, at_hash of the new access token, the
    original login's auth_time, the seller's claims for ``scope``, never a nonce."""
    alg = id_token_algorithm(client)
    key = keys.active_key(alg, view)
    issued = now()
    claims = id_token_client_claims(client, issued, config)
    claims["auth_time"] = auth_time or issued
    claims["at_hash"] = create_half_hash(access_token, alg).decode("ascii")
    claims.update(seller_claims(seller, scope))
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, claims, key, [alg])


class IDTokens:
    """How QSM signs ID tokens, whichever grant issues them."""

    def resolve_client_private_key(self, client):
        return keys.active_key(self.get_client_algorithm(client))

    def get_client_algorithm(self, client):
        return id_token_algorithm(client)

    def get_encode_header(self, client):
        key = self.resolve_client_private_key(client)
        return {"alg": self.get_client_algorithm(client), "kid": key.kid, "typ": "JWT"}

    def get_client_claims(self, client):
        return id_token_client_claims(client, now(), current_app.config)

    def generate_user_info(self, user, scope):
        return seller_claims(user, scope)


class OpenIDCode(IDTokens, oidc_grants.OpenIDCode):
    def exists_nonce(self, nonce, request):
        return db.session.execute(
            db.select(AuthorizationCode.id).filter_by(client_pk=request.client.id, nonce=nonce).limit(1)
        ).first() is not None

    def __call__(self, grant):
        """Authlib's hooks but its validate_request_prompt: the prompt value is checked once, for
        every request (AuthorizationCodeGrant), and what prompt=none means once the seller is
        known is authorize_policy's (login_required, consent_required)."""
        grant.register_hook("after_create_token_response", self.process_token)
        if is_openid_scope(grant.request.payload.scope):
            grant.register_hook(
                "after_validate_authorization_request_payload", self.validate_openid_authorization_request
            )

    def get_authorization_code_claims(self, authorization_code):
        claims = super().get_authorization_code_claims(authorization_code)
        if authorization_code.sid:
            claims["sid"] = authorization_code.sid
        return claims


class OpenIDRefresh(IDTokens, oidc_grants.OpenIDToken):
    """A fresh ID token with each refreshed openid grant (OpenID Connect Core 12.2): the same
    subject and audience, and auth_time of the original login, never a nonce."""

    def get_compatible_claims(self, request):
        claims = super().get_compatible_claims(request)
        auth_time = request.refresh_token.family.auth_time
        if auth_time:
            claims["auth_time"] = auth_time
        return claims


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        # Only finds it: Authlib's grant then refuses a scope wider than was granted (RFC 6749 6),
        # and save_token spends it.
        return find_refresh_token(refresh_token, self.request.client)

    def authenticate_user(self, refresh_token):
        return refresh_token.seller

    def revoke_old_credential(self, refresh_token):
        # Spent by save_token, in the transaction that stored its successor.
        pass


def keeps_refresh_tokens(client, has_seller, scope):
    """A refresh token comes only with a seller's grant that asked for offline_access, to a
    client registered for the refresh grant."""
    return has_seller and "offline_access" in (scope_to_list(scope) or []) and has_grant_type(client, "refresh_token")


def within_granted_scope(requested, granted):
    """RFC 6749 6: a refresh may ask for less than was granted, never more."""
    return not requested or set(scope_to_list(requested)) <= set(scope_to_list(granted) or [])


def client_token_scope(client, requested):
    """The scope of a client's own token (client_credentials, RFC 6749 4.4.2 and 3.3): what it
    asked for and registered. A scope QSM does not know is invalid_scope; the seller's identity
    scopes are dropped, since no seller stands behind such a token."""
    asked = scope_to_list(requested) or []
    if any(scope not in SCOPES for scope in asked):
        raise InvalidScopeError()
    return allowed_scope(client.scope, list_to_scope([s for s in asked if s not in IDENTITY_SCOPES]))
