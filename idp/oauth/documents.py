"""The discovery document and the JWKS, answered as prebuilt bytes before Flask sees the request.

Both are fixed between key rotations and fetched by every client and resource server, often
more than any other endpoint: a WSGI layer that serves them costs a fraction of a Flask
request (no request context, session, routing or hooks). The routes stay in the URL map as
build-only rules, so ``url_for`` names them; this is the one place that answers them.
Each answer has an ETag, so a client that revalidates gets a 304 without the body.
"""
import hashlib
import json

from siteops.faults import UNAVAILABLE, dependency_errors
from websafety.headers import security_headers

from . import keys
from .discovery import metadata_json

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/oauth/jwks"


class Document:
    __slots__ = ("body", "etag", "content_type", "cache_control")

    def __init__(self, body, content_type, cache_control):
        self.body = body
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        self.content_type = content_type
        self.cache_control = cache_control


def register_document_routes(app):
    app.add_url_rule(DISCOVERY_PATH, "oauth.discovery", build_only=True)
    app.add_url_rule(JWKS_PATH, "oauth.jwks", build_only=True)


class OpenIDDocuments:
    """WSGI middleware for the two documents; every other request goes on to the app."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app
        self._discovery = None
        self._jwks = (None, None)  # (the key view it was built from, its Document)
        self._documents = {DISCOVERY_PATH: self.discovery, JWKS_PATH: self.jwks}

    def discovery(self, environ):
        if self._discovery is None:
            with self.app.request_context(environ):
                self._discovery = Document(metadata_json().encode(), "application/json", "public, max-age=3600")
        return self._discovery

    def jwks(self, environ):
        built_from, document = self._jwks
        view = keys.view_for(self.app)
        if view is not built_from:
            max_age = self.app.config["SIGNING_KEY_CACHE_SECONDS"]
            document = Document(view.jwks_json, "application/jwk-set+json", f"public, max-age={max_age}")
            self._jwks = (view, document)
        return document

    def __call__(self, environ, start_response):
        build = self._documents.get(environ.get("PATH_INFO"))
        if build is None:
            return self.wsgi_app(environ, start_response)
        headers = security_headers(environ.get("wsgi.url_scheme") == "https")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            headers.append(("Allow", "GET, HEAD"))
            return json_error(
                start_response, "405 Method Not Allowed", headers, "invalid_request", "Method Not Allowed"
            )
        try:
            document = build(environ)
        except dependency_errors() as error:
            self.app.logger.error("dependency unavailable: %s", type(error).__name__, exc_info=error)
            headers.append(("Retry-After", "5"))
            return json_error(
                start_response, "503 Service Unavailable", headers, "temporarily_unavailable", UNAVAILABLE
            )
        headers += [("Cache-Control", document.cache_control), ("ETag", document.etag)]
        if_none_match = environ.get("HTTP_IF_NONE_MATCH", "")
        if if_none_match and (document.etag in if_none_match or if_none_match.strip() == "*"):
            start_response("304 Not Modified", headers)
            return []
        headers += [("Content-Type", document.content_type), ("Content-Length", str(len(document.body)))]
        start_response("200 OK", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [document.body]


def json_error(start_response, status, headers, error, description):
    body = json.dumps({"error": error, "error_description": description}).encode()
    headers = headers + [
        ("Cache-Control", "no-store"),
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
    ]
    start_response(status, headers)
    return [body]


def init_documents(app):
    register_document_routes(app)
    app.wsgi_app = OpenIDDocuments(app.wsgi_app, app)

