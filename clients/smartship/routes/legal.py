"""SmartShip's terms of service and privacy policy: the pages the linked sign-up's agreements
link to (opened in a new tab, so the sign-up form keeps what the seller entered)."""
from flask import Blueprint, render_template

bp = Blueprint("legal", __name__)


@bp.get("/terms")
def terms():
    return render_template("smartship/terms.html")


@bp.get("/privacy")
def privacy():
    return render_template("smartship/privacy.html")
