"""OIDC Back-Channel Logout: QSM tells SmartShip that a seller logged out; SmartShip ends those sessions."""
import time

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import IntegrityError

from relying_party.logout_tokens import LEEWAY

from .. import qsm
from ..extensions import csrf, db
from ..models import SeenLogoutToken
from ..session_login import end_sessions

bp = Blueprint("backchannel", __name__)
csrf.exempt(bp)


def refuse(description, status=400):
    response = jsonify(error="invalid_request", error_description=description)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/backchannel-logout/<platform_id>")
def logout(platform_id):
    logout_token = request.form.get("logout_token")
    if not logout_token or len(request.form.getlist("logout_token")) != 1 or len(logout_token) > 8192:
        return refuse("Exactly one logout_token is required.")
    try:
        claims = qsm.validate_logout_token(platform_id, logout_token)
    except qsm.QSMUnavailable as error:
        return refuse(str(error), 503)
    except qsm.QSMError as error:
        return refuse(str(error))
    # A token acts once: its jti is remembered until it expires.
    db.session.execute(db.delete(SeenLogoutToken).where(SeenLogoutToken.expires_at < time.time()))
    db.session.add(
        SeenLogoutToken(jti=str(claims["jti"])[:255], platform=platform_id, expires_at=claims["exp"] + LEEWAY)
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return refuse("This logout token was already used.")
    end_sessions(platform_id, sub=claims.get("sub"), sid=claims.get("sid"))
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
