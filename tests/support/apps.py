"""A site's Flask app for one test: its test client, an app context and empty tables."""
from contextlib import contextmanager

from flask.globals import _cv_app
from flask.testing import FlaskClient

from siteops.database import dispose_engines

from .database import empty_tables


class FreshGlobalsClient(FlaskClient):
    """Tests keep an app context open (for the database); Flask then reuses it for each
    request, and with it ``g``. Give every request a fresh ``g``, as production does."""

    def open(self, *args, **kwargs):
        ctx = _cv_app.get(None)
        if ctx is not None:
            ctx.g = ctx.app.app_ctx_globals_class()
        return super().open(*args, **kwargs)


@contextmanager
def app_under_test(app, db):
    """``app`` with FreshGlobalsClient as its test client, inside its app context, on empty
    tables; afterwards its connection pools closed."""
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        with empty_tables(db):
            yield app
        dispose_engines(app, db)  # the autocommit engine too (PostgreSQL)
