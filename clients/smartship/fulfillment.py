"""Applying for fulfillment service and warehouse use, and reporting each change to QSM."""
from flask_babel import gettext as _, lazy_gettext as _l

from . import qsm
from .extensions import db
from .models import FulfillmentApplication, utcnow
from .service_setup import report_inventory_link

WAREHOUSES = ("Singapore (Tuas)", "Singapore (Changi)")
# What a seller reads for each warehouse (the names above are what is stored).
WAREHOUSE_LABELS = {"Singapore (Tuas)": _l("Singapore (Tuas)"), "Singapore (Changi)": _l("Singapore (Changi)")}


class FulfillmentError(ValueError):
    pass


def application_to_show(account):
    """The account's application, or an unsaved "not applied" one: showing the page writes nothing."""
    found = db.session.execute(db.select(FulfillmentApplication).filter_by(account_id=account.id)).scalar_one_or_none()
    return found or FulfillmentApplication(account_id=account.id, status="not_applied")


def application_for(account):
    """The account's application, made (not applied yet) if it has none: for a change to it."""
    application = db.session.execute(
        db.select(FulfillmentApplication).filter_by(account_id=account.id)
    ).scalar_one_or_none()
    if application is None:
        application = FulfillmentApplication(account_id=account.id, status="not_applied")
        db.session.add(application)
        db.session.flush()
    return application


def apply_for_fulfillment(account, warehouse):
    if warehouse not in WAREHOUSES:
        raise FulfillmentError(_("Please choose a warehouse."))
    application = application_for(account)
    if application.status in ("pending", "approved"):
        raise FulfillmentError(_("You have already applied for fulfillment service."))
    application.status = "pending"
    application.warehouse = warehouse
    application.applied_at = utcnow()
    application.decided_at = None
    db.session.commit()
    return report_to_qsm(account)


def decide(account, approve):
    application = application_for(account)
    if application.status != "pending":
        raise FulfillmentError(f"The application of {account.login_id} is {application.status}, not pending.")
    application.status = "approved" if approve else "rejected"
    application.decided_at = utcnow()
    db.session.commit()
    return report_to_qsm(account)


def report_to_qsm(account):
    """Tell every linked QSM the new status. Returns the problems; a failed report is retried at the next sync."""
    problems = []
    for link in account.links:
        try:
            report_inventory_link(link)
        except qsm.QSMError as error:
            problems.append(f"{link.platform}: {error}")
    return problems
