"""A dependency that is down is a 503 with a clear message, never a 500 or a traceback."""
from flask import jsonify, make_response, request
from sqlalchemy.exc import InterfaceError, OperationalError, TimeoutError as PoolTimeout

try:
    from limits.errors import StorageError
except ImportError:  # older limits
    StorageError = ()

try:
    from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeout
except ImportError:
    RedisConnectionError = RedisTimeout = ()

UNAVAILABLE = "The service is temporarily unavailable. Please try again in a moment."


def _dependency_errors():
    errors = [OperationalError, InterfaceError, PoolTimeout]
    for error in (StorageError, RedisConnectionError, RedisTimeout):
        if isinstance(error, type):
            errors.append(error)
    return tuple(errors)


def register_fault_handlers(app, db, json_prefixes, unavailable_template):
    def unavailable(error):
        app.logger.error("dependency unavailable: %s", type(error).__name__, exc_info=error)
        try:
            db.session.rollback()
        except Exception:
            db.session.remove()
        if request.path.startswith(tuple(json_prefixes)) or request.path in ("/healthz", "/readyz"):
            response = jsonify(error="temporarily_unavailable", error_description=UNAVAILABLE)
        else:
            # Rendered without context processors: they would ask the database for the user.
            template = app.jinja_env.get_template(unavailable_template) if unavailable_template else None
            body = template.render(message=UNAVAILABLE) if template else UNAVAILABLE
            response = make_response(body)
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        response.headers["Cache-Control"] = "no-store"
        return response

    for error in _dependency_errors():
        app.register_error_handler(error, unavailable)

