"""The machine endpoints, answered before Flask: the token endpoint's client credentials (RFC
6749 4.4) and successful refreshes (RFC 6749 6), token introspection (RFC 7662) and UserInfo
(OpenID Connect Core 5.3).

Clients and resource servers call these many times a second, and each answer is a lookup or
two. Served through Flask and Authlib, the framework cost several times the work itself (a
request context, the session, routing, Authlib's request objects, ORM entities), so this WSGI
layer answers them from the environ (wire.py) with plain rows on the driver's cursor
(siteops.statements) over a connection in autocommit: a client's own token is 1 statement (a
read: the token is self-contained, client_tokens.py), a refresh 2 (PostgreSQL), introspection
1, UserInfo 1. The rules are the ones the rest of QSM
uses: client authentication (client_auth.py), scopes and ID tokens (grants.py), token state
(models.oauth), claims (claims.py), and Authlib's error classes for every refusal. A refresh
that does not simply succeed, and every other grant, goes on to Flask, where Authlib serves it;
the routes stay in Flask's URL map as build-only rules, for ``url_for``.
"""
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidRequestError, UnauthorizedClientError
from authlib.oauth2.rfc6750 import InvalidTokenError
from authlib.oidc.core.grants.util import is_openid_scope

from siteops.database import autocommit_engine, init_autocommit_engine
from siteops.faults import UNAVAILABLE, dependency_errors
from siteops.request_log import ENVIRON_KEY as REQUEST_ID_KEY

from ..clock import now
from ..digests import digest, matches_digest
from ..extensions import db
from ..models.oauth import allowed_scope, has_grant_type, refresh_token_active
from . import client_tokens, keys
from .claims import seller_claims
from .client_auth import authenticate_client, plausible_client_id, presented_credentials
from .endpoints import REALM, SECRET_AUTH_METHODS, BearerChallenge, InsufficientScope
from .grants import client_token_scope, keeps_refresh_tokens, refreshed_id_token, within_granted_scope
from .tokens import (
    INTROSPECTION_REQUEST,
    REFRESH_REQUEST,
    active_bearer_token,
    introspection_answer,
    new_bearer_token,
    rotate_on_connection,
)
from .wire import MachineRequest, WireError, answer, oauth_error, wire_error

TOKEN_PATH = "/oauth/token"
INTROSPECTION_PATH = "/oauth/introspect"
USERINFO_PATH = "/oauth/userinfo"
PASS_ON = object()  # a token request of another grant: Flask's


def _logged_with(environ):
    """The request's ID for a log line written before Flask (no request context to read it from)."""
    return {"request_id": environ.get(REQUEST_ID_KEY)}

class MachineEndpoints:
    """WSGI middleware: the three endpoints here, every other request on to ``wsgi_app``."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app
        self.config = app.config
        self.engine = autocommit_engine(app)
        self.routes = {
            TOKEN_PATH: (("POST",), self.token),
            INTROSPECTION_PATH: (("POST",), self.introspection),
            USERINFO_PATH: (("GET", "HEAD", "POST"), self.userinfo),
        }

    def __call__(self, environ, start_response):
        route = self.routes.get(environ.get("PATH_INFO"))
        if route is None:
            return self.wsgi_app(environ, start_response)
        methods, handler = route
        secure = environ.get("wsgi.url_scheme") == "https"
        if environ.get("REQUEST_METHOD") not in methods:
            allow = ("Allow", ", ".join(methods))
            return wire_error(
                start_response,
                secure,
                WireError("405 Method Not Allowed", "invalid_request", "Method Not Allowed"),
                [allow],
            )
        try:
            request = MachineRequest(environ, self.config["MAX_CONTENT_LENGTH"])
            result = handler(request)
        except WireError as error:
            return wire_error(start_response, secure, error)
        except OAuth2Error as error:
            return oauth_error(start_response, secure, error)
        except dependency_errors() as error:
            self.app.logger.error(
                "dependency unavailable: %s", type(error).__name__, exc_info=error, extra=_logged_with(environ)
            )
            return wire_error(
                start_response,
                secure,
                WireError("503 Service Unavailable", "temporarily_unavailable", UNAVAILABLE),
                [("Retry-After", "5")],
            )
        except Exception:
            self.app.logger.exception("unhandled error", extra=_logged_with(environ))
            return wire_error(
                start_response, secure, WireError("500 Internal Server Error", "server_error", "Internal Server Error")
            )
        if result is PASS_ON:
            request.replay_body()
            return self.wsgi_app(environ, start_response)
        body = answer(start_response, secure, "200 OK", result)
        return [] if request.method == "HEAD" else body

    # --- the database --------------------------------------------------------------------

    def connection(self):
        """A pooled connection whose statements each commit on their own (PostgreSQL; see
        siteops.database.init_autocommit_engine)."""
        return self.engine.connect()

    # --- the endpoints ---------------------------------------------------------------------

    def token(self, request):
        grant_type = request.get("grant_type")
        if grant_type == "refresh_token":
            return self.refresh(request)
        if grant_type != "client_credentials":
            return PASS_ON
        with self.connection() as connection:
            return self.client_credentials(connection, request)

    def client_credentials(self, connection, request):
        """A client's own token (RFC 6749 4.4): one statement reads the client; the token is
        self-contained (client_tokens.py), so nothing is written."""
        client = authenticate_client(connection, request, SECRET_AUTH_METHODS)
        scope = client_token_request_scope(client, request)
        ttl, secret_key = self.config["ACCESS_TOKEN_TTL"], self.config["SECRET_KEY"]
        return new_bearer_token(scope, False, self.config, client_tokens.mint(client, scope, now(), ttl, secret_key))

    def refresh(self, request):
        """A refresh that succeeds (RFC 6749 6): one statement reads the client, the token and
        the seller, one spends the token and stores its successor. Every other refresh request
        (a refusal of any kind, a public client, reuse, a lost race) goes on to Authlib's grant,
        which answers it as it always has: its refusals, and reuse revoking the grant, stay in
        one place."""
        credentials = presented_credentials(request, SECRET_AUTH_METHODS)
        value = request.get("refresh_token")
        if len(credentials) != 1 or value is None:
            return PASS_ON
        method, client_id, secret = credentials[0]
        if not plausible_client_id(client_id):
            return PASS_ON
        requested = request.get("scope")
        with self.connection() as connection:
            row = REFRESH_REQUEST.first(connection, {"client_id": client_id, "token_hash": digest(value)})
            if not (
                row is not None
                and row.token_endpoint_auth_method == method
                and matches_digest(secret, row.client_secret_hash)
                and has_grant_type(row, "refresh_token")
                and row.token_id is not None
                and row.seller_pk is not None
                and refresh_token_active(row, row.family_revoked_at, now())
                and within_granted_scope(requested, row.scope)
            ):
                return PASS_ON
            scope = requested or row.scope
            token = new_bearer_token(
                allowed_scope(row.client_scope, scope), keeps_refresh_tokens(row, True, scope), self.config
            )
            if not rotate_on_connection(connection, row, token, row.id, self.config):
                return PASS_ON  # spent by another request meanwhile: reuse, for the grant to answer
        if is_openid_scope(token.get("scope")):
            view = keys.view_for(self.app)
            token["id_token"] = refreshed_id_token(
                row, row, token["scope"], token["access_token"], row.auth_time, view, self.config
            )
        return token

    def introspection(self, request):
        # The hint (RFC 7662 2.1) is ignored: one lookup finds either kind.
        token = request.get("token")
        with self.connection() as connection:
            if token is None:  # the client authenticates first, as at every endpoint
                authenticate_client(connection, request, SECRET_AUTH_METHODS)
                raise InvalidRequestError("'token' is required.")
            client_token = client_tokens.read(token)
            if client_token is not None:
                client = authenticate_client(
                    connection,
                    request,
                    SECRET_AUTH_METHODS,
                    client_tokens.CLIENT_WITH_REVOCATION,
                    token_hash=client_token.digest,
                )
                return client_tokens.introspection_answer(
                    client_token, client, now(), self.config["ISSUER"], self.config["SECRET_KEY"]
                )
            token_hash = digest(token)
            row = authenticate_client(
                connection, request, SECRET_AUTH_METHODS, INTROSPECTION_REQUEST, token_hash=token_hash
            )
        return introspection_answer(row, token_hash, self.config["ISSUER"])

    def userinfo(self, request):
        token = request.bearer_token()
        if token is None:
            raise BearerChallenge()
        with self.connection() as connection:
            row = active_bearer_token(connection, token, self.config["SECRET_KEY"])
        if row is None:
            raise InvalidTokenError(realm=REALM)
        # UserInfo is for a seller's openid grant; a client's own token has no seller.
        if row.seller_pk is None or "openid" not in row.scope.split():
            raise InsufficientScope(["openid"])
        return seller_claims(row, row.scope)


def client_token_request_scope(client, request):
    """The scope of the token a client asks for itself, or the refusal (RFC 6749 4.4, 5.2)."""
    if not has_grant_type(client, "client_credentials"):
        raise UnauthorizedClientError("The client is not allowed to use 'grant_type=client_credentials'.")
    return client_token_scope(client, request.get("scope"))


def init_machine_endpoints(app):
    init_autocommit_engine(app, db)
    for path, endpoint in ((INTROSPECTION_PATH, "oauth.introspect"), (USERINFO_PATH, "oauth.userinfo")):
        app.add_url_rule(path, endpoint, build_only=True)
    app.wsgi_app = MachineEndpoints(app.wsgi_app, app)
