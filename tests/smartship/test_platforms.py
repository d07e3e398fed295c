"""Several marketplaces: each QSM its own issuer; a link is keyed by (platform, seller sub)."""
import pytest
import responses
from sqlalchemy.exc import IntegrityError

from clients.smartship import create_app
from clients.smartship.extensions import db
from clients.smartship.models import Account, QsmLink
from tests.support.apps import FreshGlobalsClient
from tests.support.pages import query_of

from .conftest import FakeQSM

TWO_PLATFORMS = [
    {
        "id": "qoo10-sg",
        "name": "Qoo10 Singapore",
        "issuer": "http://qsm.test",
        "client_id": "smartship",
        "client_secret": "s1",
    },
    {
        "id": "qoo10-global",
        "name": "Qoo10 Global",
        "issuer": "http://global.test",
        "client_id": "smartship-g",
        "client_secret": "s2",
    },
]


def account(login_id):
    row = Account(login_id=login_id, email=f"{login_id}@example.com")
    db.session.add(row)
    db.session.commit()
    return row


def test_a_seller_links_to_at_most_one_account(smartship_app):
    first, second = account("a1"), account("a2")
    db.session.add_all(
        [
            QsmLink(account=first, platform="qoo10-sg", sub="same"),
            QsmLink(account=second, platform="qoo10-sg", sub="same"),
        ]
    )
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_an_account_holds_at_most_one_link_per_platform(smartship_app):
    owner = account("a1")
    db.session.add_all(
        [QsmLink(account=owner, platform="qoo10-sg", sub="one"), QsmLink(account=owner, platform="qoo10-sg", sub="two")]
    )
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_one_account_may_link_one_seller_on_each_platform_and_subs_are_per_platform(smartship_app):
    owner, other = account("a1"), account("a2")
    db.session.add_all([
        QsmLink(account=owner, platform="qoo10-sg", sub="s-1"),
        QsmLink(account=owner, platform="qoo10-global", sub="s-1"),
        QsmLink(account=other, platform="qoo10-global", sub="s-2"),
    ])
    db.session.commit()
    assert len(owner.links) == 2


@pytest.fixture
def two_platform_smartship(tmp_path):
    app = create_app("testing", test_config={"PLATFORMS": TWO_PLATFORMS, "MAIL_OUTBOX": str(tmp_path)})
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        db.create_all()
        yield app.test_client()
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_each_platform_sends_the_seller_to_its_own_issuer(two_platform_smartship):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        FakeQSM(mock, "http://qsm.test")
        FakeQSM(mock, "http://global.test")
        to_sg = two_platform_smartship.get("/linked-signup/start?platform=qoo10-sg").location
        to_global = two_platform_smartship.get("/linked-signup/start?platform=qoo10-global").location
    assert to_sg.startswith("http://qsm.test/oauth/authorize?") and query_of(to_sg)["client_id"] == "smartship"
    assert (
        to_global.startswith("http://global.test/oauth/authorize?")
        and query_of(to_global)["client_id"] == "smartship-g"
    )
    assert query_of(to_global)["redirect_uri"].endswith("/auth/callback/qoo10-global")


def test_an_id_token_from_another_platforms_issuer_is_refused(two_platform_smartship):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        FakeQSM(mock, "http://qsm.test")
        global_qsm = FakeQSM(mock, "http://global.test")
        params = query_of(two_platform_smartship.get("/linked-signup/start?platform=qoo10-global").location)
        global_qsm.nonce = params["nonce"]
        global_qsm.id_token_overrides["iss"] = "http://qsm.test"  # a token minted for the other platform
        response = two_platform_smartship.get(
            "/auth/callback/qoo10-global",
            query_string={"code": "c", "state": params["state"], "iss": "http://global.test"},
        )
    assert response.status_code == 400 and "could not be validated" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Account)).first() is None


def test_an_unknown_platform_is_refused_at_start(two_platform_smartship):
    response = two_platform_smartship.get("/linked-signup/start?platform=elsewhere")
    assert response.status_code == 400 and "not connected to SmartShip" in response.get_data(as_text=True)


def test_the_state_of_one_platform_does_not_complete_another(two_platform_smartship):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        FakeQSM(mock, "http://qsm.test")
        FakeQSM(mock, "http://global.test")
        params = query_of(two_platform_smartship.get("/linked-signup/start?platform=qoo10-sg").location)
        response = two_platform_smartship.get(
            "/auth/callback/qoo10-global",
            query_string={"code": "c", "state": params["state"], "iss": "http://global.test"},
        )
    assert response.status_code == 400 and "expired or was already used" in response.get_data(as_text=True)
