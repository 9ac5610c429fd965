"""yearn: make the discipline of structuring a machine-learning project executable."""

from yearn._version import __version__
from yearn.errors import (
    ConfigError,
    DataError,
    PredictionsError,
    StoreError,
    TrainingError,
    YearnError,
)

__all__ = [
    "ConfigError",
    "DataError",
    "PredictionsError",
    "StoreError",
    "TrainingError",
    "YearnError",
    "__version__",
    "fit",
]


def __getattr__(name: str):
    # heavy parts (torch) load on first use, so 'import yearn' and the CLI stay fast
    if name == "fit":
        from yearn.train import fit

        return fit
    raise AttributeError(f"module 'yearn' has no attribute {name!r}")
