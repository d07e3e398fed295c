from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import qsm
from ..forms import ActionForm
from ..session_login import sign_out

bp = Blueprint("account", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("orders.index"))
    return redirect(url_for("account.login"))


@bp.get("/login")
def login():
    return render_template("smartship/login.html", platforms=qsm.platforms())


@bp.get("/login/qsm")
def login_with_qsm():
    """Log in with QSM: the linked connection. The same flow as linked sign-up."""
    return redirect(url_for("signup.start", platform=request.args.get("platform") or None))


@bp.post("/logout")
def logout():
    if ActionForm().validate_on_submit():
        sign_out()
        flash("You have been logged out of SmartShip.", "info")
    return redirect(url_for("account.login"))


@bp.get("/account")
@login_required
def details():
    return render_template("smartship/account.html", account=current_user, platforms=qsm.platforms())
