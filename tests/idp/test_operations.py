"""QSM in production: health checks, request IDs, a clear 503 when a dependency is down, and
bounded waits when one freezes."""
import io
import json
import os
import socket
import threading
import time

import pytest
from redis import exceptions as redis_exceptions

from config import database_engine_options
from idp import create_app
from tests.support.oauth import basic_auth
from tests.support.pages import csrf_token

UNREACHABLE_DB = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=1"


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["database"] == "ok"


@pytest.fixture
def broken_qsm():
    return create_app("testing", test_config={"SQLALCHEMY_DATABASE_URI": UNREACHABLE_DB}).test_client()


def test_readyz_says_the_database_is_down(broken_qsm):
    response = broken_qsm.get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["database"] == "down"


@pytest.mark.parametrize("path", ["/oauth/jwks", "/api/v1/orders", "/oauth/userinfo"])
def test_machine_endpoints_answer_503_json(broken_qsm, path):
    response = broken_qsm.get(path, headers={"Authorization": "Bearer some-token"})
    assert response.status_code == 503
    assert response.get_json()["error"] == "temporarily_unavailable"


@pytest.mark.parametrize("grant_type", ["client_credentials", "refresh_token"])
def test_token_endpoint_answers_503_json(broken_qsm, grant_type):
    data = {"grant_type": grant_type, "client_id": "a", "client_secret": "b", "refresh_token": "c"}
    response = broken_qsm.post("/oauth/token", data=data)
    assert response.status_code == 503 and response.get_json()["error"] == "temporarily_unavailable"


def test_introspection_answers_503_json(broken_qsm):
    response = broken_qsm.post("/oauth/introspect", data={"token": "t"}, headers=basic_auth("a", "b"))
    assert response.status_code == 503 and response.get_json()["error"] == "temporarily_unavailable"


def test_a_machine_endpoints_outage_is_logged_with_its_request_id():
    """Token, introspection and UserInfo are answered before Flask: their error lines carry the
    request's ID all the same, as the request line does."""
    app = create_app(
        "testing", test_config={"SQLALCHEMY_DATABASE_URI": UNREACHABLE_DB, "LOG_JSON": True, "LOG_REQUESTS": True}
    )
    (handler,) = app.logger.handlers
    lines = io.StringIO()
    handler.setStream(lines)
    response = app.test_client().post("/oauth/introspect", data={"token": "t"}, headers=basic_auth("a", "b"))
    assert response.status_code == 503
    entries = [json.loads(line) for line in lines.getvalue().splitlines()]
    (error,) = [entry for entry in entries if entry["message"].startswith("dependency unavailable")]
    assert error["request_id"] == response.headers["X-Request-ID"]


def test_people_get_a_503_page(broken_qsm):
    with broken_qsm.session_transaction() as session:
        session["_user_id"] = "sub:1"
    response = broken_qsm.get("/")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.get_data(as_text=True)


def test_readyz_names_redis_when_down():
    app = create_app("testing", test_config={"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["redis"] == "down"


def test_login_with_redis_down_is_a_503_page_not_a_500():
    app = create_app("testing", test_config={"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    client = app.test_client()
    page = client.get("/login")
    from tests.support.pages import csrf_token

    response = client.post(
        "/login",
        data={"email": "a@example.com", "password": "x", "csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    assert response.status_code == 503


@pytest.mark.parametrize(
    "refusal",
    [
        redis_exceptions.ResponseError("MISCONF Redis is configured to save RDB snapshots, but it's currently unable"),
        redis_exceptions.ReadOnlyError("You can't write against a read only replica."),
        redis_exceptions.OutOfMemoryError("command not allowed when used memory > 'maxmemory'."),
    ],
    ids=["misconf", "read-only-replica", "out-of-memory"],
)
def test_a_redis_that_answers_but_refuses_writes_is_a_503_not_a_500(monkeypatch, refusal):
    app = create_app("testing")
    client = app.test_client()
    page = client.get("/login")

    def refuse(storage, keys):
        raise refusal

    monkeypatch.setattr("siteops.throttle._counts", refuse)
    response = client.post(
        "/login",
        data={"email": "a@example.com", "password": "x", "csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    assert response.status_code == 503 and "temporarily unavailable" in response.get_data(as_text=True)


def test_a_command_redis_refuses_as_wrong_is_not_taken_for_an_outage(monkeypatch):
    app = create_app("testing", test_config={"PROPAGATE_EXCEPTIONS": False})
    client = app.test_client()
    page = client.get("/login")

    def refuse(storage, keys):
        raise redis_exceptions.ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")

    monkeypatch.setattr("siteops.throttle._counts", refuse)
    response = client.post(
        "/login",
        data={"email": "a@example.com", "password": "x", "csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    assert response.status_code == 500


def test_request_id_header(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_the_request_log_line_names_the_worker_process():
    """Several workers write to one instance's log: each line says which one (its pid)."""
    app = create_app("testing", test_config={"LOG_JSON": True, "LOG_REQUESTS": True})
    (handler,) = app.logger.handlers
    lines = io.StringIO()
    handler.setStream(lines)
    app.test_client().get("/healthz")
    (entry,) = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert entry["path"] == "/healthz" and entry["status"] == 200 and entry["pid"] == os.getpid()


# --- /readyz asks every engine: the machine endpoints run on one of their own ---------------


def test_readyz_checks_the_machine_endpoints_engine_too(app, client, monkeypatch):
    """Token, introspection and UserInfo run on the autocommit engine (siteops.database): a
    database that engine cannot reach is not ready, whatever Flask-SQLAlchemy's engine says."""
    from sqlalchemy import create_engine

    from siteops.database import AUTOCOMMIT_ENGINE

    unreachable = create_engine(UNREACHABLE_DB)
    monkeypatch.setitem(app.extensions, AUTOCOMMIT_ENGINE, unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["database"] == "down"
    unreachable.dispose()


def test_readyz_checks_the_engines_side_by_side(app, client, monkeypatch):
    """Each check waits at a barrier for the other: /readyz is ready only if both ran at once."""
    from sqlalchemy import create_engine

    from idp.extensions import db
    from siteops import health
    from siteops.database import AUTOCOMMIT_ENGINE

    other = create_engine("sqlite://")  # on SQLite the autocommit engine is the main one
    monkeypatch.setitem(app.extensions, AUTOCOMMIT_ENGINE, other)
    monkeypatch.setitem(app.config, "READYZ_TIMEOUT", 10)
    both_running = threading.Barrier(2, timeout=5)
    checked = []
    check_database = health.check_database

    def check_after_the_other_started(engine):
        checked.append(engine)
        both_running.wait()  # alone: BrokenBarrierError after 5 s, and the database is "down"
        return check_database(engine)

    monkeypatch.setattr(health, "check_database", check_after_the_other_started)
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert set(checked) == {db.engine, other}
    other.dispose()


# --- bounded: a dependency that freezes (accepts connections, answers nothing) ---------------


@pytest.fixture
def black_hole():
    """A port whose connections the kernel accepts and nobody ever reads: a frozen server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


def readiness_threads():
    return [t for t in threading.enumerate() if t.name.startswith("readyz-")]


@pytest.fixture
def no_readiness_threads_left():
    yield
    for thread in readiness_threads():
        thread.join(5)  # each check ends by itself, within its dependency's own timeouts
    assert not readiness_threads()


def timed_get(client, path):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def test_readyz_names_a_frozen_redis_within_its_timeout(black_hole, no_readiness_threads_left):
    app = create_app(
        "testing", test_config={"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{black_hole}/0", "READYZ_TIMEOUT": 0.5}
    )
    response, seconds = timed_get(app.test_client(), "/readyz")
    assert response.status_code == 503 and seconds < 1.5
    assert response.get_json()["checks"] == {"database": "ok", "redis": "timeout"}


def test_readyz_names_a_frozen_database_and_checks_it_once_at_a_time(black_hole, no_readiness_threads_left):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{black_hole}/qsm"
    # The engine options production would build for that URL (config.py), bounds included.
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": database_engine_options(url, "QSM"),
        "READYZ_TIMEOUT": 0.5,
        "RATELIMIT_STORAGE_URI": "memory://",  # the database alone, whatever Redis the run has
    }
    app = create_app("testing", test_config=settings)
    client = app.test_client()
    for _ in range(3):  # a balancer asking again while the first check still waits
        response, seconds = timed_get(client, "/readyz")
        assert response.status_code == 503 and seconds < 1.5
        assert response.get_json() == {"status": "unavailable", "checks": {"database": "timeout"}}
    # One check of the frozen database at a time on each of its two engines, not one per /readyz.
    assert sorted(t.name for t in readiness_threads()) == ["readyz-database-0", "readyz-database-1"]


def test_engine_options_bound_postgres_and_leave_sqlite_alone():
    assert database_engine_options("sqlite://", "QSM") == {}
    assert database_engine_options("sqlite:///instance/qsm.db", "QSM") == {}
    options = database_engine_options("postgresql+psycopg://qsm@db.internal/qsm", "QSM")
    assert "pool_pre_ping" not in options and options["pool_timeout"] == 1
    assert options["connect_args"] == {
        "connect_timeout": 2,
        "options": "-c statement_timeout=1500 -c lock_timeout=1000 -c idle_in_transaction_session_timeout=30000",
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 2,
        "tcp_user_timeout": 2000,
    }
    assert options["module"].response_timeout == 2.0  # the statement timeout, and half a second


def test_engine_options_take_the_url_and_the_settings_into_account(monkeypatch):
    url = "postgresql+psycopg://qsm@db.internal/qsm?connect_timeout=5&options=-c%20work_mem%3D8MB"
    connect_args = database_engine_options(url, "QSM")["connect_args"]
    assert "connect_timeout" not in connect_args  # the URL's 5 s stands
    assert connect_args["options"].endswith("-c work_mem=8MB")  # after the bounds: the URL's settings win

    monkeypatch.setenv("QSM_DB_STATEMENT_TIMEOUT", "3")
    options = database_engine_options("postgresql+psycopg://qsm@db.internal/qsm", "QSM")
    assert "statement_timeout=3000" in options["connect_args"]["options"]
    assert options["module"].response_timeout == 3.5 and options["connect_args"]["tcp_user_timeout"] == 3500

    # A long migration: no statement timeout, and then no response timeout either.
    monkeypatch.setenv("QSM_DB_STATEMENT_TIMEOUT", "0")
    options = database_engine_options("postgresql+psycopg://qsm@db.internal/qsm", "QSM")
    assert "statement_timeout" not in options["connect_args"]["options"] and "module" not in options
    assert "tcp_user_timeout" not in options["connect_args"]


def test_a_database_error_that_cost_the_connection_is_a_503_other_errors_stay_500s():
    from sqlalchemy.exc import IntegrityError, InternalError

    app = create_app("testing", test_config={"PROPAGATE_EXCEPTIONS": False})

    def session_ended():  # e.g. the server ended it after the idle-in-transaction timeout
        raise InternalError("SELECT 1", {}, Exception("terminating connection"), connection_invalidated=True)

    def constraint():
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    app.add_url_rule("/oauth/test-session-ended", view_func=session_ended)
    app.add_url_rule("/test-constraint", view_func=constraint)
    client = app.test_client()
    response = client.get("/oauth/test-session-ended")
    assert response.status_code == 503 and response.get_json()["error"] == "temporarily_unavailable"
    assert client.get("/test-constraint").status_code == 500


@pytest.fixture
def clock(monkeypatch):
    """The monotonic clock siteops.database reads, moved by the test; the time this process last
    lost a database connection put back afterwards."""
    import siteops.database

    clock = [siteops.database.time.monotonic()]  # not a fixed number: the machine may have booted a moment ago
    monkeypatch.setattr(siteops.database.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(siteops.database, "_connection_lost_at", siteops.database._connection_lost_at)
    return clock


@pytest.fixture
def pings(app, monkeypatch):
    """The pings of the app's pooled connections before use (one entry each)."""
    from idp.extensions import db

    pings = []
    real_ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda connection: pings.append(1) or real_ping(connection))
    db.session.remove()
    return pings


def request_using_the_database():
    from idp.extensions import db

    db.session.execute(db.text("SELECT 1"))
    db.session.remove()


def test_only_a_connection_that_sat_idle_is_pinged_before_use(pings, clock):
    """No ping round trip for every request (pool_pre_ping); one for a connection idle a while."""
    import siteops.database

    request_using_the_database()
    request_using_the_database()
    assert pings == []  # used a moment ago
    clock[0] += siteops.database.IDLE_PING_SECONDS + 0.5
    request_using_the_database()
    assert pings == [1]


def test_a_connection_checked_in_before_a_lost_one_is_pinged(pings, clock):
    """What broke one connection (a restart, a cut network) broke the others of its time, in
    either engine's pool: each is pinged once, however recently it was used."""
    import siteops.database

    request_using_the_database()
    clock[0] += 0.1
    siteops.database.note_connection_lost()
    clock[0] += 0.1
    request_using_the_database()
    assert pings == [1]
    clock[0] += 0.1
    request_using_the_database()  # checked in after the loss, a moment ago
    assert pings == [1]


def test_a_connection_whose_server_spoke_unasked_is_pinged(pings, clock, monkeypatch):
    import siteops.database

    request_using_the_database()
    monkeypatch.setattr(siteops.database, "server_spoke_unasked", lambda dbapi_connection: True)
    request_using_the_database()
    assert pings == [1]


def test_the_server_spoke_unasked_when_its_socket_has_something_to_read():
    """An idle connection's server sends nothing but a goodbye: an error, an end of file."""
    import sqlite3

    from siteops.database import server_spoke_unasked

    ours, servers = socket.socketpair()
    try:
        assert not server_spoke_unasked(ours)
        servers.sendall(b"E")  # pg_terminate_backend: an error first
        assert server_spoke_unasked(ours)
        ours.recv(1)
        servers.close()  # a restart, a proxy that cut the connection: an end of file
        assert server_spoke_unasked(ours)
    finally:
        ours.close()
        servers.close()
    assert server_spoke_unasked(ours)  # no socket at all any more
    assert not server_spoke_unasked(sqlite3.connect(":memory:"))  # no socket: nothing to ask


def test_a_disconnect_either_engine_sees_is_noted(clock, tmp_path):
    from sqlalchemy import create_engine, exc

    import siteops.database

    engine = create_engine(f"sqlite:///{tmp_path / 'probe.db'}")
    siteops.database.ping_idle_connections(engine)
    clock[0] += 5
    try:
        with engine.connect() as connection:
            connection.connection.dbapi_connection.close()  # as when the server goes away
            with pytest.raises(exc.DBAPIError) as raised:
                connection.exec_driver_sql("SELECT 1")
        assert raised.value.connection_invalidated
        assert siteops.database._connection_lost_at == clock[0]
    finally:
        engine.dispose()


def test_a_failed_idle_ping_replaces_the_connection(app, clock, monkeypatch):
    from sqlalchemy import event

    from idp.extensions import db

    db.session.execute(db.text("SELECT 1"))
    db.session.remove()
    clock[0] += 60
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda connection: False)
    invalidated = []
    event.listen(db.engine.pool, "invalidate", lambda *args: invalidated.append(1))
    with db.engine.connect():
        pass
    assert invalidated


def test_readyz_is_not_fooled_by_a_pooled_connection_the_database_dropped(monkeypatch):
    """A stale pooled connection fails its first statement (and SQLAlchemy replaces the pool);
    readiness asks once more on a fresh connection instead of calling the database down."""
    from sqlalchemy import create_engine, exc

    from siteops import health

    engine = create_engine("sqlite://")
    real_connect = engine.connect
    attempts = []

    def connect():
        attempts.append(1)
        if len(attempts) == 1:
            raise exc.OperationalError(
                "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
            )
        return real_connect()

    monkeypatch.setattr(engine, "connect", connect)
    assert health.check_database(engine) == health.OK and len(attempts) == 2

    attempts.clear()
    refused = exc.OperationalError("SELECT 1", {}, Exception("connection refused"))  # not a stale connection

    def refuse():
        attempts.append(1)
        raise refused

    monkeypatch.setattr(engine, "connect", refuse)
    assert health.check_database(engine) == health.DOWN and len(attempts) == 1
    engine.dispose()


# --- a worker opens its pools before it takes requests (siteops.database.warm_pools) --------


def connections_opened(app, warm):
    """How many connections each engine of the app opened for ``warm()``, by engine, and whether
    every one was given back to its pool."""
    from sqlalchemy import event

    from idp.extensions import db
    from siteops.database import app_engines

    opened = {}
    engines = app_engines(app, db)
    for engine in engines:
        engine.dispose()
        opened[engine] = 0
        event.listen(engine, "connect", lambda *args, engine=engine: opened.__setitem__(engine, opened[engine] + 1))
    warm(db)
    given_back = all(engine.pool.checkedout() == 0 for engine in engines if hasattr(engine.pool, "checkedout"))
    return opened, given_back


def test_warm_pools_opens_the_connections_of_each_postgresql_pool_and_gives_them_back(app):
    from siteops.database import warm_pools

    opened, given_back = connections_opened(app, lambda db: warm_pools(app, db, 3))
    for engine, count in opened.items():
        assert count == (3 if engine.dialect.name == "postgresql" else 0), engine  # SQLite: nothing ahead
    assert given_back


def test_warm_pools_opens_no_more_than_a_pool_keeps(app):
    from siteops.database import warm_pools

    opened, given_back = connections_opened(app, lambda db: warm_pools(app, db, 1000))
    for engine, count in opened.items():
        assert count == (engine.pool.size() if engine.dialect.name == "postgresql" else 0), engine
    assert given_back


def test_a_worker_of_siteops_serve_warms_its_pools_and_starts_when_the_database_is_down(monkeypatch, caplog):
    import siteops.database
    from siteops.database import WARM_CONNECTIONS_VARIABLE

    warmed = []
    real_warm_pools = siteops.database.warm_pools
    monkeypatch.setattr(
        siteops.database, "warm_pools", lambda app, db, n: warmed.append(n) or real_warm_pools(app, db, n)
    )
    monkeypatch.setenv(WARM_CONNECTIONS_VARIABLE, "4")
    unreachable = create_app(
        "testing", test_config={"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/qsm"}
    )
    assert warmed == [4]
    assert "could not open the pool's connections" in caplog.text
    assert unreachable.test_client().get("/readyz").status_code == 503  # the worker started; readiness says why

    warmed.clear()
    monkeypatch.delenv(WARM_CONNECTIONS_VARIABLE)
    create_app("testing")  # an app built anywhere else (tests, the CLI) opens nothing ahead
    assert warmed == []


def test_siteops_serve_tells_its_workers_how_many_connections_to_open(monkeypatch):
    import siteops.serve
    from siteops.database import WARM_CONNECTIONS_VARIABLE

    served = []

    class FakeGranian:
        def __init__(self, **options):
            served.append(options)

        def serve(self):
            served.append(os.environ[WARM_CONNECTIONS_VARIABLE])

    import granian

    monkeypatch.setattr(granian, "Granian", FakeGranian)
    monkeypatch.setenv("SERVE_THREADS", "3")
    monkeypatch.delenv(WARM_CONNECTIONS_VARIABLE, raising=False)
    monkeypatch.setattr(siteops.serve.multiprocessing, "set_start_method", lambda *args, **kwargs: None)
    siteops.serve.main(["wsgi:qsm"])
    assert served[0]["blocking_threads"] == 3 and served[1] == "3"
    monkeypatch.delenv(WARM_CONNECTIONS_VARIABLE)
