"""One JSON object a line, every line of a request carrying its request ID (also sent back
in the X-Request-ID header, so a seller's report can be matched to the logs).

The ID and the request's log line come from a WSGI middleware around the whole app, not from
Flask hooks: it reads the WSGI environ directly, so it costs a token request a few
microseconds, and it covers what answers before Flask does (the fixed OpenID documents).
"""
import json
import logging
import re
import time
import uuid

from flask import has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
ENVIRON_KEY = "siteops.request_id"
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id():
    return request.environ.get(ENVIRON_KEY) if has_request_context() else None


class JsonFormatter(logging.Formatter):
    def __init__(self, site):
        super().__init__()
        self.site = site

    def format(self, record):
        entry = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "site": self.site,
            "logger": record.name,
            "pid": record.process,  # which worker: an instance's workers share one log
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key in ("method", "path", "status", "duration_ms", "remote_addr"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_json_logging(app):
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(app.config.get("SITE", app.name)))
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.propagate = False


class RequestLog:
    """WSGI middleware: give every request an ID (a load balancer's, if well-formed; arbitrary
    input is never echoed), send it back, and log one line per request when ``log`` is on."""

    def __init__(self, wsgi_app, logger, log):
        self.wsgi_app = wsgi_app
        self.logger = logger
        self.log = log

    def __call__(self, environ, start_response):
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _ACCEPTABLE_ID.match(incoming) else uuid.uuid4().hex
        environ[ENVIRON_KEY] = request_id
        started = time.perf_counter()

        def start(status, headers, exc_info=None):
            headers.append((REQUEST_ID_HEADER, request_id))
            if self.log:
                self.logger.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": environ.get("REQUEST_METHOD"),
                        "path": environ.get("PATH_INFO"),
                        "status": int(status[:3]),
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "remote_addr": environ.get("REMOTE_ADDR"),
                    },
                )
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def register_request_log(app):
    if app.config.get("LOG_JSON"):
        configure_json_logging(app)
    app.wsgi_app = RequestLog(app.wsgi_app, app.logger, bool(app.config.get("LOG_REQUESTS")))
