"""Benchmark: ``yearn split`` and ``yearn profile`` on 1,000,000 training + 500,000 target
rows × 50 features, side by side with ydata-profiling (minimal mode, on the 1M training
rows) and Evidently's data-drift preset (1M reference + 500k current), on the same files.

    bash bench/setup_ydata_env.sh && bash bench/setup_evidently_env.sh   # once
    /work/main/.venv/bin/python bench/profile_scale.py            # prints one markdown table

The table (a sequential ``id``, 32 numeric and 17 categorical features with missing values,
one leaky column ``leak``, a binary ``label``; the target source shifts ``num_0``..``num_2``
and ``cat_0``) is written once as a yearn project under ``bench/out/``: ``data/web.parquet``
(train) and ``data/phone.parquet`` (target). Each step runs in its own process, one after
another: yearn's as the CLI a user types (``yearn split --project P --fresh``, then
``yearn profile --project P``, which profiles per split and writes the HTML), each peer
with the python of its benchmark-only venv under ``bench/.envs/``. Wall time is measured
around the process (interpreter start, imports and reading the files included); peak
memory is the process's ``ru_maxrss``; CPU is its user + system time. "data in memory" is
the Arrow size of the two files' tables. Not part of the test suite.
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
    drift tool must not call a shift); without it 30% of ``rows``, at random, are target,
    and there is no ``id`` column (``bench/scale_memory.py`` numbers its chunks itself).
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    if target_rows is None:
        target = rng.random(rows) < 0.3
    else:
        target = np.arange(rows + target_rows) >= rows
        rows += target_rows
    cols = {} if target_rows is None else {"id": np.arange(rows, dtype=np.int64)}
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


def _usage() -> dict:
    """Peak memory (VmHWM: this process's own high-water mark; ``ru_maxrss`` would carry the
    parent's across fork and exec) and CPU seconds of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kb = usage.ru_maxrss
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                peak_kb = int(line.split()[1])
    return {"peak_mb": peak_kb / 1024, "cpu_seconds": usage.ru_utime + usage.ru_stime}


def worker_yearn(project: str, command: str) -> dict:
    """``yearn split`` or ``yearn profile`` as the console script runs it, in this process."""
    import contextlib

    from yearn.cli import main

    args = {"split": ["split", "--fresh"], "profile": ["profile"]}[command]
    sys.argv = ["yearn", *args, "--project", project]
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        try:
            main()
        except SystemExit as stop:
            if stop.code:
                raise
    out = _usage()
    state = Path(project) / ".yearn"
    if command == "split":
        sizes = json.loads((state / "splits.json").read_text())["sizes"]
        out["found"] = "4-way manifest: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items())
        return out
    checks = {c["name"]: c for c in _profile_checks(state / "workflow" / "profile.json")}
    leaks = checks["leakage"]["summary"].get("leaks", [])
    shifted = checks["shift"]["summary"].get("shifted", [])
    planted = set(SHIFTED_NUM + SHIFTED_CAT)
    out["found"] = (
        f"leak: {', '.join(leaks) or 'none'}; shifts {len(planted & set(shifted))}/4"
        f"{' + ' + ', '.join(sorted(set(shifted) - planted)) if set(shifted) - planted else ''}"
        f"; id called drift: {'id' in shifted}"
    )
    out["per_check"] = {c: round(v["seconds"], 2) for c, v in checks.items()}
    return out


def _profile_checks(path: Path) -> list[dict]:
    return json.loads(path.read_text())["checks"]


def worker_ydata(project: str) -> dict:
    import pandas as pd
    from ydata_profiling import ProfileReport

    frame = pd.read_parquet(Path(project) / "data" / "web.parquet")
    report = ProfileReport(frame, minimal=True, progress_bar=False)
    text = report.to_json()
    alerts = json.loads(text).get("alerts", [])
    return {**_usage(), "rows": len(frame), "found": f"{len(alerts)} alerts; no train-vs-target"}


def worker_evidently(project: str) -> dict:
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    data = Path(project) / "data"
    ref = pd.read_parquet(data / "web.parquet").drop(columns=["label"])
    cur = pd.read_parquet(data / "phone.parquet").drop(columns=["label"])
    snapshot = Report([DataDriftPreset()]).run(cur, ref).dict()
    drifted = []
    for metric in snapshot.get("metrics", []):
        config = metric.get("config") or {}
        if "ValueDrift" not in str(metric.get("metric_name")):
            continue
        value, threshold = metric["value"], config.get("threshold")
        p_value = "p_value" in str(config.get("method"))
        if (value < threshold) if p_value else (value >= threshold):
            drifted.append(config.get("column"))
    planted = set(SHIFTED_NUM + SHIFTED_CAT)
    extra = sorted(set(drifted) - planted)
    return {
        **_usage(),
        "rows": len(ref) + len(cur),
        "found": f"shifts {len(planted & set(drifted))}/4"
        + (f" + false flags: {', '.join(extra)}" if extra else ""),
    }


def worker_size(project: str) -> dict:
    import pyarrow.parquet as pq

    data = Path(project) / "data"
    return {"bytes": sum(pq.read_table(data / f).nbytes for f in ("web.parquet", "phone.parquet"))}


def _run(python: str, args: list[str], timeout: float) -> dict:
    cmd = [python, str(Path(__file__).resolve()), "--worker", *args]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s"}
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
        return {"error": tail}
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "wall": wall}


def _peer_python(name: str) -> str | None:
    python = HERE / ".envs" / name / "bin" / "python"
    return str(python) if python.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-rows", type=int, default=1_000_000)
    parser.add_argument("--target-rows", type=int, default=500_000)
    parser.add_argument("--peer-timeout", type=float, default=900)
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        tool, project, *rest = args.worker
        workers = {"yearn": worker_yearn, "ydata": worker_ydata, "evidently": worker_evidently}
        out = worker_size(project) if tool == "size" else workers[tool](project, *rest)
        print(json.dumps(out))
        return

    project = OUT / f"scale_project_{args.train_rows}_{args.target_rows}"
    if not (project / "yearn.toml").exists():
        t0 = time.perf_counter()
        write_project(project, args.train_rows, args.target_rows)
        print(f"wrote {project} in {time.perf_counter() - t0:.1f} s", flush=True)
    load = [f"{os.getloadavg()[0]:.1f}"]
    rows = args.train_rows + args.target_rows
    size_mb = _run(sys.executable, ["size", str(project)], 600)["bytes"] / 2**20
    steps = [("yearn split", sys.executable, ["yearn", str(project), "split"], rows)]
    steps.append(("yearn profile", sys.executable, ["yearn", str(project), "profile"], rows))
    if not args.skip_peers:
        steps.append(("ydata-profiling minimal", "ydata", ["ydata", str(project)], args.train_rows))
        steps.append(("Evidently data drift", "evidently", ["evidently", str(project)], rows))
    results = {}
    for name, python, cmd, n in steps:
        if python in ("ydata", "evidently"):
            python = _peer_python(python)
            if python is None:
                results[name] = {
                    "error": f"no venv: run bash bench/setup_{cmd[0]}_env.sh",
                    "rows": n,
                }
                continue
        timeout = 600 if name.startswith("yearn") else args.peer_timeout
        results[name] = {**_run(python, cmd, timeout), "rows": n}
        print(f"{name}: {json.dumps(results[name])}", flush=True)
    load.append(f"{os.getloadavg()[0]:.1f}")
    ours = results["yearn profile"].get("wall")
    print(
        f"\n{args.train_rows:,} train + {args.target_rows:,} target rows × 50 features; data in "
        f"memory (Arrow) {size_mb:,.0f} MB; {len(os.sched_getaffinity(0))} cores; load average "
        f"{load[0]} before, {load[1]} after\n"
    )
    print("| step | rows | wall s | CPU s | peak MB | peak / data | found | vs yearn profile |")
    print("|---|---:|---:|---:|---:|---:|---|---:|")
    for name, r in results.items():
        if "error" in r:
            print(f"| {name} | {r['rows']:,} | — | — | — | — | {r['error']} | |")
            continue
        ratio = ""
        if ours and not name.startswith("yearn"):  # CPU: what the load does not distort
            cpu = results["yearn profile"]["cpu_seconds"]
            ratio = f"{r['wall'] / ours:.1f}× wall, {r['cpu_seconds'] / cpu:.1f}× CPU"
        print(
            f"| {name} | {r['rows']:,} | {r['wall']:.1f} | {r['cpu_seconds']:.1f} | "
            f"{r['peak_mb']:,.0f} | {r['peak_mb'] / size_mb:.2f} | {r['found']} | {ratio} |"
        )
    prof = results["yearn profile"]
    if "per_check" in prof:
        print(f"\nyearn profile per check (s): {prof['per_check']}")
    goals = []
    for step, limit in (("yearn split", 3), ("yearn profile", 10)):
        wall = results[step].get("wall")
        goals.append(f"{step} ≤ {limit} s: {'met' if wall and wall <= limit else 'not met'}")
    peak = max(results[s].get("peak_mb", float("inf")) for s in ("yearn split", "yearn profile"))
    goals.append(f"peak ≤ 1.5× data: {'met' if peak <= 1.5 * size_mb else 'not met'}")
    print("goals: " + "; ".join(goals))
    (OUT / "profile_scale_results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
