"""What every Parcel Pal response shares: security headers, error pages, the signed-in seller."""
from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from websafety.headers import add_security_headers

from .extensions import db
from .login_sessions import current_login


def init_app(app):
    app.after_request(add_security_headers)

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

    @app.errorhandler(HTTPException)
    def http_error(error):
        return render_template(
            "demo_app/error.html", status=error.code, title=error.name, description=error.description
        ), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return render_template(
            "demo_app/error.html", status=500, title="Something went wrong", description="Please try again."
        ), 500
