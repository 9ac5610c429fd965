"""``yearn transfer-compare --digits``: the digits transfer study (web 0-4 -> phone 5-9)."""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table

from yearn.cli._console import console, err_console, fmt_cell, print_advice


def run_digits_study(
    folder: Path, sizes: str, epochs: int, random_state: int, as_json: bool
) -> None:
    """``yearn transfer-compare --digits``: the study, then its advice and table."""
    from yearn.errors import ConfigError
    from yearn.project import Project
    from yearn.transfer import digits_transfer_study

    try:
        numbers = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise ConfigError(f"--sizes {sizes!r}: give whole numbers separated by commas.") from None
    if not (folder / "data" / "web" / "manifest.csv").exists():
        from yearn.demo import make_digits_demo

        make_digits_demo(folder, random_state=random_state)
    with err_console.status("digits study") as status:
        study = digits_transfer_study(
            folder,
            sizes=numbers,
            epochs_b=epochs,
            store=Project(folder / "transfer-study").store(),
            random_state=random_state,
            progress=lambda msg: status.update(msg),
        )
    if as_json:
        console.print_json(json.dumps(study.to_dict(), default=str))
        return
    pre = study.pretrain.final()
    console.print(
        f"task A: {study.n_a} web images of digits 0-4, small CNN, dev error "
        f"{pre.get('dev_metric', float('nan')):.4f} (run {study.pretrain.run_id})"
    )
    console.print(f"task B: phone digits 5-9, dev set of {study.n_b_dev} images")
    print_advice(study.advice)
    frame = study.table()
    names = {"n_train_B": "B train", "p_value": "p"}
    table = Table(*[names.get(c, c) for c in frame.columns], title="dev error on task B")
    for row in frame.to_dict("records"):
        cells = [
            f"{v:.3g}" if k == "p_value" else f"{v:.1f}" if k == "gain (points)" else fmt_cell(v)
            for k, v in row.items()
        ]
        table.add_row(*cells)
    console.print(table)
