from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, Optional

from siteops.forms import Form

PASSWORDS_DIFFER = _l("The passwords do not match.")


def password_field(label):
    """A password as typed; its length and strength are password_policy's to judge."""
    return PasswordField(label, validators=[DataRequired(), Length(max=1024)])


def password_again_field(label):
    """The new password typed a second time: it must match the form's ``password``."""
    return PasswordField(label, validators=[DataRequired(), EqualTo("password", message=PASSWORDS_DIFFER)])


class LinkedSignupForm(Form):
    registration_type = StringField(
        _l("Membership registration type"), default="new", validators=[AnyOf(["new", "existing"])]
    )
    login_id = StringField(_l("Login ID"), validators=[Optional(), Length(max=254)])
    existing_account = StringField(_l("SmartShip account"), validators=[Optional(), Length(max=254)])
    typed_login = StringField(_l("Login ID or email"), validators=[Optional(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=1024)])
    action = StringField(default="done", validators=[AnyOf(["done", "reset"])])
    agree_all = BooleanField(_l("Agree to all"))
    agree_terms = BooleanField(_l("(Required) I agree to the SmartShip terms of service"))
    agree_privacy = BooleanField(_l("(Required) I agree to the SmartShip privacy policy"))
    agree_qsm_data = BooleanField(
        _l(
            "(Required) I agree that SmartShip receives my seller information"
            " (email, name, shop, phone, address) and orders from QSM"
        )
    )
    agree_marketing = BooleanField(_l("(Optional) Send me SmartShip news and offers by email"))
    submit = SubmitField(_l("Done"))

    def agreed(self):
        items = {
            "terms": self.agree_terms,
            "privacy": self.agree_privacy,
            "qsm_data": self.agree_qsm_data,
            "marketing": self.agree_marketing,
        }
        return {name for name, field in items.items() if field.data}


class ActionForm(Form):
    """A form with only a CSRF token and a button (Sync now, Log out, Apply)."""

    submit = SubmitField()


class LoginForm(Form):
    identifier = StringField(_l("Login ID or email"), validators=[DataRequired(), Length(max=254)])
    password = password_field(_l("Password"))
    next = HiddenField(validators=[Length(max=2048)])
    submit = SubmitField(_l("Log in"))


class DirectSignupForm(Form):
    login_id = StringField(_l("Login ID"), validators=[DataRequired(), Length(min=3, max=254)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = password_field(_l("Password"))
    confirm_password = password_again_field(_l("Confirm password"))
    submit = SubmitField(_l("Sign up"))


class ForgotPasswordForm(Form):
    identifier = StringField(_l("Login ID or email"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(Form):
    password = password_field(_l("New password"))
    confirm_password = password_again_field(_l("Confirm new password"))
    submit = SubmitField(_l("Set new password"))


class ChangePasswordForm(Form):
    current_password = password_field(_l("Current password"))
    password = password_field(_l("New password"))
    confirm_password = password_again_field(_l("Confirm new password"))
    submit = SubmitField(_l("Change password"))
