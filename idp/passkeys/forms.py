from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from siteops.forms import Form

from ..auth.sellers import PASSWORD_MAX_LENGTH
from .ceremonies import NAME_LENGTH


class AddPasskeyForm(Form):
    name = StringField(_l("Passkey name"), validators=[DataRequired(), Length(max=NAME_LENGTH)])
    password = PasswordField(_l("Your QSM password"), validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH)])
    submit = SubmitField(_l("Continue"))


class RemovePasskeyForm(Form):
    submit = SubmitField(_l("Remove"))
