"""gunicorn settings for every QSM Connect site, read from the environment.

    gunicorn -c deploy/gunicorn.conf.py wsgi:qsm
    gunicorn -c deploy/gunicorn.conf.py wsgi:smartship

One file for every site: what differs between instances (the address, how many workers) comes
from the environment, beside the site's own settings (QSM_*, SMARTSHIP_*). docs/deploy.md
explains how many instances to run and what each one needs.

GUNICORN_BIND                 addresses to listen on, comma-separated (default 127.0.0.1:8000)
GUNICORN_WORKERS              worker processes (default 2 x CPUs + 1)
GUNICORN_THREADS              threads per worker (default 4; the gthread worker)
GUNICORN_WORKER_CLASS         default gthread
GUNICORN_TIMEOUT              seconds a silent worker lives before the master kills it (default 30)
GUNICORN_GRACEFUL_TIMEOUT     seconds workers get to finish their requests on SIGTERM/HUP (default 30)
GUNICORN_KEEPALIVE            seconds an idle keep-alive connection stays open (default 5); behind a
                              balancer that reuses connections, longer than the balancer's idle
                              timeout, so that the balancer is the one that closes them
GUNICORN_FORWARDED_ALLOW_IPS  balancer addresses trusted for X-Forwarded-Proto (default 127.0.0.1,::1)
GUNICORN_PROXY_PROTOCOL       off | v1 | v2 | auto: take the client address from the balancer's
                              PROXY protocol header (unset: gunicorn's default, off)
GUNICORN_PROXY_ALLOW_IPS      balancer addresses allowed to send PROXY headers
GUNICORN_MAX_REQUESTS         recycle a worker after this many requests (default 0: never)
GUNICORN_MAX_REQUESTS_JITTER  randomise that number by up to this much (default 0)
GUNICORN_LOG_LEVEL            gunicorn's own log level (default info)
GUNICORN_LOG_JSON             1 (default): gunicorn's own lines as JSON, like the sites' logs
GUNICORN_CONTROL_SOCKET       path of gunicorn's control socket (gunicorn >= 25.1); unset: none,
                              so several instances on one host do not fight over the default path

There is no access log: every site logs each request itself, as JSON with its request ID
(siteops), so a second line per request from gunicorn would only double the volume.
"""
import json
import logging
import os

from gunicorn.glogging import Logger


def _setting(name, default=None, cast=str):
    value = os.environ.get(name, "").strip()
    return cast(value) if value else default


def _cpus():
    try:
        return len(os.sched_getaffinity(0))  # what this container may use, not the host's count
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _flag(value):
    return value.lower() in {"1", "true", "yes", "on"}


bind = [address.strip() for address in _setting("GUNICORN_BIND", "127.0.0.1:8000").split(",") if address.strip()]
workers = _setting("GUNICORN_WORKERS", 2 * _cpus() + 1, int)
worker_class = _setting("GUNICORN_WORKER_CLASS", "gthread")
threads = _setting("GUNICORN_THREADS", 4, int)
timeout = _setting("GUNICORN_TIMEOUT", 30, int)
graceful_timeout = _setting("GUNICORN_GRACEFUL_TIMEOUT", 30, int)
keepalive = _setting("GUNICORN_KEEPALIVE", 5, int)
max_requests = _setting("GUNICORN_MAX_REQUESTS", 0, int)
max_requests_jitter = _setting("GUNICORN_MAX_REQUESTS_JITTER", 0, int)

# Only the balancer may say that the original request was https.
forwarded_allow_ips = _setting("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn gives the app the peer's address as REMOTE_ADDR, never X-Forwarded-For. Behind a
# balancer that peer is the balancer, and the per-address login throttles would count every
# seller as one address: use the PROXY protocol (HAProxy, AWS NLB, ...) so REMOTE_ADDR is the
# client's. Set only when asked: older gunicorn versions spell this setting differently.
if _setting("GUNICORN_PROXY_PROTOCOL"):
    proxy_protocol = _setting("GUNICORN_PROXY_PROTOCOL")
    proxy_allow_ips = _setting("GUNICORN_PROXY_ALLOW_IPS", forwarded_allow_ips)

# The heartbeat file on a RAM disk: on a disk-backed /tmp a slow fchmod can get workers killed.
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
    worker_tmp_dir = "/dev/shm"

# gunicorn >= 25.1 opens a control socket at one fixed path per user by default; several
# instances on one host would take it from one another. Off unless a path is given.
if _setting("GUNICORN_CONTROL_SOCKET"):
    control_socket = _setting("GUNICORN_CONTROL_SOCKET")
else:
    control_socket_disable = True

accesslog = None
errorlog = "-"
loglevel = _setting("GUNICORN_LOG_LEVEL", "info")
capture_output = False


class JsonLineFormatter(logging.Formatter):
    """The same shape as the sites' JSON lines (siteops.request_log), for gunicorn's own messages."""

    def format(self, record):
        entry = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "site": "gunicorn",
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class JsonLogger(Logger):
    """gunicorn's error log (boot, worker exits and timeouts) as one JSON object a line."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonLineFormatter())


if _flag(_setting("GUNICORN_LOG_JSON", "1")):
    logger_class = JsonLogger
