"""Is the process that owns a run still alive? (pid + start time, so reused pids are told apart)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

__all__ = ["current_process", "process_alive"]


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (Linux ``/proc``), or None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces: split after its closing parenthesis
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def current_process() -> tuple[str, int, str | None]:
    """(host, pid, start time) of this process."""
    pid = os.getpid()
    return socket.gethostname(), pid, _start_time(pid)


def process_alive(pid: int, proc_start: str | None) -> bool:
    """Whether ``pid`` runs on this host and is the same process that started the run."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if proc_start is not None:
        now = _start_time(pid)
        if now is not None and now != proc_start:
            return False
    # a zombie (killed, not yet reaped by its parent) no longer runs
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return True
    return state not in ("Z", "X")
