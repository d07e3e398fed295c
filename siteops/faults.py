"""A dependency that is down is a 503 with a clear message, never a 500 or a traceback.

Down includes frozen: the bounds of siteops/database.py end a wait on a database that does not
answer with an OperationalError, a full pool with SQLAlchemy's TimeoutError, and Redis's socket
timeouts with its TimeoutError; all of them are 503s here. So is any other database error that
cost the connection (SQLAlchemy invalidated it: the server ended the session, e.g. after the
idle-in-transaction timeout), and a Redis that answers but cannot take writes now (a replica
after a failover, out of memory, or MISCONF: snapshots configured where it cannot write).
"""
from flask import jsonify, make_response, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, TimeoutError as PoolTimeout

try:
    from limits.errors import StorageError
except ImportError:  # older limits
    StorageError = ()

try:
    from redis.exceptions import (
        ConnectionError as RedisConnectionError,
        OutOfMemoryError as RedisOutOfMemory,
        ReadOnlyError as RedisReadOnly,
        ResponseError as RedisResponseError,
        TimeoutError as RedisTimeout,
    )
except ImportError:
    RedisConnectionError = RedisTimeout = RedisReadOnly = RedisOutOfMemory = RedisResponseError = ()

UNAVAILABLE = "The service is temporarily unavailable. Please try again in a moment."


def _dependency_errors():
    errors = [OperationalError, InterfaceError, PoolTimeout]
    for error in (StorageError, RedisConnectionError, RedisTimeout, RedisReadOnly, RedisOutOfMemory):
        if isinstance(error, type):
            errors.append(error)
    return tuple(errors)


def dependency_errors():
    """The exceptions that mean a database or Redis is down or too slow (a 503, never a 500)."""
    return _dependency_errors()


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

    def lost_connection(error):
        if error.connection_invalidated:
            return unavailable(error)
        raise error  # an ordinary database error (a constraint...): a 500, as without this handler

    def redis_refusing(error):
        if str(error).startswith("MISCONF"):  # redis-py has no class of its own for it
            return unavailable(error)
        raise error  # a command Redis refused as wrong: a 500, as without this handler

    for error in _dependency_errors():
        app.register_error_handler(error, unavailable)
    app.register_error_handler(DBAPIError, lost_connection)
    if isinstance(RedisResponseError, type):
        app.register_error_handler(RedisResponseError, redis_refusing)

