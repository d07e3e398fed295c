"""One QSM seller, two browser windows, both at SmartShip's Done step, submitted at the same
moment to different SmartShip instances: one SmartShip account, decided by the database's
unique constraints (create_linked_account), whichever instance commits first."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from .cluster import HTTP_TIMEOUT, PLATFORM_ID
from .conftest import reach_done_step

pytestmark = pytest.mark.live

ROUNDS = 3  # three sellers: more chances for the two commits to meet
LOGIN_ID_TAKEN = "is already used by another SmartShip account"
# Still one account, but the slower window is told its login ID is taken instead of being
# signed in: create_linked_account checks find_link() before login_id_taken(), and when the
# other window commits between the two checks, LoginIdTaken is raised although the seller is
# now linked. The fix (clients/smartship/linking.py): when the login ID is taken, look for the
# link once more and raise AlreadyLinked if it is there. Until then this outcome is an xfail.
KNOWN_RACE = "known race in create_linked_account: LoginIdTaken instead of AlreadyLinked (see LOGIN_ID_TAKEN)"


def smartship_rows(cluster, email):
    from clients.smartship.extensions import db
    from clients.smartship.models import Account, FulfillmentApplication, QsmLink

    with cluster.smartship_app.app_context():
        accounts = db.session.execute(db.select(Account).filter_by(email=email)).scalars().all()
        ids = [a.id for a in accounts]
        links = db.session.execute(db.select(QsmLink).where(QsmLink.account_id.in_(ids))).scalars().all()
        applications = db.session.execute(
            db.select(FulfillmentApplication).where(FulfillmentApplication.account_id.in_(ids))
        ).scalars().all()
        found = (len(accounts), [(link.platform, link.sub) for link in links], len(applications))
        db.session.remove()
        return found


def qsm_sub(cluster, email):
    from idp.auth.sellers import find_seller_by_email
    from idp.extensions import db

    with cluster.qsm_app.app_context():
        sub = find_seller_by_email(email).sub
        db.session.remove()
        return sub


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_windows_submitting_done_at_two_instances_make_one_account(cluster, make_seller, round_):
    first = make_seller(shop_name=f"Two Windows {round_}")
    second = first.another_window()
    forms = [reach_done_step(cluster, window) for window in (first, second)]

    barrier = threading.Barrier(2, timeout=30)

    def submit(window, instance, data):
        barrier.wait()
        return window.http.post(instance.url + "/linked-signup", data=data, timeout=HTTP_TIMEOUT)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(submit, (first, second), (cluster.smartship_a, cluster.smartship_b), forms)
        )

    accounts, links, applications = smartship_rows(cluster, first.email)
    assert accounts == 1 and applications == 1, (accounts, applications)
    assert links == [(PLATFORM_ID, qsm_sub(cluster, first.email))]

    lost_race = []
    for window, response in zip((first, second), results, strict=True):
        if response.status_code == 409 and LOGIN_ID_TAKEN in response.text:
            lost_race.append(window)  # see KNOWN_RACE
            continue
        # Both windows end signed in at the orders page of the one account.
        assert response.status_code == 200, (response.status_code, response.text[:500])
        assert response.url.endswith("/orders"), response.url
        assert window.http.get(cluster.smartship_url + "/account", timeout=HTTP_TIMEOUT).status_code == 200
    if lost_race:
        pytest.xfail(KNOWN_RACE)
