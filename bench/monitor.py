"""Benchmark: ``yearn.monitor`` side by side with Evidently's DataDriftPreset on a
1,000,000-row reference and a 500,000-row production window × 50 columns with planted
drift, and yearn's false-alarm rate over 100 no-drift windows at n = 1,000 / 100,000 /
1,000,000.

    bash bench/setup_evidently_env.sh     # once (Evidently lives in its own venv)
    PYTHONPATH=src OMP_NUM_THREADS=1 .venv/bin/python bench/monitor.py --fa-sizes
        [--ref-rows 1000000] [--cur-rows 500000] [--skip-evidently]
    # + the false-alarm part (about 45 min on 2 cores): --fa-sizes 1000 100000 1000000

Prints markdown tables ready for bench/README.md: the comparison (ratios from this one run,
the load average before and after) and, with ``--fa-sizes``, the false alarms.

Planted: +0.5 sd in the normal columns ``num_0``, ``num_4``, ``num_8``, the frequencies of
``cat_0`` reversed, and a sequential ``id`` (continuing from the reference into production).
Every other column is drawn from the same distribution on both sides. The tables are written
to Parquet under ``bench/out/``; each tool runs in its own subprocess on those files, timed
from reading the files to the finished result, peak memory from ``resource.getrusage`` (the
whole process: interpreter and imports included; "after imports" is the resident memory
once the tool's modules are imported, before any data is read).
yearn runs with the domain classifier on. The false-alarm part draws each no-drift window
afresh from the generator (20 columns of the same kinds) and runs the whole of ``monitor``
on it.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
N_NUM, N_CAT = 40, 9  # + the id = 50 columns
PLANTED = ("num_0", "num_4", "num_8", "cat_0")


def make_table(rows: int, seed: int, *, drift: bool, start: int = 0, n_num=N_NUM, n_cat=N_CAT):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    cols = {"id": np.arange(start, start + rows, dtype=np.int64)}
    for j in range(n_num):
        scale = 1 + j % 3
        kind = j % 4
        if kind == 0:
            x = rng.normal(j % 5, scale, rows)
        elif kind == 1:
            x = rng.exponential(scale, rows)
        elif kind == 2:
            x = rng.integers(0, 6, rows).astype(np.float64)  # few distinct values
        else:
            x = rng.lognormal(0, 0.5, rows)
        if drift and j in (0, 4, 8):  # normal columns
            x = x + 0.5 * x.std()
        cols[f"num_{j}"] = x
    for j in range(n_cat):
        levels = np.array([f"c{j}_{k}" for k in range(4 + 3 * j)], dtype=object)
        p = np.linspace(1, 4, levels.size)
        p /= p.sum()
        if drift and j == 0:
            p = p[::-1]
        cols[f"cat_{j}"] = levels[rng.choice(levels.size, size=rows, p=p)]
    return pd.DataFrame(cols)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_yearn(ref: str, cur: str) -> dict:
    from yearn.monitor import Reference, monitor

    imports_mb = _peak_mb()
    start = time.perf_counter()
    reference = Reference.build(ref)
    built = time.perf_counter() - start
    result = monitor(reference, cur, window="100000000rows")
    window = result.windows[0]
    return {
        "seconds": time.perf_counter() - start,
        "reference_seconds": built,
        "peak_mb": _peak_mb(),
        "imports_mb": imports_mb,
        "flagged": sorted(window.drifted_columns),
        "excluded": result.excluded,
        "domain_auc": [window.domain.auc, window.domain.low, window.domain.high],
        "domain_drivers": window.domain.drivers,
    }


def worker_evidently(ref: str, cur: str) -> dict:
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    imports_mb = _peak_mb()
    start = time.perf_counter()
    reference, current = pd.read_parquet(ref), pd.read_parquet(cur)
    snapshot = Report([DataDriftPreset()]).run(current, reference)
    flagged = []
    for metric in snapshot.dict().get("metrics", []):
        name = str(metric.get("metric_name", ""))
        if not name.startswith("ValueDrift("):
            continue
        fields = dict(f.split("=", 1) for f in name[len("ValueDrift(") : -1].split(","))
        value, threshold = float(metric["value"]), float(fields["threshold"])
        drifted = value < threshold if "p_value" in fields["method"] else value >= threshold
        if drifted:
            flagged.append(fields["column"])
    return {
        "seconds": time.perf_counter() - start,
        "peak_mb": _peak_mb(),
        "imports_mb": imports_mb,
        "flagged": sorted(flagged),
    }


def _run(python: str, tool: str, ref: Path, cur: Path, timeout: float) -> dict:
    cmd = [python, str(Path(__file__).resolve()), "--worker", tool, str(ref), str(cur)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def false_alarms(sizes: list[int], windows: int, ref_rows: int) -> list[dict]:
    """100 fresh no-drift windows per size through the whole of ``monitor``."""
    from yearn.monitor import Reference, monitor

    reference = Reference.build(make_table(ref_rows, 1, drift=False, n_num=12, n_cat=8))
    out = []
    for n in sizes:
        start, alarms, floorless, columns = time.perf_counter(), 0, 0, set()
        for w in range(windows):
            cur = make_table(n, 1000 + w, drift=False, start=10**9, n_num=12, n_cat=8)
            result = monitor(reference, cur, window=f"{n}rows", random_state=w)
            alarms += result.needs_attention
            columns.update(result.windows[0].drifted_columns)
            bare = monitor(reference, cur, window=f"{n}rows", domain=False,
                           min_effect={"numeric": 0.0, "categorical": 0.0})  # fmt: skip
            floorless += bare.needs_attention
        row = {"n": n, "windows": windows, "false_alarms": alarms,
               "false_alarms_without_effect_floor": floorless,
               "columns_flagged": sorted(columns),
               "seconds": round(time.perf_counter() - start, 1)}  # fmt: skip
        print(json.dumps(row), flush=True)
        out.append(row)
    return out


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _flagged(row: dict) -> str:
    if "error" in row:
        return f"not measured: {row['error']}"
    got = set(row["flagged"])
    extra, missed = sorted(got - set(PLANTED)), sorted(set(PLANTED) - got)
    text = ", ".join(f"`{c}`" for c in sorted(got)) or "nothing"
    if not extra and not missed:
        text += " — the 4 planted, nothing else"
    if extra:
        text += f" — **not planted: {', '.join(extra)}**"
    if missed:
        text += f" — **missed: {', '.join(missed)}**"
    left_out = [f"`{c}` ({why.split(':')[0]})" for c, why in row.get("excluded", {}).items()]
    if left_out:
        text += f"; left out: {', '.join(left_out)}"
    return text


def comparison_table(results: dict) -> str:
    """The side-by-side table, ratios from this run."""
    rows = [
        "| tool | columns flagged | seconds | peak memory (MB) | after imports (MB) |",
        "|---|---|---:|---:|---:|",
    ]
    names = {"yearn": "yearn (`Reference.build` + `monitor`, domain classifier on)",
             "evidently": "Evidently DataDriftPreset"}  # fmt: skip
    for tool, label in names.items():
        row = results.get(tool)
        if row is None:
            continue
        if "error" in row:
            rows.append(f"| {label} | {_flagged(row)} | | | |")
            continue
        rows.append(
            f"| {label} | {_flagged(row)} | {row['seconds']:.1f} | {row['peak_mb']:,.0f} | "
            f"{row['imports_mb']:,.0f} |"
        )
    y, e = results.get("yearn", {}), results.get("evidently", {})
    if "seconds" in y and "seconds" in e:
        rows.append(
            f"| ratio (Evidently / yearn) | | **{e['seconds'] / y['seconds']:.1f}× less time** | "
            f"**{e['peak_mb'] / y['peak_mb']:.1f}× less memory** | |"
        )
    return "\n".join(rows)


def false_alarm_table(rows: list[dict]) -> str:
    out = [
        "| window size n | windows | false alarms (default) | false alarms (thresholds alone) "
        "| seconds |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        a, b, w = r["false_alarms"], r["false_alarms_without_effect_floor"], r["windows"]
        out.append(
            f"| {r['n']:,} | {w} | {a} ({a / w:.0%}) | {b} ({b / w:.0%}) | {r['seconds']:,.0f} |"
        )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref-rows", type=int, default=1_000_000)
    parser.add_argument("--cur-rows", type=int, default=500_000)
    parser.add_argument("--fa-sizes", type=int, nargs="*", default=[1000, 100_000, 1_000_000])
    parser.add_argument("--fa-windows", type=int, default=100)
    parser.add_argument("--peer-timeout", type=float, default=1800)
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        tool, ref, cur = args.worker
        fn = worker_yearn if tool == "yearn" else worker_evidently
        print(json.dumps(fn(ref, cur), default=str))
        return
    OUT.mkdir(exist_ok=True)
    ref = OUT / f"monitor_ref_{args.ref_rows}.parquet"
    cur = OUT / f"monitor_cur_{args.cur_rows}.parquet"
    if not ref.exists():
        make_table(args.ref_rows, 0, drift=False).to_parquet(ref, index=False)
    if not cur.exists():
        table = make_table(args.cur_rows, 7, drift=True, start=args.ref_rows)
        table.to_parquet(cur, index=False)
    results = {"planted": list(PLANTED), "load_before": _load()}
    print(f"{args.ref_rows:,} reference / {args.cur_rows:,} current × 50 columns", flush=True)
    results["yearn"] = _run(sys.executable, "yearn", ref, cur, args.peer_timeout)
    print("yearn", json.dumps(results["yearn"]), flush=True)
    if not args.skip_evidently:
        python = HERE / ".envs" / "evidently" / "bin" / "python"
        if python.exists():
            results["evidently"] = _run(str(python), "evidently", ref, cur, args.peer_timeout)
        else:
            results["evidently"] = {"error": "no venv: run bash bench/setup_evidently_env.sh"}
        print("evidently", json.dumps(results["evidently"]), flush=True)
    results["load_after"] = _load()
    print(f"\nLoad average (1 / 5 / 15 min) before: {results['load_before']}; after the "
          f"comparison: {results['load_after']}\n")  # fmt: skip
    print(comparison_table(results), flush=True)
    if "error" not in results["yearn"]:
        dom = results["yearn"]
        auc = ", ".join(f"{v:.3f}" for v in dom["domain_auc"])
        drivers = ", ".join(f"`{d['column']}` ({d['auc_drop']:.3f})" for d in dom["domain_drivers"])
        print(f"\nyearn's domain classifier (AUC, 95% interval): {auc}; drivers: {drivers}")
    if args.fa_sizes:
        results["false_alarms"] = false_alarms(args.fa_sizes, args.fa_windows, args.ref_rows)
        print("\n" + false_alarm_table(results["false_alarms"]))
    (OUT / "monitor.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
