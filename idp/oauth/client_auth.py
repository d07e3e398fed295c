"""Client authentication at the machine endpoints (machine.py): RFC 6749 2.3.1.

The same rules as Authlib's at the other endpoints (server.py): a client authenticates only
with the method it registered, its secret compared with the stored digest in constant time;
whatever fails (an unknown client, another method, a wrong secret) is one ``invalid_client``
answer, a 401 with a Basic challenge, that does not say which.
"""
from authlib.oauth2.rfc6749.errors import InvalidClientError

from siteops.statements import Statement

from ..digests import matches_digest
from ..extensions import db
from ..models import OAuthClient

MAX_CLIENT_ID_LENGTH = 64
_clients = OAuthClient.__table__
# What authentication checks; a statement that reads a client for it selects these columns.
CLIENT_AUTH_COLUMNS = (
    _clients.c.id,
    _clients.c.client_id,
    _clients.c.client_secret_hash,
    _clients.c.token_endpoint_auth_method,
)
# ... and what a client's own token needs besides. A client's own token works only while these
# columns of its row are still what they were when it was issued (client_tokens.py).
CLIENT_TOKEN_RULE_COLUMNS = ("client_secret_hash", "token_endpoint_auth_method", "grant_types", "scope")
CLIENT_TOKEN_COLUMNS = (*CLIENT_AUTH_COLUMNS, _clients.c.grant_types, _clients.c.scope)
CLIENT_BY_ID = Statement(db.select(*CLIENT_TOKEN_COLUMNS).where(_clients.c.client_id == db.bindparam("client_id")))


def plausible_client_id(client_id):
    """Whether looking ``client_id`` up could find anything (no query for what cannot)."""
    return bool(client_id) and len(client_id) <= MAX_CLIENT_ID_LENGTH and "\x00" not in client_id


def presented_credentials(request, methods):
    """(method, client_id, secret) for each of ``methods`` the request uses, in that order."""
    presented = []
    if "client_secret_basic" in methods:
        client_id, secret = request.basic_credentials()
        if client_id and secret:
            presented.append(("client_secret_basic", client_id, secret))
    if "client_secret_post" in methods:
        client_id, secret = request.get("client_id"), request.get("client_secret")
        if client_id and secret:
            presented.append(("client_secret_post", client_id, secret))
    return presented


def authenticate_client(connection, request, methods, statement=CLIENT_BY_ID, **parameters):
    """The row of the client the request authenticates, or InvalidClientError. ``statement``
    reads the client by ``client_id`` (and may read more in the same round trip, with
    ``parameters``); it selects at least CLIENT_AUTH_COLUMNS."""
    for method, client_id, secret in presented_credentials(request, methods):
        if not plausible_client_id(client_id):
            continue
        client = statement.first(connection, {"client_id": client_id, **parameters})
        if (
            client is not None
            and client.token_endpoint_auth_method == method
            and matches_digest(secret, client.client_secret_hash)
        ):
            return client
    raise InvalidClientError(status_code=401, description="Client authentication failed.")
