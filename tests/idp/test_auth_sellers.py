"""Seller accounts: identity, email, password hashing and the stable OIDC subject."""
import pytest

import config
from idp.auth.sellers import SellerError, authenticate, change_email, change_password, create_seller
from idp.extensions import db
from idp.models import Seller
from idp.oauth.claims import seller_claims
from tests.support.qsm import PASSWORD


def bcrypt_cost(password_hash):
    return int(password_hash.split("$")[2])


def test_a_seller_has_every_detail_and_a_structured_address(make_seller):
    seller = make_seller(
        "Tan@Example.com",
        shop_name="Lion City Gadgets",
        contact_name="Tan Wei Ling",
        phone="+65 6123 4567",
        street_address="10 Anson Road #12-01",
        locality="Singapore",
        region="Central",
        postal_code="079903",
        country="sg",
    )
    assert seller.email == "tan@example.com"
    assert seller.email_verified is True
    assert (seller.shop_name, seller.contact_name, seller.phone) == (
        "Lion City Gadgets",
        "Tan Wei Ling",
        "+65 6123 4567",
    )
    assert seller.address == {
        "street_address": "10 Anson Road #12-01",
        "locality": "Singapore",
        "region": "Central",
        "postal_code": "079903",
        "country": "SG",
        "formatted": "10 Anson Road #12-01\nSingapore Central 079903\nSG",
    }
    assert seller.seller_id.startswith("QS") and seller.seller_id[2:].isdigit() and len(seller.seller_id) == 10


def test_email_verified_flag_is_kept(make_seller):
    assert make_seller(email_verified=False).email_verified is False


@pytest.mark.parametrize("rounds", [4, 5])
def test_stored_hash_is_bcrypt_at_the_configured_cost(app, make_seller, rounds):
    app.config["BCRYPT_ROUNDS"] = rounds
    seller = make_seller()
    assert seller.password_hash.startswith("$2b$")
    assert bcrypt_cost(seller.password_hash) == rounds
    assert PASSWORD not in seller.password_hash


def test_default_bcrypt_cost_is_12(app, monkeypatch):
    monkeypatch.delenv("QSM_BCRYPT_ROUNDS", raising=False)
    assert config.load("qsm", "development")["BCRYPT_ROUNDS"] == 12
    production = {"QSM_SECRET_KEY": "p" * 40, "QSM_KEY_ENCRYPTION_KEYS": "k" * 44}
    app.config["BCRYPT_ROUNDS"] = config.load("qsm", "production", production)["BCRYPT_ROUNDS"]
    seller = create_seller("cost@example.com", PASSWORD, "Shop", "Name")
    assert bcrypt_cost(seller.password_hash) == 12


def test_email_is_unique_whatever_its_case(make_seller):
    make_seller("seller@example.com")
    with pytest.raises(SellerError, match="already exists"):
        make_seller("  SELLER@Example.COM ")


def test_login_email_is_case_insensitive(seller):
    assert authenticate("Seller@EXAMPLE.com", PASSWORD).id == seller.id
    assert authenticate("seller@example.com", PASSWORD + "x") is None
    assert authenticate("nobody@example.com", PASSWORD) is None


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"email": ""}, "valid email"),
        ({"email": "no-at-sign"}, "valid email"),
        ({"email": "two@@example.com"}, "valid email"),
        ({"email": "space in@example.com"}, "valid email"),
        ({"email": "nodot@localhost"}, "valid email"),
        ({"email": "x" * 250 + "@example.com"}, "valid email"),
        ({"password": "short"}, "at least 10"),
        ({"password": ""}, "at least 10"),
        ({"password": "x" * 1025}, "at most 1024"),
        ({"password": "New@Example.com"}, "email address"),
        ({"shop_name": "  "}, "shop name is required"),
        ({"contact_name": ""}, "contact name is required"),
        ({"shop_name": "s" * 121}, "shop name must have at most"),
        ({"country": "SGP"}, "two-letter"),
        ({"country": "S1"}, "two-letter"),
        ({"nickname": "x"}, "Unknown seller details"),
    ],
)
def test_bad_seller_details_are_refused(app, overrides, message):
    data = {"email": "new@example.com", "password": PASSWORD, "shop_name": "Shop", "contact_name": "Name"} | overrides
    with pytest.raises(SellerError, match=message):
        create_seller(**data)
    assert db.session.execute(db.select(Seller)).first() is None


def test_sub_is_random_and_not_the_row_number(make_seller):
    sellers = [make_seller() for _ in range(3)]
    subs = {s.sub for s in sellers}
    assert len(subs) == 3
    for s in sellers:
        assert s.sub != str(s.id) and not s.sub.isdigit()
        assert len(s.sub) >= 32


def test_sub_survives_email_and_password_changes(seller):
    sub = seller.sub
    change_email(seller, "Renamed@Example.com")
    change_password(seller, PASSWORD, "a brand new passphrase")
    db.session.expire_all()
    reloaded = db.session.get(Seller, seller.id)
    assert reloaded.sub == sub
    assert reloaded.email == "renamed@example.com"
    assert seller_claims(reloaded, "openid")["sub"] == sub


def test_sub_cannot_be_reassigned(seller):
    with pytest.raises(ValueError, match="never changes"):
        seller.sub = "another-subject"


def test_sub_of_a_deleted_seller_is_not_given_again(make_seller):
    gone = make_seller("gone@example.com")
    old_sub, old_id = gone.sub, gone.id
    db.session.delete(gone)
    db.session.commit()
    newcomer = make_seller("gone@example.com")
    assert newcomer.sub != old_sub
    assert newcomer.sub != str(old_id)


def test_changing_email_requires_it_to_be_verified_again(seller, make_seller):
    make_seller("taken@example.com")
    with pytest.raises(SellerError, match="already exists"):
        change_email(seller, "TAKEN@example.com")
    change_email(seller, "fresh@example.com")
    assert seller.email_verified is False
    assert authenticate("fresh@example.com", PASSWORD).id == seller.id


@pytest.mark.parametrize(
    "current, new, message",
    [
        ("wrong password", "another long passphrase", "current password is not correct"),
        (PASSWORD, "short", "at least 10"),
        (PASSWORD, "seller@example.com", "email address"),
    ],
)
def test_password_change_refuses_bad_input(seller, current, new, message):
    old_hash = seller.password_hash
    with pytest.raises(SellerError, match=message):
        change_password(seller, current, new)
    assert seller.password_hash == old_hash
    assert seller.credentials_version == 1


def test_password_change_rehashes_and_bumps_the_session_version(seller):
    change_password(seller, PASSWORD, "another long passphrase")
    assert seller.credentials_version == 2
    assert authenticate("seller@example.com", "another long passphrase").id == seller.id
    assert authenticate("seller@example.com", PASSWORD) is None


def test_email_set_directly_on_the_model_is_stored_in_lower_case(seller, make_seller):
    seller.email = " Mixed.Case@Example.COM "
    db.session.commit()
    assert seller.email == "mixed.case@example.com"
    with pytest.raises(SellerError, match="already exists"):
        make_seller("MIXED.CASE@example.com")
