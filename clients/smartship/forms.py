from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import AnyOf, Length, Optional


class LinkedSignupForm(FlaskForm):
    registration_type = StringField("Membership registration type", default="new", validators=[AnyOf(["new", "existing"])])
    login_id = StringField("Login ID", validators=[Optional(), Length(max=254)])
    agree_all = BooleanField("Agree to all")
    agree_terms = BooleanField("(Required) I agree to the SmartShip terms of service")
    agree_privacy = BooleanField("(Required) I agree to the SmartShip privacy policy")
    agree_qsm_data = BooleanField("(Required) I agree that SmartShip receives my seller information (email, name, shop, phone, address) and orders from QSM")
    agree_marketing = BooleanField("(Optional) Send me SmartShip news and offers by email")
    submit = SubmitField("Done")

    def agreed(self):
        items = {"terms": self.agree_terms, "privacy": self.agree_privacy, "qsm_data": self.agree_qsm_data, "marketing": self.agree_marketing}
        return {name for name, field in items.items() if field.data}


class ActionForm(FlaskForm):
    """A form with only a CSRF token and a button (Sync now, Log out, Apply)."""

    submit = SubmitField()
