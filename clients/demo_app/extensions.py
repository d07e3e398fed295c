"""Parcel Pal's own extensions: its own database and CSRF, nothing shared with QSM or SmartShip."""
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from relying_party.database import site_database

db = site_database()
migrate = Migrate()
csrf = CSRFProtect()
