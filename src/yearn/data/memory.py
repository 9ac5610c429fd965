"""Handing freed memory back to the operating system (Arrow's pool and ``malloc``)."""

from __future__ import annotations

import functools

__all__ = ["release_memory"]


def release_memory() -> None:
    """Hand the memory freed since the last call back to the operating system.

    Arrow's pool (mimalloc) keeps the pages of freed buffers and the C allocator keeps
    freed arenas: without this a process keeps the high-water mark of every table it has
    converted and dropped, and NumPy (which allocates with ``malloc``) cannot reuse what
    Arrow freed. Arrow's pool is asked to release what it does not use; on glibc
    ``malloc_trim`` does the same for ``malloc``. Elsewhere the second step is skipped.
    """
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None)  # glibc only
    except OSError:  # no loadable C library: nothing to trim
        return None
