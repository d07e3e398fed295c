"""The seller's time zone: every QSM page shows times in it (siteops.i18n formats them).

Kept on the seller (``sellers.time_zone``), so it is loaded with the seller the page already
loads: no query of its own. None means the marketplace's (``QSM_TIME_ZONE``).
"""
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField
from wtforms.validators import AnyOf, InputRequired

from siteops.forms import Form
from siteops.i18n import TIME_ZONES, is_time_zone

from ..extensions import db


def seller_time_zone():
    """siteops.i18n's time zone for a request: the logged-in seller's choice, if any."""
    if current_user and current_user.is_authenticated:
        return current_user.time_zone
    return None


def set_time_zone(seller, name):
    if not is_time_zone(name):
        raise ValueError(f"unknown time zone {name!r}")
    seller.time_zone = name
    db.session.commit()


class TimeZoneForm(Form):
    time_zone = SelectField(
        _l("Time zone"),
        choices=TIME_ZONES,
        validate_choice=False,  # AnyOf below says it in the seller's words
        validators=[
            InputRequired(message=_l("Choose a time zone from the list.")),
            AnyOf(TIME_ZONES, message=_l("Choose a time zone from the list.")),
        ],
    )
