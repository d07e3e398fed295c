from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import qsm
from ..extensions import db
from ..forms import ActionForm
from ..models import ImportedOrder
from ..service_setup import fulfillment_status, import_orders, report_inventory_link

bp = Blueprint("orders", __name__)


@bp.get("/orders")
@login_required
def index():
    orders = db.session.execute(
        db.select(ImportedOrder).filter_by(account_id=current_user.id).order_by(ImportedOrder.ordered_at.desc())
    ).scalars().all()
    return render_template(
        "smartship/orders.html",
        orders=orders,
        links=current_user.links,
        sync_form=ActionForm(),
        platforms=qsm.platforms(),
    )


@bp.post("/orders/sync")
@login_required
def sync():
    if not ActionForm().validate_on_submit():
        flash(_("Your session expired. Please try again."), "error")
        return redirect(url_for("orders.index"))
    status = fulfillment_status(current_user)
    for link in current_user.links:
        try:
            if link.inventory_reported_status != status:
                report_inventory_link(link)
            new = import_orders(link)
        except qsm.QSMAccessRevoked:
            flash(_("The QSM link needs to be authorized again."), "error")
        except qsm.QSMError as error:
            flash(str(error), "error")
        else:
            flash(_("Orders are up to date (%(new)s new).", new=new), "info")
    return redirect(url_for("orders.index"))
