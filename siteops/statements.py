"""Hot-path statements run on the database driver's cursor, past SQLAlchemy's execution layer.

For a lookup by a unique index, SQLAlchemy's Core execution (the execution context, result
metadata built from the cursor's description, row processors) costs about twice what the
driver and the database spend on the statement itself. For the few statements that run on
every request of a hot endpoint, a ``Statement`` compiles a Core statement once per dialect and
runs it on the DBAPI cursor of a SQLAlchemy ``Connection``, so everything around the statement
still holds: the pool and its checkout events, the bounds of siteops/database.py, and the
engine's ``before_cursor_execute``/``after_cursor_execute`` listeners (tracing, the tests'
statement counts). Rows are plain named tuples. A driver error is raised as SQLAlchemy's
(OperationalError, IntegrityError...), and a connection it broke is invalidated, as SQLAlchemy
itself would do; siteops/faults.py turns those into 503s.
"""
from collections import namedtuple

from sqlalchemy import exc
from sqlalchemy.sql import Select

from .database import note_connection_lost


class Statement:
    """A Core statement (a SELECT or a write) run on the driver's cursor. Every bound parameter
    is given by the caller: column defaults computed in Python (``default=``, ``onupdate=``)
    are not applied here, so a statement that needs one fails with a KeyError naming it."""

    def __init__(self, statement):
        self.statement = statement
        self._compiled = {}
        if isinstance(statement, Select):
            self.row_type = namedtuple("Row", [column.key for column in statement.selected_columns])
        else:
            self.row_type = None

    def first(self, connection, parameters):
        """The first row, or None."""
        cursor = self._execute(connection, parameters)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else self.row_type._make(row)

    def write(self, connection, parameters, commit=True):
        """Run a write and commit it (unless ``commit=False``: more follows in the same
        transaction); the number of rows it wrote. Nothing to commit on a connection in
        autocommit (psycopg sends nothing then); SQLite's driver opened a transaction for it."""
        cursor = self._execute(connection, parameters)
        rowcount = cursor.rowcount
        cursor.close()
        if commit:
            connection.connection.dbapi_connection.commit()
        return rowcount

    def _compile(self, dialect):
        compiled = self.statement.compile(dialect=dialect)
        order = compiled.positiontup if dialect.positional else None
        # Values written into the statement (``values(flag=True)``) are bound parameters too.
        fixed = {name: value for name, value in compiled.params.items() if not compiled.binds[name].required}
        # psycopg prepares a statement it has run a few times: planned once per connection.
        prepared = dialect.driver == "psycopg"
        self._compiled[dialect] = found = (str(compiled), order, fixed, prepared)
        return found

    def _execute(self, connection, parameters):
        dialect = connection.dialect
        sql, order, fixed, prepared = self._compiled.get(dialect) or self._compile(dialect)
        if fixed:
            parameters = {**fixed, **parameters}
        arguments = tuple(parameters[name] for name in order) if order is not None else parameters
        dbapi_connection = connection.connection.dbapi_connection
        dispatch = connection.dispatch
        cursor = None
        try:
            cursor = dbapi_connection.cursor()
            if dispatch.before_cursor_execute:
                dispatch.before_cursor_execute(connection, cursor, sql, arguments, None, False)
            if prepared:
                cursor.execute(sql, arguments, prepare=True)
            else:
                cursor.execute(sql, arguments)
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, dbapi_connection, cursor)
            if cursor is not None:
                cursor.close()
            if lost:
                # As SQLAlchemy does on a disconnect: every connection of the pool made before
                # it is suspect (a database restart or a network cut broke them all), not only
                # this one; a fresh pool replaces them instead of each failing in turn. The
                # other engine's are pinged at their checkout (siteops.database).
                note_connection_lost()
                connection.invalidate(error)
                connection.engine.dispose(close=False)
            raise exc.DBAPIError.instance(
                sql, arguments, error, dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=dialect
            ) from error
        except BaseException:
            if cursor is not None:
                cursor.close()
            raise
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(connection, cursor, sql, arguments, None, False)
        return cursor
