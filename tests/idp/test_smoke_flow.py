def test_code_flow_with_pkce_issues_tokens_and_userinfo(client, seller, auth, flow):
    auth.login()
    f = flow(trusted=True)
    tokens = f.tokens(scope="openid profile email offline_access")
    assert tokens["token_type"] == "Bearer"
    assert "id_token" in tokens and "refresh_token" in tokens
    info = client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 200
    assert info.get_json()["email"] == "seller@example.com"
