"""WSGI entry points, e.g. ``gunicorn 'wsgi:qsm'``; the environment chooses the config."""
from idp import create_app

qsm = create_app()
