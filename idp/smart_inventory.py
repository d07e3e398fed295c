"""The seller's SmartShip link as SmartShip reports it, for the Qx Smart Inventory panel."""
from .extensions import db
from .models import SmartInventoryLink
from .models.seller import FULFILLMENT_STATUSES


class LinkError(ValueError):
    pass


def find_link(seller):
    return db.session.execute(db.select(SmartInventoryLink).filter_by(seller_pk=seller.id)).scalar_one_or_none()


def record_link(seller, client, smartship_login_id, fulfillment_status="not_applied"):
    login_id = (smartship_login_id or "").strip() if isinstance(smartship_login_id, str) else None
    if not login_id or len(login_id) > 254:
        raise LinkError("'smartship_login_id' must be a non-empty string of at most 254 characters.")
    if fulfillment_status not in FULFILLMENT_STATUSES:
        raise LinkError(f"'fulfillment_status' must be one of {', '.join(FULFILLMENT_STATUSES)}.")
    link = find_link(seller)
    if link is None:
        link = SmartInventoryLink(seller_pk=seller.id, client_pk=client.id)
        db.session.add(link)
    link.client_pk = client.id
    link.smartship_login_id = login_id
    link.fulfillment_status = fulfillment_status
    db.session.commit()
    return link
