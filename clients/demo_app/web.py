"""What every Parcel Pal response shares: headers and error pages (relying_party.web), its own
page for an expired form, and the signed-in seller in every template."""
from flask import render_template
from flask_wtf.csrf import CSRFError

from relying_party import web

from .extensions import db
from .login_sessions import current_login


def init_app(app):
    web.init_app(app, db, "demo_app/error.html")

    @app.context_processor
    def signed_in_seller():
        return {"current_login": current_login()}

    @app.errorhandler(CSRFError)
    def form_expired(error):
        return render_template(
            "demo_app/problem.html",
            title="This form has expired",
            message="The page was open too long or your session ended. Please try again.",
        ), 400
