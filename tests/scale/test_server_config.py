"""siteops.serve: Granian's settings from the environment, sane defaults, only real parameters;
and the server it starts: keep-alive, graceful shutdown and reload, a dead worker replaced."""
import inspect
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from granian import Granian

from siteops import serve

from .cluster import ROOT, base_environment, free_port


def test_defaults():
    options = serve.settings("wsgi:qsm", environ={})
    assert options["target"] == "wsgi:qsm"
    assert (options["address"], options["port"]) == ("127.0.0.1", 8000) and "uds" not in options
    assert options["interface"] == "wsgi" and options["http"] == "1"
    assert options["workers"] == len(os.sched_getaffinity(0)) and options["blocking_threads"] == 4
    assert options["backlog"] == 1024 and options["backpressure"] is None  # Granian's: backlog / workers
    assert options["http1_settings"].keep_alive is True and options["http1_settings"].header_read_timeout == 5000
    assert options["workers_kill_timeout"] == 30
    assert options["workers_lifetime"] is None and options["workers_max_rss"] is None
    assert options["respawn_failed_workers"] is True
    assert options["log_access"] is False  # the sites log every request themselves
    assert options["log_level"] == "info" and options["log_dictconfig"] is serve.JSON_LOGGING


def test_everything_from_the_environment():
    options = serve.settings(
        "wsgi:smartship",
        environ={
            "SERVE_BIND": "0.0.0.0:9000",
            "SERVE_WORKERS": "7",
            "SERVE_THREADS": "8",
            "SERVE_BACKLOG": "2048",
            "SERVE_BACKPRESSURE": "64",
            "SERVE_KEEPALIVE": "0",
            "SERVE_KEEPALIVE_TIMEOUT": "75",
            "SERVE_GRACEFUL_TIMEOUT": "20",
            "SERVE_WORKERS_LIFETIME": "86400",
            "SERVE_WORKERS_MAX_RSS": "512",
            "SERVE_LOG_LEVEL": "WARNING",
            "SERVE_LOG_JSON": "0",
        },
    )
    assert (options["address"], options["port"]) == ("0.0.0.0", 9000)
    assert (options["workers"], options["blocking_threads"]) == (7, 8)
    assert (options["backlog"], options["backpressure"]) == (2048, 64)
    assert options["http1_settings"].keep_alive is False and options["http1_settings"].header_read_timeout == 75_000
    assert (options["workers_kill_timeout"], options["workers_lifetime"], options["workers_max_rss"]) == (
        20,
        86400,
        512,
    )
    assert options["log_level"] == "warning" and options["log_dictconfig"] is None


@pytest.mark.parametrize(
    "bind, expected",
    [
        ("10.0.0.5:8001", {"address": "10.0.0.5", "port": 8001}),
        ("[::]:8000", {"address": "::", "port": 8000}),
        ("unix:/run/qsm/serve.sock", {"uds": Path("/run/qsm/serve.sock")}),
    ],
)
def test_bind_forms_and_the_flag_winning_over_the_environment(bind, expected):
    options = serve.settings("wsgi:qsm", bind=bind, environ={"SERVE_BIND": "127.0.0.1:1234"})
    assert {k: options[k] for k in expected} == expected


def test_every_setting_is_a_granian_parameter():
    """A misspelt keyword would fail at start; this says so before a deployment does."""
    accepted = set(inspect.signature(Granian.__init__).parameters)
    assert set(serve.settings("wsgi:qsm", environ={})) - accepted == set()


@pytest.mark.parametrize(
    "bad",
    [
        "SERVE_WORKERS=many",
        "SERVE_WORKERS=0",
        "SERVE_THREADS=4.5",
        "SERVE_GRACEFUL_TIMEOUT=soon",
        "SERVE_WORKERS_LIFETIME=30",  # Granian's minimum is 60 s
        "SERVE_BACKLOG=10",
        "SERVE_KEEPALIVE=maybe",
        "SERVE_LOG_LEVEL=loud",
        "SERVE_BIND=localhost",
        "SERVE_BIND=127.0.0.1:http",
    ],
)
def test_a_malformed_setting_stops_the_server_at_start(monkeypatch, capsys, bad):
    name, value = bad.split("=")
    with pytest.raises(ValueError, match=name if name != "SERVE_BIND" else "bind address"):
        serve.settings("wsgi:qsm", environ={name: value})
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        serve.main(["wsgi:qsm"])
    assert stopped.value.code == 2 and value in capsys.readouterr().err


def test_granian_lines_are_json_like_the_sites():
    formatter = serve.JsonLineFormatter()
    record = logging.LogRecord(
        "_granian", logging.WARNING, __file__, 1, "Killing worker-%s after it refused to gracefully stop", (2,), None
    )
    line = json.loads(formatter.format(record))
    assert line["level"] == "warning" and line["site"] == "granian" and line["logger"] == "_granian"
    assert line["message"] == "Killing worker-2 after it refused to gracefully stop" and line["pid"] == os.getpid()
    assert serve.JSON_LOGGING["formatters"]["json"]["()"] == "siteops.serve.JsonLineFormatter"


# --- the server itself, on a tiny WSGI app ------------------------------------------------------

PROBE_APP = '''
import os, time
from pathlib import Path

VERSION = {version!r}


def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        Path(os.environ["PROBE_DIR"], "slow-started").touch()
        time.sleep(float(environ["QUERY_STRING"] or 2))
    body = f"{{VERSION}} {{os.getpid()}}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


class ProbeServer:
    def __init__(self, directory, **env):
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.write_app("first")
        self.log_path = directory / "serve.log"
        self.log = open(self.log_path, "ab")
        environment = {**base_environment(), "PROBE_DIR": str(directory), "PYTHONDONTWRITEBYTECODE": "1", **env}
        environment["PYTHONPATH"] = os.pathsep.join([str(directory), environment["PYTHONPATH"]])
        # Exactly the command line docs/deploy.md and bench/ use.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "siteops.serve", "--bind", f"127.0.0.1:{self.port}", "probe_app:app"],
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not self.answers():
            assert self.process.poll() is None, (
                f"siteops.serve exited with {self.process.returncode}:\n{self.log_text()}"
            )
            assert time.monotonic() < deadline, f"siteops.serve did not answer within 30 s:\n{self.log_text()}"
            time.sleep(0.1)

    def write_app(self, version):
        (self.directory / "probe_app.py").write_text(PROBE_APP.format(version=version))

    def answers(self):
        try:
            return requests.get(self.url + "/", timeout=2).text.split()
        except requests.RequestException:
            return None

    def wait_for_slow_request(self):
        marker = self.directory / "slow-started"
        deadline = time.monotonic() + 10
        while not marker.exists():
            assert time.monotonic() < deadline, "the slow request never reached the app"
            time.sleep(0.02)

    def log_text(self):
        return self.log_path.read_text(errors="replace")

    def log_records(self):
        """Every line Granian wrote, each one a JSON object (SERVE_LOG_JSON defaults to 1)."""
        lines = [line for line in self.log_text().splitlines() if line.strip()]
        records = [json.loads(line) for line in lines]
        assert records and all(r["site"] == "granian" and {"ts", "level", "message", "pid"} <= set(r) for r in records)
        return records

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)
        self.log.close()


@pytest.fixture
def probe_server(tmp_path):
    started = []

    def start(**env):
        started.append(ProbeServer(tmp_path, **env))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def exchange(sock):
    """One GET on an open connection: the response's header block and body."""
    sock.sendall(b"GET / HTTP/1.1\r\nHost: probe\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"connection closed mid-response: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(
        next(line.split(b":")[1] for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:"))
    )
    while len(body) < length:
        body += sock.recv(4096)
    return head.decode().lower(), body.decode()


@pytest.mark.live
def test_keep_alive_serves_requests_on_one_connection_and_closes_it_when_idle(probe_server):
    server = probe_server(SERVE_WORKERS="1", SERVE_KEEPALIVE_TIMEOUT="1")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        for _ in range(3):
            head, body = exchange(sock)
            assert head.startswith("http/1.1 200") and "connection: close" not in head and body.startswith("first ")
        time.sleep(1.5)  # idle for longer than SERVE_KEEPALIVE_TIMEOUT
        assert sock.recv(1) == b"", "an idle keep-alive connection outlived SERVE_KEEPALIVE_TIMEOUT"
    server.log_records()


@pytest.mark.live
def test_sigterm_stops_listening_and_finishes_the_request_in_flight(probe_server):
    server = probe_server(SERVE_WORKERS="2", SERVE_GRACEFUL_TIMEOUT="10")
    answered = {}
    slow = threading.Thread(target=lambda: answered.update(response=requests.get(server.url + "/slow?2", timeout=15)))
    slow.start()
    server.wait_for_slow_request()
    os.kill(server.process.pid, signal.SIGTERM)  # the main process only, as a supervisor should
    time.sleep(0.5)
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/", timeout=2)  # no longer listening
    slow.join(15)
    assert answered["response"].status_code == 200 and answered["response"].text.startswith("first ")
    assert server.process.wait(15) == 0
    messages = [r["message"] for r in server.log_records()]
    assert "Shutting down granian" in messages and not any("Killing" in m for m in messages)


@pytest.mark.live
def test_a_request_outliving_the_graceful_timeout_is_cut(probe_server):
    server = probe_server(SERVE_WORKERS="1", SERVE_GRACEFUL_TIMEOUT="1")
    failed = {}

    def too_slow():
        try:
            requests.get(server.url + "/slow?30", timeout=30)
        except requests.RequestException as error:
            failed["error"] = error

    slow = threading.Thread(target=too_slow)
    slow.start()
    server.wait_for_slow_request()
    stopping = time.monotonic()
    os.kill(server.process.pid, signal.SIGTERM)
    assert server.process.wait(15) == 0 and time.monotonic() - stopping < 10
    slow.join(10)
    assert isinstance(failed.get("error"), requests.ConnectionError)
    assert any(r["level"] == "warning" and "Killing worker-1" in r["message"] for r in server.log_records())


@pytest.mark.live
def test_sighup_replaces_the_workers_with_the_new_code_and_never_stops_answering(probe_server):
    server = probe_server(SERVE_WORKERS="1")
    version, old_pid = server.answers()
    assert version == "first"
    answered = {}
    slow = threading.Thread(target=lambda: answered.update(response=requests.get(server.url + "/slow?2", timeout=15)))
    slow.start()
    server.wait_for_slow_request()

    server.write_app("second")  # a deployment
    os.kill(server.process.pid, signal.SIGHUP)
    seen = []
    deadline = time.monotonic() + 30
    while not seen or seen[-1][0] != "second":
        assert time.monotonic() < deadline, f"no new worker within 30 s: {seen[-3:]}\n{server.log_text()}"
        answer = server.answers()
        assert answer, "the server stopped answering during the reload"
        seen.append(answer)
        time.sleep(0.1)
    assert seen[-1][1] != old_pid
    slow.join(15)
    assert answered["response"].status_code == 200 and answered["response"].text == f"first {old_pid}"
    assert any("HUP signal received" in r["message"] for r in server.log_records())


@pytest.mark.live
def test_a_worker_that_dies_is_replaced(probe_server):
    server = probe_server(SERVE_WORKERS="1")
    _, old_pid = server.answers()
    os.kill(int(old_pid), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while (answer := server.answers()) is None or answer[1] == old_pid:
        assert time.monotonic() < deadline, f"the dead worker was not replaced:\n{server.log_text()}"
        time.sleep(0.1)
    assert server.process.poll() is None
    assert any(r["level"] == "error" and "Unexpected exit from worker-1" in r["message"] for r in server.log_records())
