"""The seller's own security pages: connected apps and activity."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit import Entry, recent_events
from ..developer.forms import ConfirmActionForm
from .connected_apps import connected_app, connected_apps, find_client, revoke_app

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
