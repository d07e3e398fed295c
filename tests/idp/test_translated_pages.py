"""QSM's pages in Japanese (Accept-Language: ja) and, unchanged, in English: the consent page,
Activity (scopes in the consent page's words), connected apps, passkeys, the developer pages and
the error pages."""
import pytest

from tests.support.pages import csrf_token

JA = {"Accept-Language": "ja"}


def page(client, path, headers=None, **kwargs):
    response = client.get(path, headers=headers or {}, **kwargs)
    return response, response.get_data(as_text=True)


@pytest.fixture
def logged_in(seller, auth):
    auth.login()
    return seller


def test_the_consent_page_in_japanese(client, logged_in, flow):
    f = flow(name="Parcel Tracker")
    response = client.get("/oauth/authorize", query_string=f.authorize_params(), headers=JA)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="ja">' in html
    assert "Parcel Tracker があなたの QSM アカウントへのアクセスを求めています" in html
    assert "QSM アカウントでのログイン" in html and "氏名・ショップ名・販売者 ID の参照" in html
    assert ">許可する</button>" in html and ">拒否する</button>" in html
    assert "wants to access" not in html and "Sign you in" not in html


def allow(client, f):
    consent = f.authorize().get_data(as_text=True)
    client.post(
        "/oauth/authorize",
        query_string=f.authorize_params(),
        data={"decision": "allow", "csrf_token": csrf_token(consent)},
    )


def test_activity_shows_the_allowed_scopes_in_plain_words_in_english(client, logged_in, flow):
    allow(client, flow(name="Parcel Tracker"))
    _, html = page(client, "/account/activity")
    assert '<html lang="en">' in html and "Allowed an app" in html
    assert "<li>Sign you in with your QSM account</li>" in html
    assert "<li>See your name, shop name and seller ID</li>" in html
    assert "<li>See your email address and whether it is verified</li>" in html
    assert "openid profile email" not in html


def test_activity_shows_the_allowed_scopes_in_plain_words_in_japanese(client, logged_in, flow):
    allow(client, flow(name="Parcel Tracker"))
    _, html = page(client, "/account/activity", JA)
    assert '<html lang="ja">' in html and "<h1>アクティビティ</h1>" in html
    assert "アプリを許可しました" in html and "ログインしました" in html
    assert "<li>QSM アカウントでのログイン</li>" in html and "<li>メールアドレスとその確認状況の参照</li>" in html
    assert "openid profile email" not in html and "Allowed an app" not in html


def test_connected_apps_in_japanese(client, logged_in, flow):
    f = flow(name="Parcel Tracker", scope="openid profile qsm.orders.read")
    f.tokens(scope="openid qsm.orders.read")
    _, html = page(client, "/account/connected-apps", JA)
    assert '<html lang="ja">' in html and "<h1>連携中のアプリ</h1>" in html
    assert "<li>注文情報の参照</li>" in html and 'aria-label="Parcel Tracker のアクセスを取り消す"' in html
    _, confirm = page(client, f"/account/connected-apps/{f.oauth_client.client_id}/revoke", JA)
    assert "<h1>Parcel Tracker のアクセスを取り消しますか？</h1>" in confirm and ">キャンセル</a>" in confirm


def test_the_passkey_pages_in_japanese(client, logged_in):
    _, html = page(client, "/account/passkeys", JA)
    assert '<html lang="ja">' in html and "<h1>パスキー</h1>" in html and "まだパスキーはありません。" in html
    assert '<label for="name">パスキーの名前</label>' in html and 'placeholder="自分のスマートフォン"' in html
    added = client.post(
        "/account/passkeys/new",
        data={"name": "Phone", "password": "wrong password", "csrf_token": csrf_token(html)},
        headers=JA,
    ).get_data(as_text=True)
    assert "パスワードが正しくありません。" in added


@pytest.mark.parametrize(
    "headers, checking",
    [({}, 'data-checking="Checking your passkey..."'), (JA, 'data-checking="パスキーを確認しています..."')],
)
def test_the_passkey_scripts_messages_are_in_the_page_in_its_language(client, headers, checking):
    _, html = page(client, "/login", headers)
    assert checking in html


def test_the_developer_form_in_japanese(client, logged_in):
    _, html = page(client, "/developer/apps/new", JA)
    assert '<html lang="ja">' in html and "<h1>アプリを登録</h1>" in html
    assert '<label for="name">アプリ名</label>' in html
    assert "openid: QSM アカウントでのログイン" in html and "コンフィデンシャル（" in html
    refused = client.post(
        "/developer/apps/new",
        data={"name": "Repricer", "redirect_uris": "http://example.com/cb", "client_type": "confidential",
              "scopes": ["openid"], "csrf_token": csrf_token(html)},
        headers=JA,
    ).get_data(as_text=True)
    assert "http はループバックアドレスでのみ使えます。https を使ってください。" in refused


def test_the_developer_form_in_english_is_unchanged(client, logged_in):
    _, html = page(client, "/developer/apps/new")
    assert "openid: Sign you in with your QSM account" in html and '<label for="name">App name</label>' in html


@pytest.mark.parametrize(
    "headers, lang, words",
    [
        ({}, "en", "QSM does not know the application that sent you here, or the application is not set up correctly."),
        (JA, "ja", "ここへ移動する前のアプリが QSM に登録されていないか、アプリの設定が正しくありません。"),
    ],
)
def test_the_sign_in_error_page_explains_invalid_client_in_words(client, logged_in, flow, headers, lang, words):
    params = flow().authorize_params(client_id="unknown-client")
    response = client.get("/oauth/authorize", query_string=params, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and f'<html lang="{lang}">' in html
    assert words in html
    assert "<strong>invalid_client</strong>" in html  # the code stays, as a detail for the developer


def test_error_pages_in_japanese(client):
    response, html = page(client, "/no-such-page", JA)
    assert response.status_code == 404 and '<html lang="ja">' in html
    assert "<h1>404 ページが見つかりません</h1>" in html and "このページは存在しません。" in html


def test_the_password_form_says_in_japanese_what_is_wrong(client, logged_in):
    _, html = page(client, "/account/password", JA)
    assert "<h1>パスワードの変更</h1>" in html and "10 文字以上で入力してください。" in html
    response = client.post(
        "/account/password",
        data={"current_password": "x", "new_password": "short", "confirm_password": "short",
              "csrf_token": csrf_token(html)},
        headers=JA,
    )
    assert "パスワードは 10 文字以上（1024 文字以内）にしてください。" in response.get_data(as_text=True)
