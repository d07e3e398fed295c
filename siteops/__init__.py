"""Running the sites in production: request IDs, JSON logs, health checks, and 503s when a
dependency is down. A neutral package: every site calls ``init_app`` the same way."""
from .faults import register_fault_handlers
from .health import register_health_checks
from .request_log import register_request_log


def init_app(app, db, json_prefixes=(), unavailable_template=None):
    register_request_log(app)
    register_health_checks(app, db)
    register_fault_handlers(app, db, json_prefixes, unavailable_template)
