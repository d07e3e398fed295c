"""The machine endpoints, answered before Flask: a client's own token (``client_credentials`` at
the token endpoint, RFC 6749 4.4), token introspection (RFC 7662) and UserInfo (OpenID Connect
Core 5.3).

Resource servers and clients call these many times a second, and each answer is a lookup or
one row. Served through Flask and Authlib, the framework cost several times the work itself
(a request context, the session, routing, Authlib's request objects, ORM entities), so this
WSGI layer answers them from the environ (wire.py) with plain rows on a pooled connection
outside any transaction: a client's own token is 2 statements, introspection 2, UserInfo 1.
The rules are the ones the rest of QSM uses: client authentication (client_auth.py), the scope
of a client's token (grants.py), token state (models.oauth), claims (claims.py), and Authlib's
error classes for every refusal. Token requests for the other grants go on to Flask, where
Authlib serves them; the routes stay in Flask's URL map as build-only rules, for ``url_for``.
"""
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidRequestError, UnauthorizedClientError
from authlib.oauth2.rfc6750 import InvalidTokenError

from siteops.database import autocommit_engine, init_autocommit_engine
from siteops.faults import UNAVAILABLE, dependency_errors

from ..extensions import db
from ..models.oauth import has_grant_type
from .claims import seller_claims
from .client_auth import authenticate_client
from .endpoints import REALM, BearerChallenge, InsufficientScope, SECRET_AUTH_METHODS
from .grants import client_token_scope
from .tokens import active_bearer_token, introspect_token, issue_client_token
from .wire import MachineRequest, WireError, answer, oauth_error, wire_error

TOKEN_PATH = "/oauth/token"
INTROSPECTION_PATH = "/oauth/introspect"
USERINFO_PATH = "/oauth/userinfo"
PASS_ON = object()  # a token request of another grant: Flask's


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
            return wire_error(start_response, secure, WireError("405 Method Not Allowed", "invalid_request", "Method Not Allowed"), [allow])
        try:
            request = MachineRequest(environ, self.config["MAX_CONTENT_LENGTH"])
            result = handler(request)
        except WireError as error:
            return wire_error(start_response, secure, error)
        except OAuth2Error as error:
            return oauth_error(start_response, secure, error)
        except dependency_errors() as error:
            self.app.logger.error("dependency unavailable: %s", type(error).__name__, exc_info=error)
            return wire_error(start_response, secure, WireError("503 Service Unavailable", "temporarily_unavailable", UNAVAILABLE), [("Retry-After", "5")])
        except Exception:
            self.app.logger.exception("unhandled error")
            return wire_error(start_response, secure, WireError("500 Internal Server Error", "server_error", "Internal Server Error"))
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
        if request.get("grant_type") != "client_credentials":
            return PASS_ON
        with self.connection() as connection:
            client = authenticate_client(connection, request, SECRET_AUTH_METHODS)
            if not has_grant_type(client, "client_credentials"):
                raise UnauthorizedClientError("The client is not allowed to use 'grant_type=client_credentials'.")
            scope = client_token_scope(client, request.get("scope"))
            return issue_client_token(connection, client, scope, self.config)

    def introspection(self, request):
        with self.connection() as connection:
            client = authenticate_client(connection, request, SECRET_AUTH_METHODS)
            # The hint (RFC 7662 2.1) is ignored: one lookup finds either kind.
            token = request.get("token")
            if token is None:
                raise InvalidRequestError("'token' is required.")
            return introspect_token(connection, token, client, self.config["ISSUER"])

    def userinfo(self, request):
        token = request.bearer_token()
        if token is None:
            raise BearerChallenge()
        with self.connection() as connection:
            row = active_bearer_token(connection, token)
        if row is None:
            raise InvalidTokenError(realm=REALM)
        # UserInfo is for a seller's openid grant; a client's own token has no seller.
        if row.seller_pk is None or "openid" not in row.scope.split():
            raise InsufficientScope(["openid"])
        return seller_claims(row, row.scope)


def init_machine_endpoints(app):
    init_autocommit_engine(app, db)
    for path, endpoint in ((INTROSPECTION_PATH, "oauth.introspect"), (USERINFO_PATH, "oauth.userinfo")):
        app.add_url_rule(path, endpoint, build_only=True)
    app.wsgi_app = MachineEndpoints(app.wsgi_app, app)
