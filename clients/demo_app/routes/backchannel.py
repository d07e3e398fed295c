"""OIDC Back-Channel Logout: QSM says a seller logged out there; Parcel Pal ends those sessions.
The endpoint's rules (one token, its validation, jti acting once) are relying_party.backchannel_logout's."""
from flask import Blueprint, request

from relying_party import backchannel_logout

from .. import qsm
from ..extensions import csrf, db
from ..login_sessions import end_sessions
from ..models import SeenLogoutToken

bp = Blueprint("backchannel", __name__)
csrf.exempt(bp)


@bp.post("/backchannel-logout")
def logout():
    return backchannel_logout.handle_logout(qsm.registration(), request.form, db, SeenLogoutToken, end_sessions)
