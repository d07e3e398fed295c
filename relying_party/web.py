"""What every relying party's responses share: security headers (websafety.headers) and its error
pages, rendered from the site's own ``<site>/error.html`` (``status``, ``title``, ``description``).
An unexpected error is logged and its database transaction rolled back."""
from flask import render_template
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from websafety.headers import add_security_headers


def init_app(app, db, error_template):
    app.after_request(add_security_headers)

    @app.errorhandler(HTTPException)
    def http_error(error):
        page = render_template(error_template, status=error.code, title=error.name, description=error.description)
        return page, error.code

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unhandled error")
        db.session.rollback()
        page = render_template(
            error_template, status=500, title=str(_l("Something went wrong")), description=str(_l("Please try again."))
        )
        return page, 500
