"""OAuth clients, grants and tokens. Every bearer secret is stored only as a SHA-256 digest."""
import json

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin

from ..clock import now
from ..digests import matches_digest
from ..extensions import db
from .columns import ForASellerAndApp, client_pk_column, digest_column, seller_pk_column
from .seller import utcnow


def allowed_scope(registered, requested):
    """The part of ``requested`` a client registered with ``registered`` may have, in the order
    asked, each scope once."""
    if not requested:
        return ""
    allowed = set(scope_to_list(registered))
    return list_to_scope([s for s in dict.fromkeys(scope_to_list(requested)) if s in allowed])


def has_grant_type(client, grant_type):
    """Whether ``client`` (an OAuthClient or a row with its columns) registered ``grant_type``."""
    return grant_type in client.grant_types.split()


def access_token_active(token, family_revoked_at, at):
    """An access token works until it expires, is revoked, or its grant (family) is revoked.
    ``token`` is a Token or a row with its columns."""
    return token.access_expires_at > at and token.access_revoked_at is None and family_revoked_at is None


def refresh_token_active(token, family_revoked_at, at):
    """A refresh token works once, until it expires or its grant is revoked."""
    return (
        token.refresh_token_hash is not None
        and token.refresh_rotated_at is None
        and family_revoked_at is None
        and (token.refresh_expires_at or 0) > at
    )



def json_list(column):
    """A list attribute kept as JSON text in the column attribute ``column``."""

    def read(row):
        return json.loads(getattr(row, column))

    def write(row, value):
        setattr(row, column, json.dumps(list(value)))

    return property(read, write)

class OAuthClient(ClientMixin, db.Model):
    __tablename__ = "oauth_clients"

    id = db.Column(db.Integer, primary_key=True)
    client_id = db.Column(db.String(64), nullable=False, unique=True)
    client_secret_hash = digest_column(nullable=True, unique=False)
    name = db.Column(db.String(120), nullable=False)
    home_page = db.Column(db.String(500))
    redirect_uris_json = db.Column(db.Text, nullable=False, default="[]")
    post_logout_redirect_uris_json = db.Column(db.Text, nullable=False, default="[]")
    backchannel_logout_uri = db.Column(db.String(500))
    grant_types = db.Column(db.String(200), nullable=False, default="authorization_code refresh_token")
    scope = db.Column(db.Text, nullable=False, default="openid")
    token_endpoint_auth_method = db.Column(db.String(40), nullable=False, default="client_secret_basic")
    id_token_signed_response_alg = db.Column(db.String(10), nullable=False, default="RS256")
    # Family sites of the marketplace (SmartShip) skip the consent screen.
    trusted = db.Column(db.Boolean, nullable=False, default=False)
    # RFC 9126 6: this client's authorization requests are accepted only when pushed.
    require_pushed_authorization_requests = db.Column(
        db.Boolean, nullable=False, default=False, server_default=db.false()
    )
    owner_pk = db.Column(db.Integer, db.ForeignKey("sellers.id", ondelete="SET NULL"))
    owner = db.relationship("Seller", foreign_keys=[owner_pk])
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    secret_rotated_at = db.Column(db.DateTime)

    redirect_uris = json_list("redirect_uris_json")
    post_logout_redirect_uris = json_list("post_logout_redirect_uris_json")

    @property
    def is_public(self):
        return self.token_endpoint_auth_method == "none"

    @property
    def client_metadata(self):
        return {"post_logout_redirect_uris": self.post_logout_redirect_uris}

    # authlib ClientMixin
    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        uris = self.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope):
        return allowed_scope(self.scope, scope)

    def check_redirect_uri(self, redirect_uri):
        # Exact string comparison, as RFC 9700 requires: no prefixes, no patterns.
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return matches_digest(client_secret, self.client_secret_hash)

    def check_endpoint_auth_method(self, method, endpoint):
        # Every endpoint (token, revocation, introspection) takes the one registered method;
        # which methods an endpoint offers at all is set on the endpoint.
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type):
        return response_type == "code" and "authorization_code" in self.grant_types.split()

    def check_grant_type(self, grant_type):
        return has_grant_type(self, grant_type)

    def __repr__(self):
        return f"<OAuthClient {self.client_id}>"


class Consent(db.Model):
    """The scopes a seller granted to an untrusted client."""

    __tablename__ = "consents"
    __table_args__ = (db.UniqueConstraint("seller_pk", "client_pk"),)

    id = db.Column(db.Integer, primary_key=True)
    seller_pk = seller_pk_column(nullable=False)
    client_pk = client_pk_column(nullable=False, index=True)
    scope = db.Column(db.Text, nullable=False)
    granted_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime)

    client = db.relationship("OAuthClient", lazy="joined")


class AuthorizationCode(AuthorizationCodeMixin, ForASellerAndApp, db.Model):
    __tablename__ = "authorization_codes"

    id = db.Column(db.Integer, primary_key=True)
    code_hash = digest_column()
    redirect_uri = db.Column(db.String(500), nullable=False)
    scope = db.Column(db.Text, nullable=False, default="")
    nonce = db.Column(db.String(255))
    auth_time = db.Column(db.Integer, nullable=False)
    # The QSM login session the code was issued in: the ID token's sid, for back-channel logout.
    sid = db.Column(db.String(64))
    # How that session's login was made (the ID token's amr): "pwd", "hwk" or "swk".
    amr = db.Column(db.String(40))
    code_challenge = db.Column(db.String(128), nullable=False)
    code_challenge_method = db.Column(db.String(10), nullable=False, default="S256")
    expires_at = db.Column(db.Integer, nullable=False, index=True)
    redeemed_at = db.Column(db.Integer)
    replayed_at = db.Column(db.Integer)
    # The token family this code started, so a second redemption can revoke it.
    family_id = db.Column(db.String(32), db.ForeignKey("token_families.id", ondelete="SET NULL"))

    seller = db.relationship("Seller")

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return self.amr.split() if self.amr else ["pwd"]


class TokenFamily(db.Model):
    """Every token descended from one seller's grant (one authorization code): a refresh token
    reused anywhere in it revokes them all."""

    __tablename__ = "token_families"

    id = db.Column(db.String(32), primary_key=True)
    client_pk = client_pk_column(nullable=False, index=True)
    seller_pk = seller_pk_column(index=True)
    auth_time = db.Column(db.Integer)
    created_at = db.Column(db.Integer, nullable=False, default=now)
    revoked_at = db.Column(db.Integer)
    revoked_reason = db.Column(db.String(40))


class Token(TokenMixin, db.Model):
    __tablename__ = "tokens"

    id = db.Column(db.Integer, primary_key=True)
    # None for a client's own token (client_credentials): no refresh token descends from it.
    family_id = db.Column(db.String(32), db.ForeignKey("token_families.id", ondelete="CASCADE"), index=True)
    client_pk = client_pk_column(nullable=False)
    seller_pk = seller_pk_column()
    scope = db.Column(db.Text, nullable=False, default="")
    access_token_hash = digest_column()
    refresh_token_hash = digest_column(nullable=True)
    issued_at = db.Column(db.Integer, nullable=False, default=now)
    access_expires_at = db.Column(db.Integer, nullable=False)
    refresh_expires_at = db.Column(db.Integer)
    access_revoked_at = db.Column(db.Integer)
    # Set when this refresh token was exchanged for a new one; a second use is reuse.
    refresh_rotated_at = db.Column(db.Integer)

    family = db.relationship("TokenFamily", lazy="joined")
    client = db.relationship("OAuthClient", lazy="joined", innerjoin=True)
    seller = db.relationship("Seller", lazy="joined")

    # authlib TokenMixin
    def check_client(self, client):
        return self.client_pk == client.id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return max(0, self.access_expires_at - self.issued_at)

    @property
    def family_revoked_at(self):
        return self.family.revoked_at if self.family is not None else None

    def is_expired(self):
        return self.access_expires_at <= now()

    def is_revoked(self):
        return self.access_revoked_at is not None or self.family_revoked_at is not None

    def is_access_active(self):
        return access_token_active(self, self.family_revoked_at, now())

    def is_refresh_usable(self):
        return refresh_token_active(self, self.family_revoked_at, now())

    def get_user(self):
        return self.seller

    def get_client(self):
        return self.client


class RevokedClientToken(db.Model):
    """A client's own access token revoked before it expired (RFC 7009). Such a token is stored
    nowhere else (oauth/client_tokens.py): this row, kept until the token would have expired, is
    what makes the revocation hold at every instance."""

    __tablename__ = "revoked_client_tokens"

    id = db.Column(db.Integer, primary_key=True)
    token_hash = digest_column()
    client_pk = client_pk_column(nullable=False, index=True)
    expires_at = db.Column(db.Integer, nullable=False, index=True)
    revoked_at = db.Column(db.Integer, nullable=False)
