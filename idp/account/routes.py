"""The seller's own pages: connected apps, activity and time zone."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit import Entry, recent_events
from ..developer.forms import ConfirmActionForm
from .connected_apps import connected_app, connected_apps, find_client, revoke_app
from .time_zone import TimeZoneForm, set_time_zone

bp = Blueprint("account", __name__, url_prefix="/account")


def named_client(client_id, status):
    """The app the URL names; an unknown one is ``status`` (404 for a page, 400 for a form's POST)."""
    client = find_client(client_id)
    if client is None:
        abort(status)
    return client


@bp.get("/connected-apps")
@login_required
def apps():
    return render_template("idp/connected_apps.html", apps=connected_apps(current_user))


@bp.get("/connected-apps/<client_id>/revoke")
@login_required
def confirm_revoke(client_id):
    client = named_client(client_id, 404)
    app = connected_app(current_user, client)
    if app is None:
        # Already revoked (Back after Revoke, a second tab): nothing to confirm.
        flash(_("%(app)s has no access to your QSM account.", app=client.name), "info")
        return redirect(url_for("account.apps"))
    return render_template("idp/revoke_confirm.html", app=app, form=ConfirmActionForm())


@bp.post("/connected-apps/<client_id>/revoke")
@login_required
def revoke(client_id):
    client = named_client(client_id, 400)
    if not ConfirmActionForm().validate_on_submit():
        # Not sent from the confirmation page: ask there first, revoke nothing.
        return redirect(url_for("account.confirm_revoke", client_id=client_id), 303)
    revoke_app(current_user, client)
    flash(_("%(app)s no longer has access to your QSM account.", app=client.name), "info")
    return redirect(url_for("account.apps"))


@bp.get("/activity")
@login_required
def activity():
    entries = [Entry(event) for event in recent_events(current_user)]
    return render_template("idp/activity.html", entries=entries)


@bp.route("/time-zone", methods=["GET", "POST"])
@login_required
def time_zone():
    form = TimeZoneForm()
    if form.validate_on_submit():
        set_time_zone(current_user._get_current_object(), form.time_zone.data)
        flash(_("Times are now shown in %(zone)s.", zone=form.time_zone.data), "info")
        return redirect(url_for("account.time_zone"), 303)
    if request.method == "GET":
        form.time_zone.data = current_user.time_zone or current_app.config["TIME_ZONE"]
    status = 400 if request.method == "POST" else 200
    return render_template("idp/time_zone.html", form=form), status
