"""config.py: each site's settings, read from the environment when its app is built."""
import pytest

import config
from clients.demo_app import create_demo_app
from clients.smartship import create_app as create_smartship
from idp import create_app as create_qsm

IN_MEMORY = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_JSON": False, "LOG_REQUESTS": False}

SITES = [
    # (factory, a variable of the site, its value, the setting it becomes, that setting's value)
    (create_qsm, "QSM_PLATFORM_NAME", "Qoo10 Japan", "PLATFORM_NAME", "Qoo10 Japan"),
    (create_smartship, "SMARTSHIP_QSM_TIMEOUT", "2.5", "QSM_TIMEOUT_SECONDS", 2.5),
    (create_demo_app, "DEMO_APP_ORDERS_PER_PAGE", "7", "ORDERS_PER_PAGE", 7),
]


@pytest.mark.parametrize("factory, variable, value, setting, expected", SITES)
def test_an_app_reads_the_environment_when_it_is_built(monkeypatch, factory, variable, value, setting, expected):
    monkeypatch.setenv(variable, value)
    assert factory("development", test_config=IN_MEMORY).config[setting] == expected
    monkeypatch.delenv(variable)
    assert factory("development", test_config=IN_MEMORY).config[setting] != expected


@pytest.mark.parametrize("factory, variable, value, setting, expected", SITES)
def test_an_app_reads_the_variables_it_is_given_instead(monkeypatch, factory, variable, value, setting, expected):
    monkeypatch.delenv(variable, raising=False)
    assert factory("development", test_config=IN_MEMORY, environ={variable: value}).config[setting] == expected


def test_the_environment_is_chosen_by_the_sites_own_variable():
    production = {"SMARTSHIP_ENV": "production", "SMARTSHIP_SECRET_KEY": "s" * 40}
    with pytest.raises(RuntimeError, match="SMARTSHIP_TOKEN_ENCRYPTION_KEYS"):
        config.load("smartship", environ=production)
    assert config.load("smartship", environ={"QSM_ENV": "production"})["PRODUCTION"] is False
    with pytest.raises(RuntimeError, match="unknown environment 'staging'"):
        config.load("qsm", environ={"QSM_ENV": "staging"})


def test_an_issuer_on_https_makes_the_session_cookie_secure():
    assert config.load("qsm", "development", {"QSM_ISSUER": "https://qsm.example/"})["SESSION_COOKIE_SECURE"] is True
    plain = config.load("qsm", "development", {"QSM_ISSUER": "http://qsm.example/"})
    assert plain["ISSUER"] == "http://qsm.example" and plain["SESSION_COOKIE_SECURE"] is False


def test_instance_folder_holds_the_default_databases_and_the_outbox(tmp_path):
    environ = {"QSM_CONNECT_INSTANCE": str(tmp_path)}
    assert config.load("qsm", "development", environ)["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'qsm.db'}"
    assert config.load("smartship", "development", environ)["MAIL_OUTBOX"] == str(tmp_path / "outbox")


def test_testing_takes_the_database_from_the_sites_test_variable():
    environ = {"DEMO_APP_DATABASE_URL": "sqlite:///real.db", "DEMO_APP_TEST_DATABASE_URL": "sqlite:///test.db"}
    assert config.load("demo_app", "testing", environ)["SQLALCHEMY_DATABASE_URI"] == "sqlite:///test.db"
    assert config.load("demo_app", "testing", {})["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_a_smartship_platform_without_a_client_id_uses_smartships_default():
    platforms = '[{"id": "qoo10-sg", "name": "Qoo10", "issuer": "http://127.0.0.1:5000", "client_secret": "x"}]'
    loaded = config.load("smartship", "development", {"SMARTSHIP_PLATFORMS": platforms})["PLATFORMS"]
    assert loaded[0]["client_id"] == "smartship"
    renamed = config.load("smartship", "development", {"SMARTSHIP_PLATFORMS": platforms, "SMARTSHIP_CLIENT_ID": "ss"})
    assert renamed["PLATFORMS"][0]["client_id"] == "ss"
