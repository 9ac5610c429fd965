"""What a study found: best trial, importances, the L2 × dropout sweep, the history and
the dev-set guard; JSON with every trial and an HTML view drawn with ``yearn.display``."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

from yearn.tune._guard import Guard

__all__ = ["DEFAULT", "TuneResult", "default_row", "latest_result", "trial_rows"]

#: The default config's name among the candidates (trials are ``#<number>``).
DEFAULT = "default"


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def trial_rows(trials: Any) -> list[dict[str, Any]]:
    """One JSON-ready dict per Optuna trial (every state), in trial order."""
    rows = []
    for t in sorted(trials, key=lambda t: t.number):
        attrs = t.user_attrs
        steps = sorted(t.intermediate_values.items())
        rows.append(
            {
                "number": t.number,
                "state": t.state.name,
                "value": _finite(t.value),
                "params": dict(t.params),
                "run_id": attrs.get("run_id"),
                "seconds": attrs.get("seconds"),
                "epochs_run": attrs.get("epochs_run"),
                "measured": attrs.get("measured", {}),
                "last_reported": _finite(steps[-1][1]) if steps else None,
                "fail_reason": attrs.get("fail_reason", t.system_attrs.get("fail_reason")),
            }
        )
    return rows


def default_row(default: dict[str, Any]) -> dict[str, Any]:
    """The default config as a trial-like row (``number`` None, ``state`` ``DEFAULT``), for
    when it is the best candidate on the select half."""
    return {
        "number": None,
        "state": "DEFAULT",
        "value": default["value"],
        "params": dict(default["params"]),
        "run_id": default.get("run_id"),
        "measured": default.get("measured", {}),
    }


def candidate_name(row: dict[str, Any]) -> str:
    """``default`` or ``#<trial number>``."""
    return DEFAULT if row.get("number") is None else f"#{row['number']}"


@dataclass
class TuneResult:
    """The outcome of :func:`yearn.tune.tune` (a plain data object)."""

    study: str
    model: str
    metric: str
    storage: str
    executor: str
    trials: list[dict[str, Any]]
    selection: dict[str, Any]
    best: dict[str, Any]
    default: dict[str, Any]
    guard: Guard
    importances: dict[str, Any]
    dev_evaluations: int
    confirm_looks: int
    search_seconds: float
    seconds: float
    epochs: int
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TuneResult:
        """Rebuild a result from :meth:`to_dict` (the ``tune_result.json`` of a tune run)."""
        from dataclasses import fields

        guard_keys = {f.name for f in fields(Guard)}
        kwargs = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        kwargs["guard"] = Guard(**{k: v for k, v in data["guard"].items() if k in guard_keys})
        return cls(**kwargs)

    def counts(self) -> dict[str, int]:
        """Trials per state (COMPLETE, PRUNED, FAIL, ...)."""
        out: dict[str, int] = {}
        for row in self.trials:
            out[row["state"]] = out.get(row["state"], 0) + 1
        return out

    @property
    def seconds_per_trial(self) -> float | None:
        """Mean wall time of the trials that ran to the end (from their records)."""
        times = [r["seconds"] for r in self.trials if r["state"] == "COMPLETE" and r["seconds"]]
        return sum(times) / len(times) if times else None

    def summary_lines(self) -> list[str]:
        c = self.counts()
        lines = [
            f"study {self.study}: {len(self.trials)} trials ({c.get('COMPLETE', 0)} complete, "
            f"{c.get('PRUNED', 0)} pruned, {c.get('FAIL', 0)} failed), {self.epochs} epochs "
            f"each, on {self.executor}; {self.search_seconds:.1f} s searching, "
            f"{self.seconds:.1f} s in all",
            *[
                f"trial #{r['number']} failed: {r['fail_reason']}"
                for r in self.trials
                if r["state"] == "FAIL" and r.get("fail_reason")
            ],
            self._best_line(),
            "best params: "
            + (
                ", ".join(f"{k}={_fmt(v)}" for k, v in sorted(self.best["params"].items()))
                or "the training defaults"
            ),
            self.guard.summary,
            *filter(None, [self.guard.seed_line]),
            f"optimism of the winner: {self.guard.optimism:+.4g} ({self.metric} on the confirm "
            "half minus on the select half)",
            f"dev evaluations: {self.dev_evaluations} runs in this store scored dev; the confirm "
            f"half was looked at {self.confirm_looks} time(s) by this study",
        ]
        if not self.importances["measured"]:
            lines.append(f"importances not measured: {self.importances['reason']}")
        return lines + list(self.notes)

    def _best_line(self) -> str:
        m, default = self.metric, self.default["value"]
        if self.best.get("number") is not None:
            return (
                f"best: trial #{self.best['number']} with {m} {self.best['value']:.4g} on the "
                f"select half of dev (default config: {default:.4g})"
            )
        done = [r["value"] for r in self.trials if r["state"] == "COMPLETE"]
        trial = f"; best trial: {min(done):.4g}" if done else ""
        return (
            f"best: the default config with {m} {default:.4g} on the select half of dev: no "
            f"trial did better{trial}"
        )

    def row(self, name: str) -> dict[str, Any]:
        """The trial ``#<number>`` or the ``default`` config, as a row."""
        if name == DEFAULT:
            return default_row(self.default)
        return next(r for r in self.trials if candidate_name(r) == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "model": self.model,
            "metric": self.metric,
            "storage": _safe(self.storage),
            "executor": self.executor,
            "epochs": self.epochs,
            "counts": self.counts(),
            "best": self.best,
            "default": self.default,
            "selection": self.selection,
            "guard": self.guard.to_dict(),
            "importances": self.importances,
            "dev_evaluations": self.dev_evaluations,
            "confirm_looks": self.confirm_looks,
            "search_seconds": self.search_seconds,
            "seconds": self.seconds,
            "seconds_per_trial": self.seconds_per_trial,
            "trials": self.trials,
            "summary": self.summary_lines(),
        }

    def history_chart(self) -> Any:
        """Each complete trial's value and the running best, by trial number."""
        from yearn.display import Series, line_chart

        done = [r for r in self.trials if r["value"] is not None and r["state"] == "COMPLETE"]
        best, running = float("inf"), []
        for r in done:
            best = min(best, r["value"])
            running.append(best)
        xs = [r["number"] for r in done]
        return line_chart(
            [
                Series("trial", xs, [r["value"] for r in done], colour="#9aa5b1"),
                Series("best so far", xs, running, colour="#2680c2"),
            ],
            title="optimisation history",
            x_label="trial",
            y_label=f"{self.metric} (select half of dev)",
        )

    def sweep_chart(self) -> Any:
        """The regularisation sweep: value against L2 (log), one line per dropout third."""
        from yearn.display import Series, line_chart

        done = [
            r
            for r in self.trials
            if r["state"] == "COMPLETE" and "weight_decay" in r["params"] and r["value"] is not None
        ]
        bands = [(0.0, 0.17, "dropout < 0.17"), (0.17, 0.34, "0.17–0.34"), (0.34, 1.0, "≥ 0.34")]
        series = []
        for low, high, label in bands:
            pts = sorted(
                (r["params"]["weight_decay"], r["value"])
                for r in done
                if low <= float(r["params"].get("dropout", 0.0)) < high
            )
            if pts:
                series.append(Series(label, [p[0] for p in pts], [p[1] for p in pts]))
        return line_chart(
            series,
            title="L2 × dropout",
            x_label="weight_decay (L2)",
            y_label=self.metric,
            log_x=True,
        )

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table

        summary = "".join(f"<li>{html.escape(line)}</li>" for line in self.summary_lines())
        imp = self.importances["values"]
        importances = (
            bar_chart(list(imp), list(imp.values()), title="parameter importances", fmt=".2f")
            if imp
            else f"<p>importances not measured: {html.escape(str(self.importances['reason']))}</p>"
        )
        records = [
            {
                "trial": r["number"],
                "state": r["state"],
                self.metric: r["value"] if r["value"] is not None else r["last_reported"],
                "epochs": r["epochs_run"],
                **{k: _fmt(v) for k, v in r["params"].items()},
            }
            for r in self.trials
        ]
        return (
            f"<div><h3>yearn tune: {html.escape(self.study)}</h3><ul>{summary}</ul>"
            f"{self.history_chart()}{self.sweep_chart()}{importances}"
            f"{html_table(records, max_rows=len(records))}</div>"
        )


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _safe(url: str) -> str:
    """The storage URL without a password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


def latest_result(store: Any) -> TuneResult | None:
    """The newest completed ``yearn tune`` search in the run store (None if none)."""
    import json

    runs = store.list_runs(kind="tune", status="completed", limit=1)
    if not runs:
        return None
    path = store.artifact_path(runs[0].id, "tune_result.json")
    return TuneResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
