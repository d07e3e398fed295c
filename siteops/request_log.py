"""One JSON object a line, every line of a request carrying its request ID (also sent back
in the X-Request-ID header, so a seller's report can be matched to the logs)."""
import json
import logging
import re
import time
import uuid

from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id():
    return g.get("request_id") if has_request_context() else None


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


def register_request_log(app):
    if app.config.get("LOG_JSON"):
        configure_json_logging(app)

    @app.before_request
    def assign_request_id():
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        # Accept a load balancer's ID only if it is well-formed; never echo arbitrary input.
        g.request_id = incoming if _ACCEPTABLE_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        if app.config.get("LOG_REQUESTS"):
            started = g.get("request_started", time.perf_counter())
            app.logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "remote_addr": request.remote_addr,
                },
            )
        return response
