"""Serving the dashboard with uvicorn: localhost by default, a clear error for a busy port."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

from yearn.errors import ConfigError

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "check_port", "is_loopback", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port(host: str, port: int) -> None:
    """Raise :class:`ConfigError` when ``host:port`` cannot be bound (in use, bad address)."""
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise ConfigError(f"port must be a whole number from 1 to 65535; got {port!r}.")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot resolve host {host!r} ({exc}); use e.g. 127.0.0.1.") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            raise ConfigError(
                f"port {port} on {host} is in use or not available ({exc.strerror}); "
                f"stop the other server or choose another port with --port."
            ) from None


def serve(
    project_root: str | Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    store_url: str | None = None,
    worksheet: str | Path | None = None,
) -> None:
    """Run the dashboard until interrupted (checks the port first)."""
    import uvicorn

    from yearn.ui._app import create_app

    hosts = None if is_loopback(host) else ["*"]
    app = create_app(project_root, store_url=store_url, worksheet=worksheet, allowed_hosts=hosts)
    check_port(host, port)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
