"""The basic service setup after linking: the order link and the Qx Smart Inventory link."""
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from . import qsm
from .extensions import db
from .models import FulfillmentApplication, ImportedOrder, utcnow
from .qsm_access import call_qsm

ORDER_PAGES_LIMIT = 50


def import_orders(link):
    """Fetch the seller's orders from QSM and upsert them. Returns how many were new."""
    fetched = []
    page = 1
    while page <= ORDER_PAGES_LIMIT:
        body = call_qsm(link, "GET", "/api/v1/orders", params={"page": page, "per_page": 100})
        fetched.extend(body.get("orders", []))
        if not body.get("has_more"):
            break
        page += 1
    known = {
        row.order_no: row
        for row in db.session.execute(
            db.select(ImportedOrder).filter_by(platform=link.platform, account_id=link.account_id)
        ).scalars()
    }
    new = 0
    for order in fetched:
        order_no = str(order.get("order_no", ""))[:40]
        if not order_no:
            continue
        row = known.get(order_no)
        if row is None:
            row = ImportedOrder(account_id=link.account_id, platform=link.platform, order_no=order_no)
            db.session.add(row)
            known[order_no] = row
            new += 1
        row.buyer_name = str(order.get("buyer_name", ""))[:120]
        row.item_name = str(order.get("item_name", ""))[:200]
        row.quantity = int(order.get("quantity") or 0)
        row.amount = str(order.get("amount", ""))[:20]
        row.currency = str(order.get("currency", ""))[:3]
        row.status = str(order.get("status", ""))[:20]
        row.ordered_at = str(order.get("ordered_at", ""))[:40]
    link.last_synced_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise qsm.QSMUnavailable(_("Another sync was running; please try again.")) from None
    return new


def fulfillment_status(account):
    application = db.session.execute(
        db.select(FulfillmentApplication).filter_by(account_id=account.id)
    ).scalar_one_or_none()
    return application.status if application else "not_applied"


def report_inventory_link(link):
    """Tell QSM which SmartShip account the seller linked and where fulfillment stands."""
    status = fulfillment_status(link.account)
    call_qsm(
        link,
        "PUT",
        "/api/v1/smart-inventory/link",
        json={"smartship_login_id": link.account.login_id, "fulfillment_status": status},
    )
    link.inventory_reported_status = status
    db.session.commit()


def complete_service_setup(link):
    """Run both setups; a failure leaves the link in place to be retried. Returns the problems."""
    problems = []
    for step in (report_inventory_link, import_orders):
        try:
            step(link)
        except qsm.QSMError as error:
            problems.append(str(error))
    return problems
