"""A few sample rows (and images) per class, to look at the data before modelling."""

from __future__ import annotations

import numpy as np

from yearn.profile._context import ProfileContext
from yearn.profile._registry import Check, register
from yearn.profile._result import CheckResult

PER_CLASS = 5
MAX_CLASSES = 20
MAX_COLUMNS = 12


@register
class SamplesCheck(Check):
    name = "samples"
    description = "a grid of sample rows / images per class"

    def run(self, ctx: ProfileContext) -> CheckResult:
        y, known, classes = ctx.target
        per_class = ctx.options.get("samples_per_class", PER_CLASS)
        picks: dict[str, list[int]] = {}
        if classes:
            for k, name in enumerate(classes[:MAX_CLASSES]):
                rows = np.flatnonzero(known & (y == k))
                picks[name] = ctx.sample_rows(rows, per_class, 70 + k).tolist()
        else:
            picks["all"] = ctx.sample_rows(np.arange(ctx.n), per_class * 2, 70).tolist()
        shown = [c for c in [ctx.id_column, ctx.label, *ctx.features] if c][:MAX_COLUMNS]
        rows = {
            name: ctx.frame.iloc[idx][shown]
            .astype(object)
            .where(ctx.frame.iloc[idx][shown].notna(), None)
            .to_dict("records")
            for name, idx in picks.items()
        }
        data = {"rows": rows, "columns": shown}
        if ctx.image_column:
            data["images"] = {
                name: ctx.frame[ctx.image_column].iloc[idx].astype(str).tolist()
                for name, idx in picks.items()
            }
        n = sum(len(v) for v in picks.values())
        return self.result(
            message=f"{n} sample rows from {len(picks)} class(es)",
            summary={"rows_per_class": {k: v for k, v in picks.items()}},
            data=data,
        )
