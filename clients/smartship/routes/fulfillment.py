from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..forms import ActionForm
from ..fulfillment import WAREHOUSES, FulfillmentError, application_to_show, apply_for_fulfillment

bp = Blueprint("fulfillment", __name__)


@bp.route("/fulfillment", methods=["GET", "POST"])
@login_required
def index():
    form = ActionForm()
    if form.validate_on_submit():
        try:
            problems = apply_for_fulfillment(current_user, request.form.get("warehouse", ""))
        except FulfillmentError as error:
            flash(str(error), "error")
        else:
            flash("Your application for fulfillment service has been sent.", "info")
            for problem in problems:
                flash(f"QSM will be told later: {problem}", "warning")
            return redirect(url_for("fulfillment.index"))
    application = application_to_show(current_user)
    return render_template("smartship/fulfillment.html", application=application, form=form, warehouses=WAREHOUSES)
