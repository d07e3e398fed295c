"""WSGI entry points: ``python -m siteops.serve wsgi:qsm``, ``wsgi:smartship``, ``wsgi:demo_app``.

Each site is built on first use only (PEP 562 module ``__getattr__``), so serving one site
never builds, configures or checks the secrets of another. The environment picks the config.
"""
_FACTORIES = {
    "qsm": ("idp", "create_app"),
    "smartship": ("clients.smartship", "create_app"),
    "demo_app": ("clients.demo_app", "create_demo_app"),
}
_built = {}


def __getattr__(name):
    if name not in _FACTORIES:
        raise AttributeError(f"module 'wsgi' has no attribute {name!r}")
    if name not in _built:
        from importlib import import_module

        module, factory = _FACTORIES[name]
        _built[name] = getattr(import_module(module), factory)()
    return _built[name]
