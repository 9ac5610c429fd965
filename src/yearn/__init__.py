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
]
