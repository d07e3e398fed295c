"""Watching the SQL a request runs, on every engine of the app (QSM has a second one, in
autocommit, on PostgreSQL: siteops.database.autocommit_bind), including the statements run on
the driver's cursor (siteops.statements), which announce themselves to the same listeners."""
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def listening(listener):
    """``listener(conn, cursor, statement, parameters, context, executemany)`` before each statement."""
    event.listen(Engine, "before_cursor_execute", listener)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", listener)


@contextmanager
def statements():
    """The SQL text of each statement, in order."""
    seen = []
    with listening(lambda conn, cursor, statement, *args: seen.append(statement)):
        yield seen


def outside_transaction(conn):
    """Whether a statement about to run commits on its own: autocommit on PostgreSQL; on SQLite,
    whose driver opens a transaction only for a write, no transaction open before it."""
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        return dbapi.autocommit
    return dbapi.isolation_level is None or not dbapi.in_transaction
