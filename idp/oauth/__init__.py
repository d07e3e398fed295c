from .server import authorization_server, init_oauth, require_oauth

__all__ = ["authorization_server", "init_oauth", "require_oauth"]
