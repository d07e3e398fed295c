"""Serve a QSM Connect site with Granian, its settings read from the environment.

    python -m siteops.serve wsgi:qsm
    python -m siteops.serve wsgi:smartship
    python -m siteops.serve --bind 127.0.0.1:8002 wsgi:demo_app

One command for every site: what differs between instances (the address, how many workers)
comes from the environment, beside the site's own settings (QSM_*, SMARTSHIP_*). docs/deploy.md
explains how many instances to run and what each one needs.

SERVE_BIND               host:port, [ipv6]:port or unix:/path (default 127.0.0.1:8000); --bind wins
SERVE_WORKERS            worker processes (default: one per CPU this process may run on)
SERVE_THREADS            threads per worker running requests (default 4; Granian's blocking threads);
                         each worker opens that many connections in each database pool before it
                         takes requests (siteops.database.warm_pools)
SERVE_BACKLOG            connections the kernel queues for accept (default 1024, at least 128)
SERVE_BACKPRESSURE       requests a worker takes in at once, the rest waiting in the backlog
                         (default: Granian's, backlog / workers)
SERVE_KEEPALIVE          1 (default) | 0: HTTP/1.1 keep-alive
SERVE_KEEPALIVE_TIMEOUT  seconds an idle keep-alive connection stays open, and a client has to send
                         a request's headers: Granian has one timer for both (default 5). Behind a
                         balancer that reuses connections, longer than the balancer's idle
                         timeout, so that the balancer is the one that closes them
SERVE_GRACEFUL_TIMEOUT   seconds a stopping worker gets to finish its requests before it is killed,
                         on SIGTERM, SIGHUP and recycling (default 30)
SERVE_WORKERS_LIFETIME   recycle each worker after this many seconds (default: never; at least 60)
SERVE_WORKERS_MAX_RSS    recycle a worker whose memory passes this many MiB (default: never)
SERVE_LOG_LEVEL          Granian's own log level (default info)
SERVE_LOG_JSON           1 (default): Granian's own lines as JSON, like the sites' logs

Signals go to the main process (this one), which passes them on to the workers.
SIGTERM or SIGINT: stop listening, close idle connections, let requests in flight finish (within
SERVE_GRACEFUL_TIMEOUT), exit. SIGHUP: replace the workers one at a time, each new one started
before the old one stops, so the address keeps answering; new workers load the code on disk.
A worker that dies is replaced; one that dies again within 5.5 s stops the server (exit 1).

There is no access log: every site logs each request itself, as JSON with its request ID
(siteops.request_log), so a second line per request from Granian would only double the volume.
"""
import argparse
import json
import logging
import multiprocessing
import os
import sys
from pathlib import Path

from .database import WARM_CONNECTIONS_VARIABLE

DEFAULT_BIND = "127.0.0.1:8000"


def _cpus():
    try:
        return len(os.sched_getaffinity(0))  # what this container may use, not the host's count
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _number(environ, name, default=None, minimum=1):
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a whole number") from None
    if number < minimum:
        raise ValueError(f"{name}={value!r}: at least {minimum}")
    return number


def _flag(environ, name, default):
    value = environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name}={value!r}: 1 or 0")


def parse_bind(value):
    """``host:port``, ``[ipv6]:port`` or ``unix:/path`` as Granian's address, port, uds arguments."""
    value = value.strip()
    if value.startswith("unix:"):
        return {"uds": Path(value[len("unix:"):])}
    host, _, port = value.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"bind address {value!r}: expected HOST:PORT, [IPV6]:PORT or unix:/PATH")
    return {"address": host, "port": int(port)}


class JsonLineFormatter(logging.Formatter):
    """The same shape as the sites' JSON lines (siteops.request_log), for Granian's own messages."""

    def format(self, record):
        entry = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "site": "granian",
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# Replaces Granian's own logging config (granian.log.LOGGING_CONFIG) key by key; "_granian" is the
# logger of both its Python and its Rust side. Set up again in every worker from this dict.
JSON_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "siteops.serve.JsonLineFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {
        "_granian": {"handlers": ["stderr"], "propagate": False},
        "granian.access": {"handlers": ["stderr"], "propagate": False},
    },
}


def settings(target, bind=None, environ=os.environ):
    """The keyword arguments of ``granian.Granian`` for ``target``, from ``environ``."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    level = environ.get("SERVE_LOG_LEVEL", "").strip().lower() or "info"
    if level not in LogLevels.__members__:
        raise ValueError(f"SERVE_LOG_LEVEL={level!r}: one of {', '.join(LogLevels.__members__)}")
    return {
        "target": target,
        **parse_bind(bind or environ.get("SERVE_BIND", "").strip() or DEFAULT_BIND),
        "interface": Interfaces.WSGI,
        "websockets": False,  # none in WSGI anyway; off, so that Granian does not log it ignores them
        # HTTP/1.1 only, as gunicorn: the keep-alive timeout below does not apply to HTTP/2.
        "http": HTTPModes.http1,
        "workers": _number(environ, "SERVE_WORKERS", _cpus()),
        "blocking_threads": _number(environ, "SERVE_THREADS", 4),
        "backlog": _number(environ, "SERVE_BACKLOG", 1024, minimum=128),
        "backpressure": _number(environ, "SERVE_BACKPRESSURE"),
        "http1_settings": HTTP1Settings(
            keep_alive=_flag(environ, "SERVE_KEEPALIVE", True),
            header_read_timeout=_number(environ, "SERVE_KEEPALIVE_TIMEOUT", 5) * 1000,
        ),
        "workers_kill_timeout": _number(environ, "SERVE_GRACEFUL_TIMEOUT", 30),
        "workers_lifetime": _number(environ, "SERVE_WORKERS_LIFETIME", minimum=60),
        "workers_max_rss": _number(environ, "SERVE_WORKERS_MAX_RSS"),
        "respawn_failed_workers": True,
        "log_level": LogLevels(level),
        "log_dictconfig": JSON_LOGGING if _flag(environ, "SERVE_LOG_JSON", True) else None,
        "log_access": False,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m siteops.serve", description="Serve a site with Granian.")
    parser.add_argument("target", help="the WSGI app: wsgi:qsm, wsgi:smartship or wsgi:demo_app")
    parser.add_argument("--bind", help=f"HOST:PORT, [IPV6]:PORT or unix:/PATH (default $SERVE_BIND or {DEFAULT_BIND})")
    args = parser.parse_args(argv)
    try:
        options = settings(args.target, args.bind)
    except ValueError as error:
        parser.error(str(error))

    from granian import Granian
    from granian.errors import FatalError

    # Fresh interpreters for the workers instead of forks of this process: this one has imported
    # siteops (and Flask, SQLAlchemy) already, and a worker forked from it after a deployment
    # would run that old code beside the new; spawned, a SIGHUP reload loads all of it from disk.
    multiprocessing.set_start_method("spawn", force=True)
    # Each worker opens its database connections before it takes requests (siteops.database.warm_pools).
    os.environ[WARM_CONNECTIONS_VARIABLE] = str(options["blocking_threads"])
    try:
        Granian(**options).serve()
    except FatalError:
        sys.exit(1)


if __name__ == "__main__":
    main()
