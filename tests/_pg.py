"""Start a throw-away PostgreSQL server for tests, or say why one cannot be started."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_postgres(workdir: Path) -> tuple[str | None, str, callable]:
    """Return (url, reason, stop). ``url`` is None when no server could be started."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        return None, "PostgreSQL server binaries not installed (apt-get install postgresql)", None
    bindir = Path(bins[-1]).parent
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, "psycopg not installed (pip install 'psycopg[binary]')", None
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        runuser = shutil.which("runuser")
        if not runuser:
            return None, "running as root without runuser to drop to the postgres user", None
        prefix = [runuser, "-u", "postgres", "--"]
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "pgdata"
    if prefix:
        shutil.chown(workdir, "postgres")
    port = _free_port()
    try:
        subprocess.run(
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-t",
                "60",
                "-l",
                str(workdir / "log"),
                "-o",
                f"-p {port} -k {workdir} -h 127.0.0.1",
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        return (
            None,
            f"could not start PostgreSQL: {exc} {detail.decode(errors='replace')[:200]}",
            None,
        )

    def stop() -> None:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )

    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    for _ in range(50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    return url, "", stop
