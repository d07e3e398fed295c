"""Connected apps: every app holding a grant, and Revoke ends its access at once."""
from tests.conftest import csrf_token


def test_connected_apps_lists_grants_and_revoke_ends_access(client, seller, auth, flow):
    auth.login()
    f = flow(name="Parcel Tracker")
    tokens = f.tokens(scope="openid profile qsm.orders.read offline_access")
    page = client.get("/account/connected-apps")
    html = page.get_data(as_text=True)
    assert "Parcel Tracker" in html and "Read your orders" in html and "last used" in html

    response = client.post(f"/account/connected-apps/{f.oauth_client.client_id}/revoke", data={"csrf_token": csrf_token(html)})
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
    page = client.get("/account/connected-apps").get_data(as_text=True)
    client.post(f"/account/connected-apps/{f.oauth_client.client_id}/revoke", data={"csrf_token": csrf_token(page)})
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {other_tokens['access_token']}"}).status_code == 200
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
    client.post(f"/account/connected-apps/{f.oauth_client.client_id}/revoke", data={"csrf_token": csrf_token(html)})
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
    assert 'aria-label="Revoke SmartShip"' not in client.get("/account/connected-apps").get_data(as_text=True)
