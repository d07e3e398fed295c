"""/healthz: the process answers. /readyz: the database and Redis answer too (names what is down)."""
from flask import current_app, jsonify
from sqlalchemy import text


def check_database(db):
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # any failure to reach it means: not ready
        return "down"


def check_redis(url):
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except Exception:
        return "down"


def redis_url(app):
    url = app.config.get("RATELIMIT_STORAGE_URI") or ""
    return url if url.startswith(("redis://", "rediss://")) else None


def register_health_checks(app, db):
    exempt = []

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        checks = {"database": check_database(db)}
        url = redis_url(current_app)
        if url:
            checks["redis"] = check_redis(url)
        ready = all(state == "ok" for state in checks.values())
        response = jsonify(status="ready" if ready else "unavailable", checks=checks)
        response.status_code = 200 if ready else 503
        response.headers["Cache-Control"] = "no-store"
        return response

    exempt.extend([healthz, readyz])
    csrf = app.extensions.get("csrf")
    limiter = app.extensions.get("limiter")
    for view in exempt:
        if csrf is not None:
            csrf.exempt(view)
        if limiter is not None:
            for ext in limiter if isinstance(limiter, set) else [limiter]:
                ext.exempt(view)
