"""Connected apps: every app holding a grant, and Revoke (once confirmed) ends its access at once."""
from tests.idp.test_developer_apps import assert_accessible, controls
from tests.support.pages import csrf_token


def revoke(client, oauth_client):
    """Revoke through the confirmation page, as a seller does."""
    page = client.get(f"/account/connected-apps/{oauth_client.client_id}/revoke").get_data(as_text=True)
    return client.post(
        f"/account/connected-apps/{oauth_client.client_id}/revoke",
        data={"csrf_token": csrf_token(page), "confirm": "yes"},
    )


def test_connected_apps_lists_grants_and_revoke_ends_access(client, seller, auth, flow):
    auth.login()
    f = flow(name="Parcel Tracker")
    tokens = f.tokens(scope="openid profile qsm.orders.read offline_access")
    page = client.get("/account/connected-apps")
    html = page.get_data(as_text=True)
    assert "Parcel Tracker" in html and "Read your orders" in html and "last used" in html

    response = revoke(client, f.oauth_client)
    assert response.status_code == 302
    after = client.get("/account/connected-apps").get_data(as_text=True)
    assert "Parcel Tracker no longer has access" in after and 'aria-label="Revoke Parcel Tracker"' not in after

    api = client.get("/api/v1/orders", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert api.status_code == 401
    refresh = f.token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 400 and refresh.get_json()["error"] == "invalid_grant"

    # The app must ask again: the consent page comes back
    again = f.authorize()
    assert again.status_code == 200 and "Allow" in again.get_data(as_text=True)


def test_revoking_one_sellers_grant_leaves_other_sellers_alone(app, client, seller, make_seller, auth, flow):
    other = make_seller("other@example.com")
    f = flow(name="Shared App")
    auth.login("other@example.com")
    other_tokens = f.tokens(scope="openid qsm.orders.read")
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    auth.login()
    f.tokens(scope="openid qsm.orders.read")
    revoke(client, f.oauth_client)
    assert (
        client.get("/api/v1/orders", headers={"Authorization": f"Bearer {other_tokens['access_token']}"}).status_code
        == 200
    )
    assert other.id


def test_revoke_without_csrf_is_refused(client, seller, auth, flow):
    auth.login()
    f = flow()
    f.tokens()
    assert client.post(f"/account/connected-apps/{f.oauth_client.client_id}/revoke").status_code == 400


def test_a_family_site_with_a_live_grant_is_listed_and_can_be_revoked(client, seller, auth, flow):
    auth.login()
    f = flow(name="SmartShip", trusted=True)
    tokens = f.tokens(scope="openid qsm.orders.read offline_access")
    html = client.get("/account/connected-apps").get_data(as_text=True)
    assert "SmartShip" in html and "family site" in html and "Read your orders" in html
    confirm = client.get(f"/account/connected-apps/{f.oauth_client.client_id}/revoke").get_data(as_text=True)
    assert (
        "SmartShip (Qoo10 family site) can now:" in confirm
        and "you sign in to it again." in confirm
        and "allow it again" not in confirm
    )
    revoke(client, f.oauth_client)
    assert (
        client.get("/api/v1/orders", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
    )
    assert 'aria-label="Revoke SmartShip"' not in client.get("/account/connected-apps").get_data(as_text=True)


def test_revoke_asks_for_confirmation_on_its_own_page_first(client, seller, auth, flow):
    auth.login()
    f = flow(name="Parcel Tracker")
    tokens = f.tokens(scope="openid profile qsm.orders.read")
    client_id = f.oauth_client.client_id

    def still_has_access():
        return (
            client.get("/api/v1/orders", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code
            == 200
        )

    listing = client.get("/account/connected-apps").get_data(as_text=True)
    # The list only links to the confirmation: no form there revokes anything.
    assert f'action="/account/connected-apps/{client_id}/revoke"' not in listing
    [link] = [b for b in controls(listing).buttons if b[1] == "Revoke Parcel Tracker"]
    assert link[0] == "a" and link[2]["href"] == f"/account/connected-apps/{client_id}/revoke"

    confirm = client.get(link[2]["href"])
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "<h1>Revoke access for Parcel Tracker?</h1>" in html
    assert "Parcel Tracker can now:" in html and "Read your orders" in html
    assert "ends every token Parcel Tracker holds for your account" in html and "allow it again" in html
    assert f'<form method="post" action="/account/connected-apps/{client_id}/revoke"' in html
    names = {name: attrs for _, name, attrs in controls(html).buttons}
    assert names["Revoke access for Parcel Tracker"].get("type") == "submit"
    assert names["Cancel"]["href"] == "/account/connected-apps"
    assert 'name="confirm" type="hidden" value="yes"' in html and 'name="csrf_token"' in html
    assert_accessible(html)
    assert still_has_access()  # showing the page revoked nothing

    # A POST that does not come from the confirmation page (the old one-click form) revokes nothing.
    one_click = client.post(f"/account/connected-apps/{client_id}/revoke", data={"csrf_token": csrf_token(html)})
    assert one_click.status_code == 303 and one_click.location == f"/account/connected-apps/{client_id}/revoke"
    assert still_has_access()

    done = client.post(
        f"/account/connected-apps/{client_id}/revoke",
        data={"csrf_token": csrf_token(html), "confirm": "yes"},
        follow_redirects=True,
    )
    assert "Parcel Tracker no longer has access to your QSM account." in done.get_data(as_text=True)
    assert not still_has_access()

    # Back to the confirmation page afterwards: nothing left to revoke, and it says so.
    back = client.get(f"/account/connected-apps/{client_id}/revoke", follow_redirects=True)
    assert (
        back.request.path == "/account/connected-apps"
        and "Parcel Tracker has no access to your QSM account." in back.get_data(as_text=True)
    )


def test_the_confirmation_page_of_an_unknown_app_is_not_found(client, seller, auth):
    auth.login()
    assert client.get("/account/connected-apps/no-such-app/revoke").status_code == 404


def test_connected_apps_page_names_every_button(client, seller, auth, flow):
    auth.login()
    flow(name="Parcel Tracker").tokens()
    assert_accessible(client.get("/account/connected-apps").get_data(as_text=True))
