"""The check plug-in base class and registry.

A check is a subclass of :class:`Check` with a ``name`` and one ``run(ctx)`` returning a
:class:`~yearn.profile.CheckResult`; decorating it with :func:`register` makes
:func:`yearn.profile.profile` run it. Adding a check is one small module.
"""

from __future__ import annotations

from typing import ClassVar

from yearn.errors import ConfigError
from yearn.profile._context import ProfileContext
from yearn.profile._result import CheckResult

__all__ = ["REGISTRY", "Check", "get_check", "register"]

REGISTRY: dict[str, type[Check]] = {}


class Check:
    """Base class of profile checks: set ``name`` (and ``description``), implement ``run``."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def run(self, ctx: ProfileContext) -> CheckResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def result(self, **kwargs) -> CheckResult:
        """A :class:`CheckResult` already named after this check."""
        return CheckResult(name=self.name, **kwargs)


def register(cls: type[Check]) -> type[Check]:
    """Class decorator adding a :class:`Check` subclass to the registry under its name."""
    if not (isinstance(cls, type) and issubclass(cls, Check)) or not cls.name:
        raise TypeError(f"{cls!r} must subclass yearn.profile.Check and set a name")
    if cls.name in REGISTRY and REGISTRY[cls.name] is not cls:
        raise ValueError(f"a profile check named {cls.name!r} is already registered")
    REGISTRY[cls.name] = cls
    return cls


def get_check(name: str) -> type[Check]:
    """The registered check class called ``name``."""
    if name not in REGISTRY:
        raise ConfigError(f"unknown profile check {name!r}; choose among {', '.join(REGISTRY)}.")
    return REGISTRY[name]
