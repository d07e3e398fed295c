"""A client's own access token (client_credentials, RFC 6749 4.4), self-contained: nothing is
written when one is issued.

Such a token acts for no seller and nothing descends from it, so all it has to carry is which
client holds it, its scope and its lifetime. Those go in the token itself with a random nonce,
MAC'd with a key derived from the app's SECRET_KEY. The MAC also covers the client's
registration as it was at issue (its secret's digest, authentication method, grants and scope),
without carrying it: a client deleted, its secret rotated or its registration changed since
the token was issued no longer verifies its tokens, at any instance, from the next request on.
Revoking one (RFC 7009) writes its digest to ``revoked_client_tokens`` until it would have
expired; every check of a token reads its client and that list in the same statement.

To a client the token is as opaque as any other; its payload is readable but says nothing the
client does not know. A random token (digests.new_secret) never contains a ".", so the two kinds
are told apart without a lookup. Rotating SECRET_KEY ends every outstanding client token: its
client gets ``invalid_token`` and asks for a new one, as after an expiry.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import re
import secrets

from siteops.database import insert_if_new
from siteops.statements import Statement

from ..digests import digest
from ..extensions import db
from ..models import OAuthClient, RevokedClientToken
from .client_auth import CLIENT_TOKEN_COLUMNS, CLIENT_TOKEN_RULE_COLUMNS

VERSION = "1"
MAX_LENGTH = 2048  # far above any token QSM issues: a longer value is not read at all
MAX_CLIENT_PK = 2**31 - 1  # the id column's range
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_KEY_CONTEXT = b"QSM client access token MAC key, version 1"

_clients, _revoked = OAuthClient.__table__, RevokedClientToken.__table__
_REVOKED = db.select(_revoked.c.token_hash).where(_revoked.c.token_hash == db.bindparam("token_hash")).exists()
# The client the credentials name, with whether the presented token is revoked (introspection).
CLIENT_WITH_REVOCATION = Statement(
    db.select(*CLIENT_TOKEN_COLUMNS, _REVOKED.label("revoked")).where(_clients.c.client_id == db.bindparam("client_id"))
)
# The client a bearer token names, with whether that token is revoked (UserInfo, the seller API).
HOLDER_WITH_REVOCATION = Statement(
    db.select(*CLIENT_TOKEN_COLUMNS, _REVOKED.label("revoked")).where(_clients.c.id == db.bindparam("client_pk"))
)


class ClientToken:
    """A presented value read as a client token; nothing about it is trusted until ``active``."""

    seller = None  # acts for nobody (the seller API refuses it)
    seller_pk = None

    def __init__(self, value, signed, mac, client_pk, issued_at, expires_at, scope):
        self.value, self.signed, self.mac = value, signed, mac
        self.client_pk, self.issued_at, self.expires_at, self.scope = client_pk, issued_at, expires_at, scope

    def get_scope(self):  # Authlib's TokenMixin, for the seller API's scope check
        return self.scope

    @property
    def digest(self):
        return digest(self.value)

    def lookup(self):
        """The parameters of HOLDER_WITH_REVOCATION for this token."""
        return {"client_pk": self.client_pk, "token_hash": self.digest}

    def issued_to(self, client, at, secret_key):
        """Whether the token was issued to ``client`` (a row with CLIENT_TOKEN_COLUMNS, as the
        client is now: None if it is gone) as it is registered now, and is unexpired."""
        return (
            client is not None
            and client.id == self.client_pk
            and self.expires_at > at
            and hmac.compare_digest(self.mac, _mac(secret_key, self.signed, client))
        )

    def active(self, client, at, secret_key):
        """Whether the token works now: ``client`` is a row of the statements above."""
        return self.issued_to(client, at, secret_key) and not client.revoked


@functools.lru_cache(maxsize=4)
def _key(secret_key):
    return hmac.new(secret_key.encode("utf-8"), _KEY_CONTEXT, hashlib.sha256).digest()


def _mac(secret_key, signed, client):
    registration = "\0".join(str(getattr(client, name) or "") for name in CLIENT_TOKEN_RULE_COLUMNS)
    return hmac.new(_key(secret_key), signed + b"\0" + registration.encode("utf-8"), hashlib.sha256).digest()


def _encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint(client, scope, issued, ttl, secret_key):
    """A new token for ``client`` (a row with CLIENT_TOKEN_COLUMNS, as it authenticated)."""
    signed = f"{VERSION} {client.id} {issued} {issued + ttl} {secrets.token_urlsafe(16)} {scope}".encode()
    return f"{_encode(signed)}.{_encode(_mac(secret_key, signed, client))}"


def read(value):
    """The ClientToken ``value`` would be if it were one (not verified), or None."""
    if not value or len(value) > MAX_LENGTH or value.count(".") != 1:
        return None
    payload, mac = value.split(".")
    if not (_BASE64URL.fullmatch(payload) and _BASE64URL.fullmatch(mac)):
        return None
    try:
        signed, mac = _decode(payload), _decode(mac)
        version, client_pk, issued_at, expires_at, _nonce, scope = signed.decode("utf-8").split(" ", 5)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    numbers = (client_pk, issued_at, expires_at)
    if version != VERSION or not all(n.isascii() and n.isdigit() and len(n) <= 12 for n in numbers):
        return None
    if int(client_pk) > MAX_CLIENT_PK:  # no such row: not worth a query
        return None
    return ClientToken(value, signed, mac, *(int(n) for n in numbers), scope)


def introspection_answer(token, client, at, issuer, secret_key):
    """RFC 7662 2.2 for a client token presented by ``client`` (CLIENT_WITH_REVOCATION's row of
    the authenticated client): only the holder learns anything of its token."""
    if not token.active(client, at, secret_key):
        return {"active": False}
    return {
        "active": True,
        "client_id": client.client_id,
        "token_type": "Bearer",
        "scope": token.scope,
        "iat": token.issued_at,
        "exp": token.expires_at,
        "iss": issuer,
    }


def holder_with_revocation(token):
    """HOLDER_WITH_REVOCATION's row for ``token``, in the Flask session (the seller API)."""
    return db.session.execute(HOLDER_WITH_REVOCATION.statement, token.lookup()).first()


def revoke(token, at):
    """Record the revocation of a token its holder presented (RFC 7009), once: revoking it again,
    or at two instances at once, changes nothing."""
    values = {
        "token_hash": token.digest,
        "client_pk": token.client_pk,
        "expires_at": token.expires_at,
        "revoked_at": at,
    }
    db.session.execute(insert_if_new(_revoked, db.session.get_bind()).values(values).on_conflict_do_nothing())
    db.session.commit()
