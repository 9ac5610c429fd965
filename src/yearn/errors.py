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

__all__ = [
    "ConfigError",
    "DataError",
    "PredictionsError",
    "StoreError",
    "TrainingError",
    "YearnError",
]


class YearnError(Exception):
    """Base class of every error caused by the user's input or environment."""

    exit_code = 2


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
