"""/healthz: the process answers. /readyz: the database and Redis answer too, within a bound.

/readyz runs each check in a thread of its own and waits for them at most READYZ_TIMEOUT
seconds (app config; default 2) in all: a dependency that refuses or fails is ``"down"``; one
that has not answered by then, or whose own timeouts ended the check (frozen, or behind a
network that drops packets), is ``"timeout"``. Either makes /readyz a 503 that names it.

The database is checked on each engine of the app (each has its own pool), side by side, and
is ready when every one answers. A check still running when the next /readyz comes is waited
on again, not started twice: a frozen dependency holds at most one thread per engine (or Redis
client) and process however often the balancer asks, and each check ends by itself within its
dependency's own timeouts (the database engine's bounds, siteops/database.py; the Redis
client's socket timeouts below).
"""
import functools
import threading
import time

from flask import current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, TimeoutError as PoolTimeout

from .database import app_engines

DEFAULT_TIMEOUT = 2.0
OK, DOWN, TIMEOUT = "ok", "down", "timeout"
_setup_lock = threading.Lock()


def timed_out(error):
    """Whether ``error`` (or what caused it) is a timeout: the dependency did not answer in time
    (``"timeout"``), rather than refused or failed (``"down"``)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, _timeout_errors()):
            return True
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
    return False


@functools.cache
def _timeout_errors():
    errors = [TimeoutError, PoolTimeout]  # TimeoutError: socket.timeout too
    try:
        import psycopg

        from .database import not_answering_error

        errors += [psycopg.errors.ConnectionTimeout, psycopg.errors.QueryCanceled, not_answering_error()]
    except ImportError:  # pragma: no cover - no psycopg
        pass
    try:
        from redis.exceptions import TimeoutError as RedisTimeout

        errors.append(RedisTimeout)
    except ImportError:  # pragma: no cover - no redis
        pass
    return tuple(errors)


def check_database(engine):
    for attempt in (1, 2):
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return OK
        except DBAPIError as error:
            # A pooled connection the database dropped earlier (a restart, a cut network) fails
            # its first statement; SQLAlchemy then replaces the pool's connections. That says
            # nothing of the database now: ask once more, on a fresh connection.
            if attempt == 1 and error.connection_invalidated and not timed_out(error):
                continue
            return TIMEOUT if timed_out(error) else DOWN
        except Exception as error:  # any failure to reach it means: not ready
            return TIMEOUT if timed_out(error) else DOWN
    return DOWN  # pragma: no cover - the loop always returns


def check_redis(client):
    try:
        client.ping()
        return OK
    except Exception as error:
        return TIMEOUT if timed_out(error) else DOWN


def redis_url(app):
    url = app.config.get("RATELIMIT_STORAGE_URI") or ""
    return url if url.startswith(("redis://", "rediss://")) else None


def redis_client(url, timeout):
    """One client (one small connection pool) per app for the checks, with socket timeouts and
    no retries, so that a check of a frozen Redis ends after ``timeout`` seconds."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0), max_connections=4
    )


class Check:
    """One dependency's check, run in a daemon thread: at most one in flight at a time."""

    def __init__(self, name):
        self.name = name
        self._lock = threading.Lock()
        self._running = None  # the Event of the check in flight; .state holds its answer

    def start(self, probe):
        """The check in flight, or a new one running ``probe()``; ``wait()`` for its answer."""
        with self._lock:
            if self._running is None:
                run = self._running = threading.Event()
                run.state = TIMEOUT
                threading.Thread(target=self._run, args=(probe, run), name=f"readyz-{self.name}", daemon=True).start()
            return self._running

    def _run(self, probe, run):
        try:
            run.state = probe()
        except BaseException:
            run.state = DOWN
        finally:
            with self._lock:
                self._running = None
            run.set()


def wait_for(run, deadline):
    return run.state if run.wait(max(0.0, deadline - time.monotonic())) else TIMEOUT


def least_ready(states):
    """One dependency's state from several checks of it: ``"down"`` over ``"timeout"`` over ``"ok"``."""
    return DOWN if DOWN in states else TIMEOUT if TIMEOUT in states else OK


def readiness(app, db):
    """``{name: state}`` for every dependency of ``app``, within the app's READYZ_TIMEOUT."""
    timeout = float(app.config.get("READYZ_TIMEOUT") or DEFAULT_TIMEOUT)
    engines = app_engines(app, db)
    probes = {f"database-{number}": functools.partial(check_database, engine) for number, engine in enumerate(engines)}
    url = redis_url(app)
    with _setup_lock:
        state = app.extensions.setdefault("siteops.readiness", {"checks": {}, "redis": None})
        if url:
            if state["redis"] is None:
                state["redis"] = redis_client(url, timeout)
            client = state["redis"]
            probes["redis"] = lambda: check_redis(client)
        checks = {name: state["checks"].setdefault(name, Check(name)) for name in probes}
    deadline = time.monotonic() + timeout
    # Every check starts before /readyz waits on any: side by side, one deadline for all.
    runs = {name: checks[name].start(probe) for name, probe in probes.items()}
    states = {name: wait_for(run, deadline) for name, run in runs.items()}
    database = least_ready([states.pop(f"database-{number}") for number in range(len(engines))])
    return {"database": database, **states}


def register_health_checks(app, db):
    exempt = []

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        checks = readiness(current_app, db)
        ready = all(state == OK for state in checks.values())
        response = jsonify(status="ready" if ready else "unavailable", checks=checks)
        response.status_code = 200 if ready else 503
        response.headers["Cache-Control"] = "no-store"
        return response

    exempt.extend([healthz, readyz])
    csrf = app.extensions.get("csrf")
    limiter = app.extensions.get("limiter")
    for view in exempt:
        if csrf is not None:
            csrf.exempt(view)
        if limiter is not None:
            for ext in limiter if isinstance(limiter, set) else [limiter]:
                ext.exempt(view)
