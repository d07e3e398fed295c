"""OIDC Back-Channel Logout: QSM says a seller logged out there; Parcel Pal ends those sessions."""
import time

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import IntegrityError

from .. import qsm
from ..extensions import csrf, db
from ..login_sessions import end_sessions
from ..logout_token import LEEWAY, validate_logout_token
from ..models import SeenLogoutToken

bp = Blueprint("backchannel", __name__)
csrf.exempt(bp)

MAX_TOKEN_LENGTH = 8192


def answer(body, status_code=200):
    response = jsonify(body)
    response.status_code = status_code
    response.headers["Cache-Control"] = "no-store"
    return response


def refuse(description, status=400):
    return answer({"error": "invalid_request", "error_description": description}, status)


def remember_jti(claims):
    """A token acts once: its jti is kept until it expires. False when it was seen before."""
    db.session.execute(db.delete(SeenLogoutToken).where(SeenLogoutToken.expires_at < time.time()))
    db.session.add(SeenLogoutToken(jti=claims["jti"][:255], expires_at=claims["exp"] + LEEWAY))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


@bp.post("/backchannel-logout")
def logout():
    tokens = request.form.getlist("logout_token")
    if len(tokens) != 1 or not tokens[0] or len(tokens[0]) > MAX_TOKEN_LENGTH:
        return refuse("Exactly one logout_token is required.")
    try:
        claims = validate_logout_token(tokens[0])
    except qsm.QSMUnavailable as error:
        return refuse(str(error), 503)
    except qsm.QSMError as error:
        return refuse(str(error))
    if not remember_jti(claims):
        return refuse("This logout token was already used.")
    end_sessions(sub=claims.get("sub"), sid=claims.get("sid"))
    return answer({"status": "ok"})
