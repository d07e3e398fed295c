from flask_babel import gettext, lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import URL, AnyOf, DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from siteops.forms import Form

from ..oauth.claims import SCOPES


class AppForm(Form):
    name = StringField(_l("App name"), validators=[DataRequired(), Length(max=120)])
    home_page = StringField(
        _l("Home page"),
        validators=[
            Optional(),
            Length(max=500),
            URL(require_tld=False, message=_l("Enter a full URL, like https://example.com.")),
        ],
    )
    redirect_uris = TextAreaField(_l("Redirect URIs (one per line)"), validators=[DataRequired(), Length(max=5000)])
    post_logout_redirect_uris = TextAreaField(
        _l("Post-logout redirect URIs (one per line)"), validators=[Optional(), Length(max=5000)]
    )
    backchannel_logout_uri = StringField(_l("Back-channel logout URI"), validators=[Optional(), Length(max=500)])
    client_type = RadioField(
        _l("App type"),
        choices=[
            SelectChoice("confidential", _l("Confidential (runs on a server that keeps a secret)")),
            SelectChoice("public", _l("Public (runs on a device; no secret)")),
        ],
        default="confidential",
    )
    scopes = SelectMultipleField(
        _l("Access the app may ask for"),
        choices=lambda: [SelectChoice(name, f"{name}: {gettext(text)}") for name, text in SCOPES.items()],
        default=["openid", "profile"],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    require_par = BooleanField(_l("Require pushed authorization requests (PAR, RFC 9126)"))
    submit = SubmitField(_l("Register app"))


class ConfirmForm(Form):
    submit = SubmitField()


class ConfirmActionForm(Form):
    """The form of a confirmation page (delete an app, revoke an app's access): the action's
    POST acts only with confirm=yes, which only the confirmation page sends."""

    confirm = HiddenField(default="yes", validators=[InputRequired(), AnyOf(["yes"])])


def lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
