"""Where parallel work runs: this machine (``local``) or a Ray cluster (``ray``).

An executor maps a top-level function over a list of arguments and returns the results
in order; the function and its arguments must be picklable. Results do not depend on the
executor: each task carries its own seed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from yearn.errors import ConfigError

__all__ = ["EXECUTORS", "Executor", "LocalExecutor", "RayExecutor", "get_executor"]

EXECUTORS = ("local", "ray")
log = logging.getLogger("yearn.tune")


class Executor:
    """Runs ``fn(arg)`` for each argument, at most ``workers`` at a time."""

    name = "base"

    def __init__(self, workers: int = 1) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigError(f"workers must be a positive integer; got {workers!r}.")
        self.workers = workers

    def map(self, fn: Callable[[Any], Any], args: Sequence[Any]) -> list[Any]:
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"


class LocalExecutor(Executor):
    """In this process with one worker; else a pool of ``workers`` spawned processes."""

    name = "local"

    def map(self, fn: Callable[[Any], Any], args: Sequence[Any]) -> list[Any]:
        if self.workers == 1 or len(args) <= 1:
            return [fn(a) for a in args]
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # no fork after torch's threads
        with ProcessPoolExecutor(min(self.workers, len(args)), mp_context=context) as pool:
            return list(pool.map(fn, args))


class RayExecutor(Executor):
    """Ray tasks: ``address`` ``"auto"`` or ``"HOST:PORT"`` joins a cluster; ``None``
    starts a local Ray with ``workers`` CPUs (and stops it after the map)."""

    name = "ray"

    def __init__(self, workers: int = 1, address: str | None = None) -> None:
        super().__init__(workers)
        self.address = address

    def describe(self) -> str:
        where = self.address or f"a local Ray with {self.workers} CPUs"
        return f"ray ({where})"

    def map(self, fn: Callable[[Any], Any], args: Sequence[Any]) -> list[Any]:
        try:
            import ray
        except ImportError as exc:
            raise ConfigError(
                f"--executor ray needs Ray ({exc}); install it with 'pip install ray'."
            ) from None
        started = not ray.is_initialized()
        if started:
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no telemetry, no network
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
            }
            if self.address:
                ray.init(address=self.address, **options)
            else:
                ray.init(num_cpus=self.workers, **options)
        try:
            remote = ray.remote(num_cpus=1)(fn)
            return list(ray.get([remote.remote(a) for a in args]))
        finally:
            if started:
                ray.shutdown()


def get_executor(name: str = "local", *, workers: int = 1, address: str | None = None) -> Executor:
    """The executor called ``name`` (``local`` or ``ray``)."""
    if name == "local":
        if address:
            raise ConfigError("--ray-address needs --executor ray.")
        return LocalExecutor(workers)
    if name == "ray":
        return RayExecutor(workers, address)
    raise ConfigError(f"unknown executor {name!r}; use one of {', '.join(EXECUTORS)}.")
