"""Asking for missing values in a terminal (``yearn init``): each answer is checked and asked
again, with the reason, until it is accepted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from yearn.cli._console import err_console
from yearn.config import TASK_KINDS
from yearn.errors import ConfigError

_TRIES = 3


def _ask(
    question: str, check: Callable[[str], Any], *, default: str = "", optional: bool = False
) -> Any:
    """Prompt until ``check`` accepts the answer (an empty answer is None when optional)."""
    for attempt in range(_TRIES):
        answer = typer.prompt(question, default=default, show_default=bool(default)).strip()
        if not answer and optional:
            return None
        try:
            if not answer:
                raise ConfigError("an answer is required.")
            return check(answer)
        except ConfigError as exc:
            if attempt == _TRIES - 1:
                raise
            err_console.print(f"[red]{exc}[/] Try again.", highlight=False)
    return None  # pragma: no cover


def _ask_many(question: str, check: Callable[[str], Any], *, at_least_one: bool) -> list[Any]:
    items: list[Any] = []
    while True:
        suffix = " (empty to finish)" if items or not at_least_one else ""
        item = _ask(question + suffix, check, optional=bool(items) or not at_least_one)
        if item is None:
            return items
        items.append(item)


def _check_task(value: str) -> str:
    if value not in TASK_KINDS:
        raise ConfigError(
            f"project.task must be one of {', '.join(TASK_KINDS)}; got {value!r} (--task)."
        )
    return value


def _check_human(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(
            f"metric.human_level_error must be a number (0.01 for 1%); got {value!r}."
        ) from None
    return number


def _split_names(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _missing(flag: str, what: str) -> ConfigError:
    return ConfigError(
        f"missing {flag}: {what}. Pass it as a flag, or run `yearn init` in a terminal "
        "to be asked (--interactive)."
    )


def _split(answer: str) -> list[str]:
    return _split_names([answer])
