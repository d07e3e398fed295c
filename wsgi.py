"""WSGI entry points, e.g. ``gunicorn 'wsgi:qsm'``; the environment chooses the config."""
from idp import create_app

qsm = create_app()

from clients.smartship import create_app as create_smartship  # noqa: E402

smartship = create_smartship()
