from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, Optional


class LinkedSignupForm(FlaskForm):
    registration_type = StringField(
        "Membership registration type", default="new", validators=[AnyOf(["new", "existing"])]
    )
    login_id = StringField("Login ID", validators=[Optional(), Length(max=254)])
    existing_account = StringField("SmartShip account", validators=[Optional(), Length(max=254)])
    typed_login = StringField("Login ID or email", validators=[Optional(), Length(max=254)])
    password = PasswordField("Password", validators=[Optional(), Length(max=1024)])
    action = StringField(default="done", validators=[AnyOf(["done", "reset"])])
    agree_all = BooleanField("Agree to all")
    agree_terms = BooleanField("(Required) I agree to the SmartShip terms of service")
    agree_privacy = BooleanField("(Required) I agree to the SmartShip privacy policy")
    agree_qsm_data = BooleanField(
        "(Required) I agree that SmartShip receives my seller information"
        " (email, name, shop, phone, address) and orders from QSM"
    )
    agree_marketing = BooleanField("(Optional) Send me SmartShip news and offers by email")
    submit = SubmitField("Done")

    def agreed(self):
        items = {
            "terms": self.agree_terms,
            "privacy": self.agree_privacy,
            "qsm_data": self.agree_qsm_data,
            "marketing": self.agree_marketing,
        }
        return {name for name, field in items.items() if field.data}


class ActionForm(FlaskForm):
    """A form with only a CSRF token and a button (Sync now, Log out, Apply)."""

    submit = SubmitField()


class LoginForm(FlaskForm):
    identifier = StringField("Login ID or email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    next = HiddenField(validators=[Length(max=2048)])
    submit = SubmitField("Log in")


class DirectSignupForm(FlaskForm):
    login_id = StringField("Login ID", validators=[DataRequired(), Length(min=3, max=254)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    confirm_password = PasswordField(
        "Confirm password", validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")]
    )
    submit = SubmitField("Sign up")


class ForgotPasswordForm(FlaskForm):
    identifier = StringField("Login ID or email", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Send reset link")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=1024)])
    confirm_password = PasswordField(
        "Confirm new password", validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")]
    )
    submit = SubmitField("Set new password")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
    password = PasswordField("New password", validators=[DataRequired(), Length(max=1024)])
    confirm_password = PasswordField(
        "Confirm new password", validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")]
    )
    submit = SubmitField("Change password")
