"""``run_demo``: build the embedded digits demo in a fresh folder and run the workflow on it,
with settings sized to finish in about a minute on two CPU cores."""

from __future__ import annotations

from pathlib import Path

from yearn.demo._projects import make_digits_demo
from yearn.workflow import Progress, WorkflowOptions, WorkflowResult, run_project

__all__ = ["DEMO_OPTIONS", "run_demo"]

#: The demo's settings: a small CNN for a few epochs, the trivial and the logistic baseline
#: on 8x8 pixels, a short learning-rate test and a four-point learning curve.
DEMO_OPTIONS = WorkflowOptions(
    model="cnn",
    epochs=8,
    baselines=("majority", "logistic"),
    baseline_image_size=8,
    train={"batch_size": 64},
    worksheet_size=100,
    learning_curve_fractions=(0.1, 0.25, 0.5, 1.0),
    lr_find=True,
    lr_find_steps=60,
    random_state=0,
)


def run_demo(
    directory: str | Path = "yearn-demo",
    *,
    force: bool = False,
    random_state: int = 0,
    options: WorkflowOptions | None = None,
    progress: Progress | None = None,
) -> WorkflowResult:
    """Create the digits demo in ``directory`` (see :func:`yearn.demo.make_digits_demo`)
    and run :func:`run_project` on it; the report is ``<directory>/report.html``."""
    root = make_digits_demo(directory, random_state=random_state, force=force)
    return run_project(root, options=options or DEMO_OPTIONS, progress=progress)
