from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Order
from ..smart_inventory import find_link

bp = Blueprint("portal", __name__)

FULFILLMENT_LABELS = {
    "not_applied": _l("Not applied yet"),
    "pending": _l("Application pending"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}

ORDER_STATUSES = {
    "paid": _l("Paid"),
    "shipping": _l("Shipping"),
    "delivered": _l("Delivered"),
}


@bp.app_context_processor
def layout_context():
    return {"platform_name": current_app.config["PLATFORM_NAME"]}


@bp.get("/")
@login_required
def home():
    recent = db.session.execute(
        db.select(Order).filter_by(seller_pk=current_user.id).order_by(Order.ordered_at.desc()).limit(5)
    ).scalars().all()
    return render_template("idp/home.html", orders=recent, order_statuses=ORDER_STATUSES)


@bp.get("/listing/option-management/qx-smart-inventory")
@login_required
def qx_smart_inventory():
    link = find_link(current_user)
    label = FULFILLMENT_LABELS.get(link.fulfillment_status, link.fulfillment_status) if link else None
    return render_template(
        "idp/qx_smart_inventory.html",
        link=link,
        fulfillment_label=str(label) if label is not None else None,
        signup_url=current_app.config["SMARTSHIP_SIGNUP_URL"],
        smartship_login_url=current_app.config["SMARTSHIP_LOGIN_URL"],
    )
