"""Applying for fulfillment service; operators decide; QSM's panel is told every change."""
import json

from clients.smartship.extensions import db
from clients.smartship.models import FulfillmentApplication
from tests.support.pages import csrf_token


def apply(client, warehouse="Singapore (Tuas)"):
    page = client.get("/fulfillment")
    return client.post(
        "/fulfillment", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "warehouse": warehouse}
    )


def test_apply_then_approve_and_reject_are_reported_to_qsm(signup, smartship, smartship_app, fake_qsm):
    signup.done()
    assert "Not applied" in smartship.get("/fulfillment").get_data(as_text=True)
    assert apply(smartship).status_code == 302
    assert fake_qsm.link_reports[-1]["fulfillment_status"] == "pending"
    assert "Pending review" in smartship.get("/fulfillment").get_data(as_text=True)

    runner = smartship_app.test_cli_runner()
    result = runner.invoke(args=["fulfillment", "reject", "seller@example.com"])
    assert result.exit_code == 0 and json.loads(result.output)["status"] == "rejected"
    assert fake_qsm.link_reports[-1]["fulfillment_status"] == "rejected"
    assert apply(smartship).status_code == 302
    result = runner.invoke(args=["fulfillment", "approve", "seller@example.com"])
    assert json.loads(result.output)["status"] == "approved"
    assert fake_qsm.link_reports[-1]["fulfillment_status"] == "approved"


def test_deciding_a_non_pending_application_is_refused(signup, smartship_app):
    signup.done()
    result = smartship_app.test_cli_runner().invoke(args=["fulfillment", "approve", "seller@example.com"])
    assert result.exit_code != 0 and "not pending" in result.output
    unknown = smartship_app.test_cli_runner().invoke(args=["fulfillment", "approve", "nobody"])
    assert unknown.exit_code != 0 and "no SmartShip account" in unknown.output


def test_an_unknown_warehouse_is_refused(signup, smartship):
    signup.done()
    response = apply(smartship, warehouse="Mars")
    assert response.status_code == 200 and "choose a warehouse" in response.get_data(as_text=True)
    # Nothing applied.
    assert db.session.execute(db.select(FulfillmentApplication.status)).scalar() in (None, "not_applied")
    assert "Not applied" in smartship.get("/fulfillment").get_data(as_text=True)


def test_showing_the_fulfillment_page_writes_nothing(signup, smartship):
    """A GET has no side effects: the page shows "Not applied" without making a row for it."""
    from tests.support.statements import statements

    signup.done()
    db.session.execute(db.delete(FulfillmentApplication))  # an account made without one (the CLI's)
    db.session.commit()
    with statements() as seen:
        page = smartship.get("/fulfillment")
    assert page.status_code == 200 and "Not applied" in page.get_data(as_text=True)
    assert not [s for s in seen if not s.lstrip().upper().startswith("SELECT")], seen
    assert db.session.execute(db.select(FulfillmentApplication)).first() is None


def test_a_failed_report_is_retried_at_the_next_sync(signup, smartship, fake_qsm):
    signup.done()
    fake_qsm.api_status = 503
    apply(smartship)
    assert all(r["fulfillment_status"] != "pending" for r in fake_qsm.link_reports)
    fake_qsm.api_status = None
    page = smartship.get("/orders")
    smartship.post("/orders/sync", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert fake_qsm.link_reports[-1]["fulfillment_status"] == "pending"
