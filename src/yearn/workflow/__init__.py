"""The main job: every step of the workflow on a project, each skipped when current.

>>> from yearn.workflow import run_project            # doctest: +SKIP
>>> result = run_project("digits-demo")              # doctest: +SKIP
>>> result.report, result.next_steps                 # doctest: +SKIP

See ``docs/workflow.md``.
"""

from yearn.workflow._run import Progress, StepResult, WorkflowResult, run_project, saved_options
from yearn.workflow._steps import STEPS, WorkflowOptions

__all__ = [
    "STEPS",
    "Progress",
    "StepResult",
    "WorkflowOptions",
    "WorkflowResult",
    "run_project",
    "saved_options",
]
