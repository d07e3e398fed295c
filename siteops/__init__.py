"""Running the sites in production: request IDs, JSON logs, health checks, and 503s when a
dependency is down. A neutral package: every site calls ``init_app`` the same way."""
import os

from .faults import register_fault_handlers
from .health import register_health_checks
from .request_log import register_request_log


def trust_proxy_headers(app):
    """Behind N load balancers (TRUSTED_PROXY_HOPS), take the client address and scheme from
    X-Forwarded-For/-Proto, so throttles count per client and HSTS sees HTTPS. Off by default:
    trusting those headers without a proxy in front would let anyone pick their address."""
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def init_app(app, db, json_prefixes=(), unavailable_template=None):
    from .sessions import CookieSessions

    app.session_interface = CookieSessions()
    # The request log inside ProxyFix, so that it logs the client's address.
    register_request_log(app)
    trust_proxy_headers(app)
    from .database import WARM_CONNECTIONS_VARIABLE, ping_idle_connections, warm_pools

    with app.app_context():
        for engine in db.engines.values():
            ping_idle_connections(engine)
    register_health_checks(app, db)
    register_fault_handlers(app, db, json_prefixes, unavailable_template)
    warm = int(os.environ.get(WARM_CONNECTIONS_VARIABLE) or 0)
    if warm:  # a worker of siteops.serve: its pools opened before it takes requests
        warm_pools(app, db, warm)
