"""Run any WSGI app on a real socket on 127.0.0.1, in a daemon thread, for end-to-end tests.

The port is bound before the app is built, so an app that must know its own public URL
(an OpenID issuer, a redirect URI) is given it: ``start_live_server(lambda base_url: make_app(base_url))``.
"""
import os
import threading

import pytest
from werkzeug.serving import make_server

from siteops.database import dispose_engines

HOST = "127.0.0.1"


def _not_ready(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


class LiveServer:
    """One WSGI app served on 127.0.0.1 at an ephemeral port until ``stop()``.

    ``base_url`` is where it listens (``http://127.0.0.1:PORT``), ``app`` the app it serves.
    """

    def __init__(self, app_factory, host=HOST):
        # Bind first (port 0: the kernel picks a free port), then build the app with the URL.
        self._server = make_server(host, 0, _not_ready, threaded=True)
        self.host = host
        self.port = self._server.server_port
        self.base_url = f"http://{host}:{self.port}"
        try:
            self.app = app_factory(self.base_url)
        except BaseException:
            self._server.server_close()
            raise
        self._server.app = self.app
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"live-server-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def url(self, path=""):
        return self.base_url + path

    def stop(self, timeout=5):
        if self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_live_server(app_factory, host=HOST):
    """Start ``app_factory(base_url)`` (which returns a WSGI app) on a free port; returns the LiveServer.

    For an app that need not know its URL: ``start_live_server(lambda base_url: app)``.
    """
    return LiveServer(app_factory, host)


@pytest.fixture(scope="module")
def live_servers():
    """``start(app_factory) -> LiveServer``: serve ``app_factory(base_url)`` on 127.0.0.1 until the module ends.

    Import it into a conftest to use it: ``from tests.support.live_server import live_servers``.
    """
    started = []

    def start(app_factory):
        server = start_live_server(app_factory)
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.stop()


# --- A live Flask site's database ----------------------------------------------------------------


def live_database_url(env_var, tmp_path_factory, name):
    """The database of a live site: ``env_var`` when set (CI's PostgreSQL), else a new SQLite file."""
    return os.environ.get(env_var) or "sqlite:///{}".format(tmp_path_factory.mktemp(name) / f"{name}.db")


def create_tables(app, db):
    """Fresh tables for ``app`` (whatever an earlier module left)."""
    with app.app_context():
        db.drop_all()
        db.create_all()


def stop_and_drop_tables(server, db):
    """Stop serving first, then drop the tables and close the connection pools."""
    server.stop()
    with server.app.app_context():
        db.session.remove()
        db.drop_all()
        dispose_engines(server.app, db)
