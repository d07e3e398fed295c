from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms import ActionForm
from ..fulfillment import WAREHOUSE_LABELS, FulfillmentError, application_to_show, apply_for_fulfillment

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
            flash(_("Your application for fulfillment service has been sent."), "info")
            for problem in problems:
                flash(_("QSM will be told later: %(problem)s", problem=problem), "warning")
            return redirect(url_for("fulfillment.index"))
    application = application_to_show(current_user)
    return render_template(
        "smartship/fulfillment.html", application=application, form=form, warehouses=WAREHOUSE_LABELS
    )
