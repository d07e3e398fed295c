"""deploy/gunicorn.conf.py: every value from the environment, sane defaults, only real settings."""
import logging
import os
import runpy
from pathlib import Path

import pytest
from gunicorn.config import KNOWN_SETTINGS

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
SETTING_NAMES = {setting.name for setting in KNOWN_SETTINGS}


def load(monkeypatch, **env):
    for name in list(os.environ):
        if name.startswith("GUNICORN_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    values = runpy.run_path(str(CONF))
    return {k: v for k, v in values.items() if k in SETTING_NAMES}


def test_defaults(monkeypatch):
    settings = load(monkeypatch)
    assert settings["bind"] == ["127.0.0.1:8000"]
    assert settings["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert settings["worker_class"] == "gthread" and settings["threads"] == 4
    assert settings["timeout"] == 30 and settings["graceful_timeout"] == 30 and settings["keepalive"] == 5
    assert settings["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert settings["accesslog"] is None  # the sites log every request themselves
    assert settings["control_socket_disable"] is True and "control_socket" not in settings
    assert "proxy_protocol" not in settings  # gunicorn's own default unless asked
    assert settings["logger_class"].__name__ == "JsonLogger"


def test_everything_from_the_environment(monkeypatch):
    settings = load(
        monkeypatch,
        GUNICORN_BIND="0.0.0.0:8000, [::]:8000",
        GUNICORN_WORKERS="7",
        GUNICORN_THREADS="8",
        GUNICORN_WORKER_CLASS="sync",
        GUNICORN_TIMEOUT="60",
        GUNICORN_GRACEFUL_TIMEOUT="20",
        GUNICORN_KEEPALIVE="75",
        GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.0/8",
        GUNICORN_PROXY_PROTOCOL="v2",
        GUNICORN_MAX_REQUESTS="5000",
        GUNICORN_MAX_REQUESTS_JITTER="500",
        GUNICORN_LOG_LEVEL="warning",
        GUNICORN_LOG_JSON="0",
        GUNICORN_CONTROL_SOCKET="/run/qsm/gunicorn.ctl",
    )
    assert settings["bind"] == ["0.0.0.0:8000", "[::]:8000"]
    assert (settings["workers"], settings["threads"], settings["worker_class"]) == (7, 8, "sync")
    assert (settings["timeout"], settings["graceful_timeout"], settings["keepalive"]) == (60, 20, 75)
    assert settings["forwarded_allow_ips"] == "10.0.0.0/8"
    assert settings["proxy_protocol"] == "v2" and settings["proxy_allow_ips"] == "10.0.0.0/8"
    assert (settings["max_requests"], settings["max_requests_jitter"]) == (5000, 500)
    assert settings["loglevel"] == "warning" and "logger_class" not in settings
    assert settings["control_socket"] == "/run/qsm/gunicorn.ctl" and "control_socket_disable" not in settings


def test_every_name_the_file_sets_is_a_gunicorn_setting(monkeypatch):
    """gunicorn ignores unknown names in a config file: a typo would be silently lost."""
    values = runpy.run_path(str(CONF))
    ours = {k for k, v in values.items() if not k.startswith("_") and not callable(v) and not isinstance(v, type(os))}
    assert ours - SETTING_NAMES == set()


@pytest.mark.parametrize("bad", ["GUNICORN_WORKERS=many", "GUNICORN_TIMEOUT=soon"])
def test_a_malformed_number_stops_gunicorn_at_start(monkeypatch, bad):
    name, value = bad.split("=")
    with pytest.raises(ValueError):
        load(monkeypatch, **{name: value})


def test_gunicorn_lines_are_json_like_the_sites(monkeypatch):
    import json

    formatter = runpy.run_path(str(CONF))["JsonLineFormatter"]()
    record = logging.LogRecord("gunicorn.error", logging.WARNING, __file__, 1, "Worker (pid:%s) was sent SIGKILL!", (42,), None)
    line = json.loads(formatter.format(record))
    assert line["level"] == "warning" and line["site"] == "gunicorn" and line["message"] == "Worker (pid:42) was sent SIGKILL!"
