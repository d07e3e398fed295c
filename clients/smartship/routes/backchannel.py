"""OIDC Back-Channel Logout: QSM tells SmartShip that a seller logged out; SmartShip ends those
sessions, on that platform only. The endpoint's rules (one token, its validation, jti acting once
per platform) are relying_party.backchannel_logout's."""
from functools import partial

from flask import Blueprint, request

from relying_party import backchannel_logout

from .. import qsm
from ..extensions import csrf, db
from ..models import SeenLogoutToken
from ..session_login import end_sessions

bp = Blueprint("backchannel", __name__)
csrf.exempt(bp)


@bp.post("/backchannel-logout/<platform_id>")
def logout(platform_id):
    try:
        registration = qsm.registration(platform_id)
    except qsm.QSMError as error:
        return backchannel_logout.refuse(str(error))
    return backchannel_logout.handle_logout(
        registration, request.form, db, SeenLogoutToken, partial(end_sessions, platform_id), platform=platform_id
    )
