"""Benchmark: ``yearn.profile`` on a 1,000,000 × 50 mixed table, side by side with
ydata-profiling (minimal mode) and Evidently's data-drift preset.

    bash bench/setup_ydata_env.sh && bash bench/setup_evidently_env.sh   # once
    .venv/bin/python bench/profile_scale.py [--rows 1000000] [--skip-peers]

The table (numbers, categories, missing values, one leaky column ``leak``, a target source
whose ``num_0``..``num_2`` and ``cat_0`` are shifted) is written to Parquet under
``bench/out/``; each tool then runs in its own subprocess — yearn with this project's
venv, each peer with the python of its benchmark-only venv under ``bench/.envs/`` — on
that file, timed from reading the file to the finished result, peak memory from
``resource.getrusage``. A peer that cannot finish in ``--peer-timeout`` seconds is re-run
on a stated fraction of the rows. Not part of the test suite.
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
ROOT = HERE.parent
OUT = HERE / "out"
N_NUM, N_CAT = 32, 17  # + the leaky column = 50 feature columns
SHIFTED_NUM = ("num_0", "num_1", "num_2")
SHIFTED_CAT = ("cat_0",)


def make_table(rows: int, seed: int = 0, *, target_rows: int | None = None):
    """The benchmark table: a sequential ``id``, 50 features, ``label``, ``role``, ``source``.

    With ``target_rows``, ``rows`` training rows come first and ``target_rows`` target rows
    after them (as two files appended: the id then differs between the sources, which a
    drift tool must not call a shift); without it 30% of ``rows``, at random, are target.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    if target_rows is None:
        target = rng.random(rows) < 0.3
    else:
        target = np.arange(rows + target_rows) >= rows
        rows += target_rows
    cols = {"id": np.arange(rows, dtype=np.int64)}
    for j in range(N_NUM):
        x = rng.normal(loc=j % 5, scale=1 + j % 3, size=rows)
        if f"num_{j}" in SHIFTED_NUM:
            x = np.where(target, x + 0.5 * (1 + j % 3), x)
        if j % 4 == 1:
            x[rng.random(rows) < 0.1] = np.nan
        cols[f"num_{j}"] = x
    for j in range(N_CAT):
        levels = np.array([f"c{j}_{k}" for k in range(5 + 3 * j)], dtype=object)
        p = np.linspace(1, 3, levels.size)
        p /= p.sum()
        codes = rng.choice(levels.size, size=rows, p=p)
        if f"cat_{j}" in SHIFTED_CAT:
            codes = np.where(target & (rng.random(rows) < 0.3), 0, codes)
        values = levels[codes]
        if j % 5 == 2:
            values[rng.random(rows) < 0.05] = None
        cols[f"cat_{j}"] = values
    logit = 0.6 * cols["num_3"] - 0.4 * np.nan_to_num(cols["num_5"]) + (cols["cat_1"] == "c1_0")
    y = (rng.random(rows) < 1 / (1 + np.exp(-(logit - 1.0)))).astype(np.int64)
    cols["leak"] = y * 2.0 + rng.normal(scale=0.1, size=rows)
    cols["label"] = y
    cols["role"] = np.where(target, "target", "train")
    cols["source"] = np.where(target, "phone", "web")
    return pd.DataFrame(cols)


PROJECT_TOML = """[project]
task = "binary"
label_column = "label"
id_column = "id"

[[sources]]
name = "web"
path = "data/web.parquet"
role = "train"

[[sources]]
name = "phone"
path = "data/phone.parquet"
role = "target"
"""


def write_project(folder: Path, train_rows: int, target_rows: int, seed: int = 0) -> Path:
    """A yearn project over the table: ``data/web.parquet`` (train) and
    ``data/phone.parquet`` (target), without the ``role`` / ``source`` columns."""
    frame = make_table(train_rows, seed, target_rows=target_rows)
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    is_target = (frame["role"] == "target").to_numpy()
    frame = frame.drop(columns=["role", "source"])
    frame[~is_target].to_parquet(data / "web.parquet", index=False)
    frame[is_target].to_parquet(data / "phone.parquet", index=False)
    (folder / "yearn.toml").write_text(PROJECT_TOML)
    return folder


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker_yearn(path: str, threads: int) -> dict:
    import pandas as pd

    from yearn.profile import profile

    start = time.perf_counter()
    frame = pd.read_parquet(path)
    read = time.perf_counter() - start
    result = profile(frame, label="label", options={"n_threads": threads})
    seconds = time.perf_counter() - start
    leak = result["leakage"].summary
    shift = result["shift"].summary
    return {
        "seconds": seconds,
        "read_seconds": read,
        "peak_mb": _peak_mb(),
        "cpu_seconds": _cpu_seconds(),
        "per_check": {r.name: round(r.seconds, 2) for r in result.results},
        "leaks": leak["leaks"],
        "shifted": shift["shifted"],
        "drivers": shift["drivers"],
        "adversarial_auc": shift["adversarial"]["auc"],
        "adversarial_ci": shift["adversarial"]["ci"],
        "rows": len(frame),
    }


def worker_ydata(path: str, fraction: float) -> dict:
    import pandas as pd
    from ydata_profiling import ProfileReport

    start = time.perf_counter()
    frame = pd.read_parquet(path)
    if fraction < 1:
        frame = frame.sample(frac=fraction, random_state=0)
    report = ProfileReport(frame, minimal=True, progress_bar=False)
    text = report.to_json()
    return {
        "seconds": time.perf_counter() - start,
        "peak_mb": _peak_mb(),
        "cpu_seconds": _cpu_seconds(),
        "rows": len(frame),
        "json_bytes": len(text),
    }


def worker_evidently(path: str, fraction: float) -> dict:
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    start = time.perf_counter()
    frame = pd.read_parquet(path)
    if fraction < 1:
        frame = frame.sample(frac=fraction, random_state=0)
    features = [c for c in frame.columns if c not in ("label", "role", "source")]
    ref = frame.loc[frame["role"] == "train", features]
    cur = frame.loc[frame["role"] == "target", features]
    snapshot = Report([DataDriftPreset()]).run(cur, ref)
    result = snapshot.dict()
    drifted_count = None
    for metric in result.get("metrics", []):
        if str(metric.get("metric_name", "")).startswith("DriftedColumnsCount"):
            drifted_count = metric["value"]["count"]
    return {
        "seconds": time.perf_counter() - start,
        "peak_mb": _peak_mb(),
        "cpu_seconds": _cpu_seconds(),
        "rows": len(frame),
        "drifted_columns": drifted_count,
    }


def _run(python: str, tool: str, path: Path, arg: str, timeout: float) -> dict:
    cmd = [python, str(Path(__file__).resolve()), "--worker", tool, str(path), arg]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _peer(name: str, path: Path, timeout: float, fractions: tuple[float, ...]) -> dict:
    python = HERE / ".envs" / name / "bin" / "python"
    if not python.exists():
        return {"error": f"no venv: run bash bench/setup_{name}_env.sh"}
    for fraction in fractions:
        out = _run(str(python), name, path, str(fraction), timeout)
        out["fraction"] = fraction
        if "error" not in out:
            return out
        print(f"  {name} on {fraction:.0%} of rows: {out['error']}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=1, help="OpenMP threads for yearn")
    parser.add_argument("--repeats", type=int, default=3, help="yearn runs (fastest shown)")
    parser.add_argument("--peer-timeout", type=float, default=600)
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument(
        "--peer-fractions",
        type=float,
        nargs="+",
        default=[1.0, 0.1],
        help="shares of the rows to try for the peers, in order",
    )
    parser.add_argument(
        "--worker", nargs=3, metavar=("TOOL", "PATH", "ARG"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        tool, path, arg = args.worker
        if tool == "yearn":
            out = worker_yearn(path, int(arg))
        elif tool == "ydata":
            out = worker_ydata(path, float(arg))
        else:
            out = worker_evidently(path, float(arg))
        print(json.dumps(out))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"profile_scale_{args.rows}.parquet"
    if not path.exists():
        t0 = time.perf_counter()
        make_table(args.rows).to_parquet(path, index=False)
        print(f"wrote {path} in {time.perf_counter() - t0:.1f} s", flush=True)
    print(
        f"cores available: {len(os.sched_getaffinity(0))}; load average before: "
        f"{os.getloadavg()[0]:.1f}",
        flush=True,
    )
    runs = []
    for k in range(args.repeats):
        runs.append(_run(sys.executable, "yearn", path, str(args.threads), 600))
        print(f"yearn run {k + 1}:", json.dumps(runs[-1]), flush=True)
    ok = [r for r in runs if "error" not in r]
    if ok:  # the fastest run (the one least disturbed by other load); all runs kept
        best = min(ok, key=lambda r: r["seconds"])
        walls = sorted(r["seconds"] for r in ok)
        results = {"yearn": {**best, "wall_all": walls, "wall_median": walls[len(walls) // 2]}}
    else:
        results = {"yearn": runs[-1]}
    if not args.skip_peers:
        for name in ("ydata", "evidently"):
            results[name] = _peer(name, path, args.peer_timeout, tuple(args.peer_fractions))
            print(f"{name}:", json.dumps(results[name]), flush=True)
    ours = results["yearn"].get("seconds")
    print()
    head = ("tool", "rows", "wall s", "CPU s", "peak MB", "yearn faster (wall / CPU, per row)")
    print(f"{head[0]:<11}{head[1]:>9}{head[2]:>9}{head[3]:>9}{head[4]:>9}  {head[5]}")
    ours_cpu = results["yearn"].get("cpu_seconds")
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<11}{'-':>9}{'-':>9}{'-':>9}{'-':>9}  {r['error']}")
            continue
        ratio = ""
        if name != "yearn" and ours:
            scale = args.rows / r["rows"]  # a peer on a fraction: compare per row
            ratio = (
                f"{r['seconds'] * scale / ours:.1f}x / {r['cpu_seconds'] * scale / ours_cpu:.1f}x"
            )
        print(
            f"{name:<11}{r['rows']:>9}{r['seconds']:>9.1f}{r['cpu_seconds']:>9.1f}"
            f"{r['peak_mb']:>9.0f}  {ratio}"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    y = results["yearn"]
    if "error" not in y:
        found_leak = "leak" in y["leaks"]
        found_shift = set(SHIFTED_NUM + SHIFTED_CAT) <= set(y["shifted"])
        print(
            f"\nleaky column found: {found_leak}; shifted features found: {found_shift} "
            f"({', '.join(y['shifted'])}); adversarial AUC {y['adversarial_auc']} "
            f"{y['adversarial_ci']}"
        )
        print(
            "goals: wall <= 15 s:", y["seconds"] <= 15, "| peak <= 4096 MB:", y["peak_mb"] <= 4096
        )
    (OUT / "profile_scale_results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
