"""Hyper-parameter studies: Optuna in the run store's database, a pruning callback on the
per-epoch dev metric, the dev-set guard (select / confirm halves of dev) and executors
(local processes or Ray) for parallel work."""

from yearn.tune._executor import EXECUTORS, Executor, LocalExecutor, RayExecutor, get_executor
from yearn.tune._guard import ALPHA, Guard, dev_evaluations
from yearn.tune._halves import confirm_mask, dev_half
from yearn.tune._pruning import PruneOnDev
from yearn.tune._result import TuneResult, latest_result
from yearn.tune._seeds import SeedTest, seed_averaged_test
from yearn.tune._space import DEFAULT_EPOCHS, TUNABLE, default_space, resolve_space
from yearn.tune._study import tune

__all__ = [
    "ALPHA",
    "DEFAULT_EPOCHS",
    "EXECUTORS",
    "TUNABLE",
    "Executor",
    "Guard",
    "LocalExecutor",
    "PruneOnDev",
    "RayExecutor",
    "SeedTest",
    "TuneResult",
    "confirm_mask",
    "default_space",
    "dev_evaluations",
    "dev_half",
    "get_executor",
    "latest_result",
    "resolve_space",
    "seed_averaged_test",
    "tune",
]
