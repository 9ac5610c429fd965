"""The exception tree of yearn.

Every mistake a user can make raises a subclass of :class:`YearnError` whose message says
what is wrong, where (file, column, row, key) and how to fix it. The CLI prints that
message on one line and exits with code 2; any other exception is a bug (exit code 1).

    YearnError
    ├── ConfigError        yearn.toml or a parameter is wrong
    ├── DataError          an input file, table or column is wrong
    │   └── PredictionsError   a predictions table breaks the contract
    ├── StoreError         the run store cannot be opened or a run/artefact is missing
    └── TrainingError      training cannot start or had to stop (divergence, bad model)
"""

from __future__ import annotations

import re

__all__ = [
    "ConfigError",
    "DataError",
    "PredictionsError",
    "StoreError",
    "TrainingError",
    "YearnError",
    "quote",
    "shorten_quotes",
]

#: A value quoted in a message keeps at most this many characters.
QUOTE_LIMIT = 200
#: A whole message keeps at most this many characters.
MESSAGE_LIMIT = 2000
# every quoted literal, short ones included, so that pairs are matched left to right; a
# quote opens only after a non-word character (not the apostrophe of "doesn't")
_QUOTED = re.compile(r"""(?<!\w)'([^'\n]*)'(?!\w)|(?<!\w)"([^"\n]*)"(?!\w)""")


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of a value for a message, cut to a short prefix when it is long."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(value) if isinstance(value, str) else text
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def shorten_quotes(message: str) -> str:
    """Cut every quoted value in ``message`` to a short prefix, and the message itself."""

    def cut(match: re.Match[str]) -> str:
        body = match.group(1) if match.group(1) is not None else match.group(2)
        if len(body) <= QUOTE_LIMIT:
            return match.group(0)
        return f"{body[:QUOTE_LIMIT]!r}… ({len(body):,} characters)"

    message = _QUOTED.sub(cut, message)
    if len(message) > MESSAGE_LIMIT:
        message = message[:MESSAGE_LIMIT] + f"… ({len(message):,} characters in all)"
    return message


class YearnError(Exception):
    """Base class of every error caused by the user's input or environment.

    Its message never carries a huge value: quoted values are cut to a short prefix
    (:func:`shorten_quotes`), so a 50 MB cell gives a one-line error, not 50 MB of text.
    """

    exit_code = 2

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            args = (shorten_quotes(args[0]),)
        super().__init__(*args)


class ConfigError(YearnError, ValueError):
    """A configuration key or parameter has a wrong value."""


class DataError(YearnError, ValueError):
    """Input data is missing, unreadable or inconsistent."""


class PredictionsError(DataError):
    """A predictions table does not follow the contract in ARCHITECTURE.md."""


class StoreError(YearnError):
    """The run store cannot be used as asked."""


class TrainingError(YearnError):
    """Training cannot start with these settings, or had to stop."""
