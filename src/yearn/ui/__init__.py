"""The dashboard: ``yearn ui`` — runs, overlaid curves, a run's diagnosis, and tagging.

::

    from yearn.ui import create_app, serve
    app = create_app("my-project")              # a FastAPI app (TestClient / uvicorn)
    serve("my-project", port=8765)              # blocks; binds 127.0.0.1 by default

See docs/dashboard.md.
"""

from yearn.ui._app import create_app
from yearn.ui._server import DEFAULT_HOST, DEFAULT_PORT, check_port, is_loopback, serve

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "check_port", "create_app", "is_loopback", "serve"]
