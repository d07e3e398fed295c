"""Linked sign-up from QSM: start, callback, and the sign-up page with its Done button."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from .. import qsm
from ..forms import LinkedSignupForm
from ..linking import (
    AlreadyLinked,
    LinkingError,
    LoginIdTaken,
    create_linked_account,
    find_link,
    hold_pending_signup,
    load_pending_signup,
    login_id_taken,
    refresh_link_tokens,
)
from ..service_setup import complete_service_setup
from ..session_login import sign_in

bp = Blueprint("signup", __name__)


def qsm_problem(error, platform_id=None):
    status = 502 if isinstance(error, qsm.QSMUnavailable) else 400
    start_url = url_for("signup.start", platform=platform_id) if platform_id else url_for("signup.start")
    return render_template("smartship/qsm_problem.html", message=str(error), start_url=start_url), status


@bp.get("/linked-signup/start")
def start():
    """Where QSM's Join Smartship button (and Log in with QSM) sends the seller."""
    platform_id = request.args.get("platform") or qsm.default_platform_id()
    try:
        return qsm.authorization_redirect(platform_id)
    except qsm.QSMError as error:
        return qsm_problem(error)


@bp.get("/auth/callback/<platform_id>")
def callback(platform_id):
    try:
        token, claims = qsm.finish_authorization(platform_id, request.args)
    except qsm.QSMError as error:
        return qsm_problem(error, platform_id if platform_id in qsm.platforms() else None)

    link = find_link(platform_id, claims["sub"])
    if link is not None:
        # Already linked: never a second account; sign in through the link.
        refresh_link_tokens(link, token)
        sign_in(link.account, via="qsm")
        if link.inventory_reported_status is None:
            for problem in complete_service_setup(link):
                flash(f"Setup with QSM will be retried: {problem}", "warning")
        return redirect(url_for("orders.index"))

    session["pending_signup"] = hold_pending_signup(platform_id, token, claims)
    return redirect(url_for("signup.form"))


@bp.route("/linked-signup", methods=["GET", "POST"])
def form():
    pending = load_pending_signup(session.get("pending_signup"))
    if pending is None:
        return render_template("smartship/signup_expired.html", start_url=url_for("signup.start")), 400
    claims = pending.claims
    platform = qsm.get_platform(pending.platform)
    form = LinkedSignupForm()
    needs_login_id = login_id_taken(claims.get("email"))
    status = 200
    if form.validate_on_submit():
        try:
            account = create_linked_account(pending, form.login_id.data if needs_login_id else None, form.agreed())
        except AlreadyLinked as linked:
            sign_in(linked.account, via="qsm")
            return redirect(url_for("orders.index"))
        except LoginIdTaken as error:
            needs_login_id = True
            flash(str(error), "error")
            status = 409
        except LinkingError as error:
            flash(str(error), "error")
            status = 400
        else:
            sign_in(account, via="qsm")
            for problem in complete_service_setup(account.links[0]):
                flash(f"Setup with QSM will be retried: {problem}", "warning")
            flash("Your SmartShip account is ready and linked to your QSM seller account.", "info")
            return redirect(url_for("orders.index"))
    elif request.method == "POST":
        flash("Please check the form and try again.", "error")
        status = 400
    return render_template(
        "smartship/linked_signup.html", form=form, claims=claims, platform=platform, needs_login_id=needs_login_id
    ), status
