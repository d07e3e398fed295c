"""Developer registration: a seller registers apps that ask other sellers' consent."""
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..oauth.clients import ClientError
from .apps import app_of, apps_of, delete_app, register_app, rotate_secret, sellers_with_access
from .forms import AppForm, ConfirmActionForm, ConfirmForm, lines
from .one_time_secrets import hold_secret, take_secret

bp = Blueprint("developer", __name__, url_prefix="/developer")


@bp.before_request
@login_required
def require_login():
    return None


@bp.get("/apps")
def index():
    return render_template("idp/developer/index.html", apps=apps_of(current_user))


@bp.route("/apps/new", methods=["GET", "POST"])
def new():
    form = AppForm()
    status = 200
    if form.validate_on_submit():
        try:
            client, secret = register_app(
                current_user,
                name=form.name.data.strip(),
                home_page=(form.home_page.data or "").strip(),
                redirect_uris=lines(form.redirect_uris.data),
                post_logout_redirect_uris=lines(form.post_logout_redirect_uris.data),
                backchannel_logout_uri=(form.backchannel_logout_uri.data or "").strip(),
                public=form.client_type.data == "public",
                scopes=form.scopes.data,
                require_par=form.require_par.data,
            )
        except ClientError as error:
            flash(str(error), "error")
            status = 400
        else:
            # POST-redirect-GET: a reload of the next page never registers the app again.
            if secret is None:
                flash(
                    _(
                        "%(app)s is registered. A public app has no client secret: it needs only its client ID, below.",
                        app=client.name,
                    ),
                    "info",
                )
                return redirect(url_for("developer.show", client_id=client.client_id), 303)
            hold_secret(current_user, client, secret, "registered")
            return redirect(url_for("developer.show_secret", client_id=client.client_id), 303)
    elif request.method == "POST":
        status = 400
    return render_template("idp/developer/new.html", form=form), status


def owned_app(client_id):
    client = app_of(current_user, client_id)
    if client is None:
        abort(404)
    return client


@bp.get("/apps/<client_id>")
def show(client_id):
    return render_template("idp/developer/show.html", app=owned_app(client_id), form=ConfirmForm())


@bp.get("/apps/<client_id>/secret")
def show_secret(client_id):
    """The new secret, shown once: this GET deletes what it shows (a reload finds nothing)."""
    client = owned_app(client_id)
    shown = take_secret(current_user, client)
    if shown is None:
        if not client.is_public:
            flash(
                _(
                    "The client secret of %(app)s was shown once and QSM cannot show it again: it keeps only a digest. "
                    "If you did not copy it, rotate the secret and give the new one to your app.",
                    app=client.name,
                ),
                "info",
            )
        return redirect(url_for("developer.show", client_id=client_id))
    response = make_response(
        render_template(
            "idp/developer/secret.html", app=client, secret=shown.secret, created=shown.reason == "registered"
        )
    )
    # Never kept in a cache (Back, Forward), whatever the default for pages becomes.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/apps/<client_id>/rotate-secret")
def rotate(client_id):
    client = owned_app(client_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        secret = rotate_secret(current_user, client)
    except ClientError as error:
        flash(str(error), "error")
        return redirect(url_for("developer.show", client_id=client_id))
    hold_secret(current_user, client, secret, "rotated")
    return redirect(url_for("developer.show_secret", client_id=client_id), 303)


@bp.get("/apps/<client_id>/delete")
def confirm_delete(client_id):
    client = owned_app(client_id)
    return render_template(
        "idp/developer/delete.html", app=client, sellers=sellers_with_access(client), form=ConfirmActionForm()
    )


@bp.post("/apps/<client_id>/delete")
def delete(client_id):
    client = owned_app(client_id)
    if not ConfirmActionForm().validate_on_submit():
        # Not sent from the confirmation page: ask there first, delete nothing.
        return redirect(url_for("developer.confirm_delete", client_id=client_id), 303)
    delete_app(current_user, client)
    flash(_("The app %(app)s was deleted. Every grant and token it held is gone.", app=client.name), "info")
    return redirect(url_for("developer.index"))
