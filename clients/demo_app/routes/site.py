"""The pages: home with Log in with QSM, the callback, the seller's orders, and Log out."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from relying_party import token_vault

from .. import qsm
from ..login_sessions import access_token, current_login, sign_in, sign_out

bp = Blueprint("site", __name__)


def qsm_problem(error):
    status = 502 if isinstance(error, qsm.QSMUnavailable) else 400
    return render_template(
        "demo_app/problem.html", title=_("Logging in with QSM did not work"), message=qsm.message(error)
    ), status


@bp.get("/")
def home():
    if current_login() is not None:
        return redirect(url_for("site.orders"))
    return render_template("demo_app/home.html")


@bp.get("/login")
def login_page():
    return redirect(url_for("site.home"))


@bp.post("/login")
def login():
    try:
        return qsm.authorization_redirect()
    except qsm.QSMError as error:
        return qsm_problem(error)


@bp.get("/callback")
def callback():
    try:
        token, claims = qsm.finish_authorization(request.args)
    except qsm.QSMError as error:
        return qsm_problem(error)
    sign_in(claims, token, qsm.token_expires_at(token))
    return redirect(url_for("site.orders"))


def session_over(message):
    sign_out()
    flash(message, "error")
    return redirect(url_for("site.home"))


@bp.get("/orders")
def orders():
    login = current_login()
    if login is None:
        flash(_("Please log in with QSM to see your orders."), "info")
        return redirect(url_for("site.home"))
    try:
        listing = qsm.recent_orders(access_token(login), current_app.config["ORDERS_PER_PAGE"])
    except token_vault.VaultError:
        return session_over(_("Your session has ended. Please log in again."))
    except qsm.QSMAccessRevoked:
        # The seller took the grant back at QSM: this session has nothing left to show.
        return session_over(qsm.message(qsm.REVOKED))
    except qsm.QSMError as error:
        return render_template("demo_app/orders.html", login=login, listing=None, problem=qsm.message(error)), 502
    return render_template("demo_app/orders.html", login=login, listing=listing, problem=None)


@bp.post("/logout")
def logout():
    ended = sign_out()
    if ended is None or not ended.id_token:
        flash(_("You are logged out of Parcel Pal."), "info")
        return redirect(url_for("site.home"))
    if ended.access_token:
        qsm.revoke_access_token(ended.access_token)
    url = qsm.end_session_url(ended.id_token)
    if url is None:
        flash(
            _("You are logged out of Parcel Pal. QSM could not be reached, so you may still be logged in there."),
            "warning",
        )
        return redirect(url_for("site.home"))
    # RP-initiated logout: QSM ends its session too, then sends the browser back home.
    flash(_("You are logged out of Parcel Pal."), "info")
    return redirect(url)
