"""Requests and answers of the machine endpoints, in plain WSGI.

The endpoints that servers call many times a second (a client's own token, introspection,
UserInfo: ``machine.py``) are answered before Flask, from the WSGI environ. This module reads
such a request the way Flask and Authlib would (form parameters, HTTP Basic client
credentials, a bearer token) and writes the JSON answer with the headers every QSM answer
carries. ``parameter_problem`` is also the rule Flask's OAuth views apply
(``routes.refuse_malformed_parameters``), so both surfaces refuse the same requests.
"""
import base64
import binascii
import io
import json
from urllib.parse import parse_qsl, unquote

from authlib.oauth2.base import invalid_error_characters

from websafety.headers import security_headers

MAX_PARAMETER_LENGTH = 2048
MAX_NAME_LENGTH = 128
# RFC 6749 5.1 and OpenID Connect Core 5.3.2: tokens and claims are never cached.
JSON_HEADERS = (("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("Pragma", "no-cache"))
FORM_TYPE = "application/x-www-form-urlencoded"


def parameter_problem(items):
    """What is wrong with a request's parameters, or None: each (name, value) of the query and
    the body together. RFC 6749 3.1 and 3.2: no parameter may be given twice (a query parameter
    repeated in the body counts too); none is longer than any OAuth value; none holds a NUL
    (PostgreSQL's text columns refuse it with an error)."""
    seen = set()
    for name, value in items:
        if name in seen:
            return f"Parameter '{_shown(name)}' was given more than once."
        seen.add(name)
        if len(value) > MAX_PARAMETER_LENGTH or len(name) > MAX_NAME_LENGTH:
            return f"Parameter '{_shown(name)}' is too long."
        if "\x00" in name or "\x00" in value:
            return f"Parameter '{_shown(name)}' holds a NUL character."
    return None


def _shown(name):
    """A parameter's name as an error may quote it (RFC 6749 5.2's characters, a sane length)."""
    return name if len(name) <= MAX_NAME_LENGTH and not invalid_error_characters(name) else "?"


class WireError(Exception):
    """A request refused before any OAuth rule ran: (status line, error code, description)."""

    def __init__(self, status, error, description):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


class MachineRequest:
    """What a machine endpoint reads of a request: method, parameters, Authorization header."""

    __slots__ = ("environ", "method", "params", "authorization", "body")

    def __init__(self, environ, max_body):
        self.environ = environ
        self.method = environ.get("REQUEST_METHOD", "GET")
        self.authorization = environ.get("HTTP_AUTHORIZATION", "")
        self.body = None
        query = environ.get("QUERY_STRING", "")
        items = _decode(query) if query else []
        if self.method == "POST":
            length = _content_length(environ)
            if length > max_body:
                raise WireError("413 Request Entity Too Large", "invalid_request", "Request Entity Too Large")
            content_type = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
            if length and content_type == FORM_TYPE:
                self.body = environ["wsgi.input"].read(length)
                items += _decode(self.body.decode("utf-8", "replace"))
        problem = parameter_problem(items)
        if problem:
            raise WireError("400 Bad Request", "invalid_request", problem)
        self.params = dict(items)

    def get(self, name):
        """A parameter's value; an empty one is an absent one (RFC 6749 3.1)."""
        return self.params.get(name) or None

    def basic_credentials(self):
        """(client_id, client_secret) from HTTP Basic, each form-urlencoded first (RFC 6749
        2.3.1); (None, None) without Basic or when it does not decode."""
        scheme, _, token = self.authorization.partition(" ")
        if scheme.lower() != "basic":
            return None, None
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None, None
        client_id, colon, secret = decoded.partition(":")
        return unquote(client_id) or None, (unquote(secret) or None) if colon else None

    def bearer_token(self):
        """The access token of an ``Authorization: Bearer`` header (RFC 6750 2.1), or None.
        Only the header: a token in a query or form leaks into logs and histories."""
        scheme, _, token = self.authorization.partition(" ")
        token = token.strip()
        return token if scheme.lower() == "bearer" and token else None

    def replay_body(self):
        """Give the body back to the next WSGI layer, for a request this layer does not answer."""
        if self.body is not None:
            self.environ["wsgi.input"] = io.BytesIO(self.body)

    @property
    def is_secure(self):
        return self.environ.get("wsgi.url_scheme") == "https"


def _decode(text):
    return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")


def _content_length(environ):
    try:
        return max(0, int(environ.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def answer(start_response, is_secure, status, body, headers=()):
    """A JSON answer: ``body`` a dict (dumped here) or bytes; ``headers`` replace the JSON
    defaults they name (Authlib's error headers carry the defaults themselves)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    names = {name.lower() for name, _ in headers}
    out = security_headers(is_secure)
    out += [header for header in JSON_HEADERS if header[0].lower() not in names]
    out += headers
    out.append(("Content-Length", str(len(data))))
    start_response(status, out)
    return [data]


STATUS_LINES = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    405: "405 Method Not Allowed",
}


def oauth_error(start_response, is_secure, error):
    """An Authlib OAuth2Error as its status, JSON body and headers (WWW-Authenticate...)."""
    status, body, headers = error()
    return answer(start_response, is_secure, STATUS_LINES.get(status) or f"{status} Error", body, list(headers))


def wire_error(start_response, is_secure, error, headers=()):
    return answer(
        start_response,
        is_secure,
        error.status,
        {"error": error.error, "error_description": error.description},
        list(headers),
    )
