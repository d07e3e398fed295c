"""Client authentication at the machine endpoints (machine.py): RFC 6749 2.3.1.

The same rules as Authlib's at the other endpoints (server.py): a client authenticates only
with the method it registered, its secret compared with the stored digest in constant time;
whatever fails (an unknown client, another method, a wrong secret) is one ``invalid_client``
answer, a 401 with a Basic challenge, that does not say which.
"""
import threading

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
# ... and what a client's own token needs besides. A client's own token is written only while
# these columns of its row are still what they were when it authenticated (tokens.py).
CLIENT_TOKEN_RULE_COLUMNS = ("client_secret_hash", "token_endpoint_auth_method", "grant_types", "scope")
CLIENT_BY_ID = Statement(
    db.select(*CLIENT_AUTH_COLUMNS, _clients.c.grant_types, _clients.c.scope).where(
        _clients.c.client_id == db.bindparam("client_id")
    )
)


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


class KnownClients:
    """The CLIENT_BY_ID rows of clients that authenticated in this process lately, by client_id:
    a client asking for its own token again is authenticated against the row it had, in constant
    time as always, without reading it again; the INSERT of its token then checks in the same
    statement that the row is unchanged (tokens.issue_client_token). So a client deleted, its
    secret rotated or its grants changed, at any instance, is refused by the next request as
    before: a remembered row is a guess the database confirms, never an authority. Only clients
    that authenticated are remembered, at most ``size``."""

    def __init__(self, size=1024):
        self.size = size
        self._rows = {}
        self._lock = threading.Lock()

    def authenticated(self, request, methods):
        """The remembered row of the client the request authenticates, or None (unknown here,
        or the credentials do not match what is remembered: ask the database)."""
        for method, client_id, secret in presented_credentials(request, methods):
            row = self._rows.get(client_id)
            if row is not None and row.token_endpoint_auth_method == method and matches_digest(
                secret, row.client_secret_hash
            ):
                return row
        return None

    def remember(self, row):
        with self._lock:
            if row.client_id not in self._rows and len(self._rows) >= self.size:
                del self._rows[next(iter(self._rows))]  # the oldest
            self._rows[row.client_id] = row

    def forget(self, client_id):
        with self._lock:
            self._rows.pop(client_id, None)
