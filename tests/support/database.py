"""Every test starts on empty tables.

SQLite in memory is a new database for each app, so its tables are made for each test. On
PostgreSQL, dropping and creating every table for each test cost most of the suite's time (about
70 ms a test, against 2-3 ms to empty them), so there the tables are made once per database and
test process and emptied before and after each test. ``create_all`` still runs each time (one
catalogue query when the tables are there): another fixture may have dropped them.
"""
from contextlib import contextmanager

from sqlalchemy import exc

_made = set()  # (database URL, metadata) whose tables this process made from the current models


@contextmanager
def empty_tables(db):
    """Within an app context: the app's tables exist and are empty; emptied again afterwards."""
    if db.engine.dialect.name == "sqlite":
        db.drop_all()
        db.create_all()
        try:
            yield
        finally:
            db.session.remove()
            db.drop_all()
        return
    made = (db.engine.url.render_as_string(hide_password=False), id(db.metadata))
    if made not in _made:  # a table left by an older version of the models would not be changed
        db.drop_all()
        _made.add(made)
    db.create_all()
    _delete_rows(db)
    try:
        yield
    finally:
        db.session.remove()
        try:
            _delete_rows(db)
        except exc.ProgrammingError:  # a test dropped a table: the next one makes them again
            _made.discard(made)


def _delete_rows(db):
    with db.engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")  # a test that left a lock fails, not hangs
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
