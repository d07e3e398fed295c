"""The seller API: QSM as a resource server for the orders and the Smart Inventory link."""
from functools import wraps

from authlib.integrations.flask_oauth2 import current_token
from flask import Blueprint, jsonify, request

from ..extensions import csrf, db
from ..models import Order
from ..oauth import require_oauth
from ..smart_inventory import LinkError, find_link, record_link

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000  # beyond it the offset would overflow the database's integers
MAX_PARAMETER_LENGTH = 256


def api_error(status, error, description):
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    return response


def for_a_seller(view):
    """The view serves a seller's token only (a client's own token acts for nobody): it is
    called with the seller."""

    @wraps(view)
    def for_the_tokens_seller(*args, **kwargs):
        seller = current_token.seller
        if seller is None:
            return api_error(403, "insufficient_scope", "This token does not act for a seller.")
        return view(seller, *args, **kwargs)

    return for_the_tokens_seller


@bp.before_request
def refuse_malformed_parameters():
    for name in request.args:
        values = request.args.getlist(name)
        if len(values) > 1 or len(values[0]) > MAX_PARAMETER_LENGTH:
            return api_error(400, "invalid_request", "A query parameter was repeated or too long.")
    return None


def page_arguments():
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 20))
    except ValueError:
        return None
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PAGE_SIZE:
        return None
    return page, per_page


@bp.get("/orders")
@require_oauth("qsm.orders.read")
@for_a_seller
def orders(seller):
    paging = page_arguments()
    if paging is None:
        return api_error(
            400,
            "invalid_request",
            f"'page' must be between 1 and {MAX_PAGE} and 'per_page' between 1 and {MAX_PAGE_SIZE}.",
        )
    page, per_page = paging
    query = db.select(Order).filter_by(seller_pk=seller.id).order_by(Order.ordered_at.desc(), Order.id.desc())
    total = db.session.execute(db.select(db.func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars()
    return jsonify(
        orders=[order.to_json() for order in rows],
        page=page,
        per_page=per_page,
        total=total,
        has_more=page * per_page < total,
    )


@bp.get("/smart-inventory/link")
@require_oauth("qsm.inventory")
@for_a_seller
def get_link(seller):
    link = find_link(seller)
    return jsonify(linked=link is not None, link=link.to_json() if link else None)


@bp.put("/smart-inventory/link")
@require_oauth("qsm.inventory")
@for_a_seller
def put_link(seller):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return api_error(400, "invalid_request", "The body must be a JSON object.")
    try:
        link = record_link(
            seller,
            current_token.client,
            body.get("smartship_login_id"),
            body.get("fulfillment_status", "not_applied"),
        )
    except LinkError as error:
        return api_error(400, "invalid_request", str(error))
    return jsonify(linked=True, link=link.to_json())
