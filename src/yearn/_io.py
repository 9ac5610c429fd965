"""Crash-safe files: atomic writes, a cross-process lock, and real appends.

* :func:`atomic_write` writes to a temporary file beside the target, fsyncs it and renames
  it over the target, so readers see the old file or the new one, never half of one. The
  target keeps its permission bits (a new file gets the usual ``0666 & ~umask``), and the
  temporary files a killed writer left behind are removed on the next write to that path.
* :func:`file_lock` serialises read-modify-write cycles across processes: an exclusive
  ``fcntl.flock`` on a sidecar ``.<name>.lock`` file (re-entrant within one process).
* :func:`append_line` appends one line with ``O_APPEND`` and fsync under that lock, so
  concurrent writers never lose a line and a kill never leaves a torn one glued to the next.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "append_line",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "csv_duplicate_columns",
    "file_lock",
    "lock_path",
]

#: A temporary file whose writer's pid cannot be read is removed after this many seconds.
_STALE_UNKNOWN_S = 600.0
_umask_guard = threading.Lock()


def _current_umask() -> int:
    """The process umask, read without changing it where the system tells it (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _umask_guard:  # elsewhere: set and restore (a brief window, under a lock)
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _default_mode() -> int:
    return 0o666 & ~_current_umask()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale_tmp(path: Path) -> None:
    """Remove ``.<name>.*.tmp`` files beside ``path`` whose writer is gone."""
    prefix = f".{path.name}."
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        middle = name[len(prefix) : -len(".tmp")]
        pid_text = middle.split(".", 1)[0]
        if pid_text.isdigit():
            stale = int(pid_text) != os.getpid() and not _pid_alive(int(pid_text))
        else:  # written by an older yearn (random name only): judge by age
            try:
                stale = now - entry.stat().st_mtime > _STALE_UNKNOWN_S
            except OSError:
                continue
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


@contextlib.contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``path`` in one rename.

    Readers see the old file or the new one, never a half-written one; on an exception
    the temporary file is removed and ``path`` is untouched. The target's permission bits
    are kept; leftovers of writers that were killed are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale_tmp(path)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _default_mode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable (best effort: not every file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


# -- the cross-process lock ---------------------------------------------------------------
_held: dict[str, tuple[int, int, threading.RLock]] = {}
_held_guard = threading.Lock()
_thread_locks: dict[str, threading.RLock] = {}


def lock_path(path: str | Path) -> Path:
    """The sidecar lock file of ``path`` (``.<name>.lock`` beside it)."""
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def file_lock(path: str | Path) -> Iterator[Path]:
    """Hold an exclusive lock on ``path`` (through its sidecar lock file) for the block.

    Other processes (and threads) that lock the same path wait; the lock is re-entrant
    within one thread, and it is released when the process dies, so a kill never leaves
    it stuck. The lock file itself stays (removing it would race with a waiter).
    """
    target = lock_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    key = str(target.resolve())
    with _held_guard:
        rlock = _thread_locks.setdefault(key, threading.RLock())
    with rlock:
        with _held_guard:
            entry = _held.get(key)
            if entry is not None:
                _held[key] = (entry[0], entry[1] + 1, rlock)
        if entry is None:
            fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            with _held_guard:
                _held[key] = (fd, 1, rlock)
        try:
            yield Path(path)
        finally:
            with _held_guard:
                fd, count, _ = _held[key]
                if count > 1:
                    _held[key] = (fd, count - 1, rlock)
                else:
                    del _held[key]
            if count == 1:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)


def append_line(path: str | Path, line: str) -> Path:
    """Append ``line`` (one line; a newline is added) durably, never losing another's line.

    One ``write`` on an ``O_APPEND`` descriptor, then fsync, all under :func:`file_lock`;
    a torn last line left by a crash is closed with a newline first, so it stays apart.
    """
    if "\n" in line.rstrip("\n"):
        raise ValueError("append_line writes one line; the text holds a newline.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = line.rstrip("\n").encode("utf-8") + b"\n"
    with file_lock(path):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _default_mode())
        try:
            size = os.fstat(fd).st_size
            if size:
                with open(path, "rb") as fh:
                    fh.seek(size - 1)
                    if fh.read(1) != b"\n":
                        data = b"\n" + data
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    return path


def csv_duplicate_columns(path: str | Path, sep: str = ",") -> list[str]:
    """Column names that appear more than once in a CSV's header line (pandas would
    silently rename the second ``a`` to ``a.1``)."""
    import csv

    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh, delimiter=sep), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return []  # the reader of the table reports these
    seen: dict[str, int] = {}
    for name in header:
        seen[name.strip()] = seen.get(name.strip(), 0) + 1
    return [name for name, n in seen.items() if n > 1]
