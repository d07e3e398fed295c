"""Database connections that cannot hold a request for long: every wait on PostgreSQL is bounded.

``engine_options(url, bounds)`` gives a site's SQLALCHEMY_ENGINE_OPTIONS (config.py builds the
bounds from the site's ``<PREFIX>_DB_*`` settings). On PostgreSQL:

* the server cancels a statement after ``statement`` seconds and a lock wait after ``lock``,
  and ends a session left idle inside a transaction after ``idle_in_transaction`` (libpq's
  ``options=-c ...``): what a slow query or a stalled client can cost the others;
* connecting (TCP, TLS, authentication) gives up after ``connect`` seconds (whole seconds, at
  least 2: libpq's rule), waiting for a pooled connection after ``pool``;
* the client gives up on a server that does not answer at all after ``response`` seconds, and
  closes that connection. Nothing on the server side can do this: a frozen server (SIGSTOP, a
  VM paused, a network that drops packets) cancels nothing, and its kernel keeps acknowledging
  what is sent to it, so TCP keepalives and ``tcp_user_timeout`` (set as well, for packet loss)
  never fire. psycopg 3 connections here wait at most ``response`` seconds for each round trip
  (a statement, a commit, the idle ping); then the connection is closed, SQLAlchemy sees a
  disconnect (OperationalError: a 503, siteops.faults) and reconnects the pool when the server
  is back. A transaction whose connection is closed before its COMMIT reached the server is
  rolled back by the server. One whose COMMIT was already sent when the server froze is
  committed when it runs again, although the request answered 503: no timeout can take back
  what the server has received (what to do about that is the endpoint's business: idempotency).

The response timeout is longer than the statement timeout, so a merely slow statement is
cancelled by the server (the connection stays usable) before the client gives up on it.

Other databases (SQLite: the demo and the tests) get only the idle ping below; psycopg2 gets the
libpq parameters but no response timeout. A value of 0 turns that bound off.
"""
import functools
import inspect
import logging
import math
import select
import time
from dataclasses import dataclass
from types import ModuleType

from sqlalchemy.engine import make_url

RESPONSE_MARGIN = 0.5  # seconds the client waits beyond the statement timeout by default


@dataclass(frozen=True)
class DatabaseBounds:
    """Seconds; 0 turns a bound off. The defaults are config.py's. ``response=None``: the
    statement timeout plus RESPONSE_MARGIN (off when the statement timeout is off)."""

    connect: float
    statement: float
    lock: float
    idle_in_transaction: float
    pool: int
    response: float | None = None

    @property
    def response_timeout(self):
        if self.response is not None:
            return self.response or None
        return self.statement + RESPONSE_MARGIN if self.statement else None

    @property
    def connect_timeout(self):
        return max(2, math.ceil(self.connect)) if self.connect else None

    def request_bound(self):
        """The longest a request waits on a frozen database before its 503 (4 s with the
        defaults, 5 s counting the pool): one round trip (the idle ping or a statement), one
        reconnection attempt (the pool's, after the failed ping), and a wait for a free pooled
        connection when every one is busy."""
        return (self.response_timeout or math.inf) + (self.connect_timeout or math.inf) + (self.pool or 0)


def _ms(seconds):
    return int(round(seconds * 1000))


def _server_settings(bounds):
    settings = {
        "statement_timeout": bounds.statement,
        "lock_timeout": bounds.lock,
        "idle_in_transaction_session_timeout": bounds.idle_in_transaction,
    }
    return " ".join(f"-c {name}={_ms(value)}" for name, value in settings.items() if value)


def libpq_parameters(bounds):
    """Connection parameters (libpq's names) that carry the bounds."""
    parameters = {}
    if bounds.connect_timeout:
        parameters["connect_timeout"] = bounds.connect_timeout
    options = _server_settings(bounds)
    if options:
        parameters["options"] = options
    # A dead peer or a lossy network: probe idle connections, and drop a connection whose sent
    # data stays unacknowledged for as long as a response may take.
    parameters.update(keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=2)
    if bounds.response_timeout:
        parameters["tcp_user_timeout"] = _ms(bounds.response_timeout)
    return parameters


def engine_options(url, bounds):
    """SQLALCHEMY_ENGINE_OPTIONS for a site whose database is ``url``.

    Parameters already in the URL's query (``?connect_timeout=5``) win over the bounds; server
    settings in its ``options`` come after the bounds' (so they win too).
    """
    options = {}
    url = make_url(url)
    if url.get_backend_name() != "postgresql":
        return options
    if bounds.pool:
        options["pool_timeout"] = int(math.ceil(bounds.pool))
    if url.get_driver_name() not in ("psycopg", "psycopg2"):  # not libpq: pg8000, asyncpg...
        return options
    connect_args = {}
    for name, value in libpq_parameters(bounds).items():
        if name == "options" and url.query.get("options"):
            value = f"{value} {url.query['options']}"
        elif name in url.query:
            continue
        connect_args[name] = value
    options["connect_args"] = connect_args
    if url.get_driver_name() == "psycopg" and bounds.response_timeout:
        if psycopg_bounds_waits():
            options["module"] = bounded_psycopg(bounds.response_timeout)
        else:  # pragma: no cover - an older psycopg
            logging.getLogger(__name__).warning("psycopg without Connection.wait(timeout=...): no response timeout")
    return options


# --- psycopg 3 with a client-side response timeout ------------------------------------------


def bounded_psycopg(response_timeout):
    """The psycopg module as SQLAlchemy's psycopg dialect uses it (``create_engine(module=...)``),
    except that its connections wait at most ``response_timeout`` seconds for the server."""
    module = _modules.get(response_timeout)
    if module is None:
        module = _modules[response_timeout] = _BoundedPsycopg(response_timeout)
    return module


_modules = {}


class _BoundedPsycopg(ModuleType):
    def __init__(self, response_timeout):
        super().__init__("psycopg", "psycopg, each connection's waits bounded (siteops.database)")
        self.response_timeout = response_timeout

    def __getattr__(self, name):  # everything else is psycopg's own
        import psycopg

        return getattr(psycopg, name)

    def __repr__(self):
        return f"<psycopg with a {self.response_timeout:g}s response timeout>"

    def connect(self, *args, **kwargs):
        return bounded_connection_class(self.response_timeout).connect(*args, **kwargs)


@functools.cache
def not_answering_error():
    """The OperationalError raised when the server does not answer within the response timeout."""
    import psycopg

    class DatabaseNotAnswering(psycopg.OperationalError):
        """The database server did not answer within the response timeout; the connection is closed."""

    DatabaseNotAnswering.__module__ = __name__
    DatabaseNotAnswering.__qualname__ = "DatabaseNotAnswering"
    return DatabaseNotAnswering


@functools.cache
def psycopg_bounds_waits():
    """Whether the installed psycopg can bound a wait (``Connection.wait(timeout=...)``, 3.2+)."""
    try:
        import psycopg
    except ImportError:
        return False
    return (
        hasattr(psycopg.errors, "_WaitTimeout") and "timeout" in inspect.signature(psycopg.Connection.wait).parameters
    )


@functools.cache
def bounded_connection_class(response_timeout):
    """A psycopg.Connection whose every wait for the server ends within ``response_timeout``
    seconds (psycopg sends each query, fetch, commit and rollback through ``Connection.wait``);
    then the connection is closed and ``not_answering_error()`` raised."""
    import psycopg

    wait_timeout = psycopg.errors._WaitTimeout  # psycopg_bounds_waits() said it is there
    error = not_answering_error()

    class BoundedConnection(psycopg.Connection):
        def wait(self, gen, *args, timeout=None, **kwargs):
            if timeout is not None:  # a caller's own timeout (notifies()): its business
                return super().wait(gen, *args, timeout=timeout, **kwargs)
            try:
                return super().wait(gen, *args, timeout=response_timeout, **kwargs)
            except wait_timeout:
                # Mid-protocol, the connection is unusable. Closed, it makes the server (once it
                # runs again) roll back whatever this connection left uncommitted.
                self.pgconn.finish()
                raise error(f"the database did not answer within {response_timeout:g}s; connection closed") from None

    BoundedConnection.__module__ = __name__
    BoundedConnection.__qualname__ = "BoundedConnection"
    return BoundedConnection


# --- a ping only for connections that may be broken ----------------------------------------

IDLE_PING_SECONDS = 1.0
_connection_lost_at = -math.inf  # time.monotonic() when an engine of this process last lost one


def note_connection_lost():
    """An engine of this process lost a connection to its database. What ends one (a restart,
    a cut network, a balancer) usually ends every connection to that server, those of the
    other engine and pool too: each one checked in before now is pinged at its next checkout."""
    global _connection_lost_at
    _connection_lost_at = time.monotonic()


def server_spoke_unasked(dbapi_connection):
    """Whether an idle connection's socket has something to read, checked without waiting (no
    round trip: about a microsecond). The server sends nothing to an idle connection except on
    its way out: an end of file when it closed the connection (a restart, a proxy or balancer
    that cut it), an error before that (pg_terminate_backend, a shutdown). poll, not select:
    select cannot take a descriptor above 1023. A driver without a socket (sqlite3): False."""
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:
        return False
    try:
        poller = select.poll()
        poller.register(fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except Exception:  # no socket any more (psycopg: "the connection is lost")
        return True


def ping_idle_connections(engine, idle_seconds=IDLE_PING_SECONDS):
    """Check a pooled connection before use only when it may be broken: it sat unused for
    ``idle_seconds``, its server spoke unasked (``server_spoke_unasked``), or an engine of this
    process lost a connection since it was checked in.

    ``pool_pre_ping`` pings on every checkout: one more round trip for every request, as costly
    as a statement on a busy core. A connection used a moment ago, whose socket is quiet, is as
    good as a ping; any other is pinged, and replaced if the ping fails (SQLAlchemy's pessimistic
    disconnect handling). So the connections an outage broke are replaced at their checkout,
    not found broken by a request's statement; one that breaks while busy (or whose goodbye has
    not arrived) fails its next statement instead: that request answers 503.
    """
    from sqlalchemy import event, exc

    @event.listens_for(engine.pool, "checkin")
    def note_checkin(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def ping_if_suspect(dbapi_connection, record, proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None:  # connected a moment ago
            return
        if (
            time.monotonic() - idle_since < idle_seconds
            and _connection_lost_at < idle_since
            and not server_spoke_unasked(dbapi_connection)
        ):
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            note_connection_lost()
            raise exc.DisconnectionError() from error
        if not alive:
            note_connection_lost()
            raise exc.DisconnectionError()

    @event.listens_for(engine, "handle_error")
    def note_disconnect(context):
        if context.is_disconnect:
            note_connection_lost()


# --- an engine for statements that each commit on their own --------------------------------

AUTOCOMMIT_ENGINE = "siteops.autocommit_engine"


def init_autocommit_engine(app, db):
    """On PostgreSQL, a second engine on the app's database whose connections are in autocommit
    from the start, for requests that run one statement at a time (reads, a single INSERT): no
    BEGIN and COMMIT or ROLLBACK round trips, and psycopg keeps its prepared statements (a
    ROLLBACK drops them). Switching a pooled connection of the main engine to autocommit and
    back for each request would cost about as much as the statement. Its pool is the second one
    of each process (docs/deploy.md counts the connections); it has the same bounds and the same
    idle ping. On SQLite (one file or in-memory database, one engine) it is the main engine: the
    driver opens no transaction for a read, and a write commits itself."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        from sqlalchemy import create_engine

        engine = create_engine(
            engine.url, isolation_level="AUTOCOMMIT", **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        )
        ping_idle_connections(engine)
    app.extensions[AUTOCOMMIT_ENGINE] = engine


def autocommit_engine(app):
    return app.extensions[AUTOCOMMIT_ENGINE]


def app_engines(app, db):
    """Every engine of the app, each once: Flask-SQLAlchemy's, then the autocommit engine where
    the app has one of its own (PostgreSQL)."""
    with app.app_context():
        engines = list(db.engines.values())
    engines.append(app.extensions.get(AUTOCOMMIT_ENGINE))
    return list(dict.fromkeys(e for e in engines if e is not None))


def insert_if_new(target, bind):
    """An INSERT of ``target`` (a model or table) for ``bind``'s dialect that
    ``.on_conflict_do_nothing()`` can follow: a row already there (a unique key) is left as it is,
    so two requests racing to write the same row both succeed."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert)(target)


# Set by siteops.serve for its workers: the requests each serves at once (SERVE_THREADS).
WARM_CONNECTIONS_VARIABLE = "SERVE_WARM_CONNECTIONS"


def warm_pools(app, db, connections):
    """Open up to ``connections`` connections in each PostgreSQL pool of the app and give them back,
    so that a worker just started (or recycled, or replacing one in a rolling restart) opens none
    while it serves. A new PostgreSQL backend on a busy database host can take seconds to start
    (its fork and its first queries share the CPU with the running ones: bench/README.md, fifth
    round), past the connect and response bounds: requests opening connections under load were
    the 503s of the load tests. A database that cannot be reached is left for /readyz to report;
    the worker starts anyway."""
    from sqlalchemy import exc

    for engine in app_engines(app, db):
        if engine.dialect.name != "postgresql":
            continue
        opened = []
        try:
            for _ in range(min(connections, engine.pool.size())):
                opened.append(engine.connect())
        except exc.DBAPIError as error:
            logging.getLogger(__name__).warning("could not open the pool's connections: %s", type(error).__name__)
        finally:
            for connection in opened:
                connection.close()


def dispose_engines(app, db):
    """Close every pooled connection of the app's engines (tests, and before a fork)."""
    for engine in app_engines(app, db):
        engine.dispose()
