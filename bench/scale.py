"""Benchmark: ``yearn run`` end to end on a generated 1,000,000-row tabular project.

    /work/main/.venv/bin/python bench/scale.py               # prints one markdown table
    /work/main/.venv/bin/python bench/scale.py --rows 200000 # smaller: 80% train, 20% target

The project is the table of ``bench/profile_scale.py`` (a sequential id, 32 numeric and 17
categorical features with missing values, a leaky column, a binary label; the target
source shifts four features), 800,000 training + 200,000 target rows, written once under
``bench/out/``. One process then runs the whole workflow as ``yearn run`` does
(``yearn.workflow.run_project``: split, profile, baselines, MLP training, learning-rate
range test, learning curve, diagnosis, error analysis, label issues, slices, report) and
records, per step, its wall time, the CPU time of the process during it and the peak
resident memory during it (the kernel's high-water mark, reset before each step through
``/proc/self/clear_refs``). The report's size is printed too: it embeds sampled rows, not
the million. Not part of the test suite.
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


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Reset this process's peak RSS to its current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:  # not Linux: the peaks then accumulate, as ru_maxrss does
        pass


def worker(project: str, epochs: int | None) -> dict:
    """Run the workflow in this process; per-step wall, CPU and peak memory."""
    start, cpu0 = time.perf_counter(), _cpu()
    from yearn.workflow import WorkflowOptions, run_project

    imports = time.perf_counter() - start
    marks: dict[str, dict] = {}

    def tell(step: str, event: str, done: float, total: float) -> None:
        if event == "start":
            _reset_peak()
            marks[step] = {"t0": time.perf_counter(), "c0": _cpu()}
        elif event != "advance" and step in marks and "wall" not in marks[step]:
            mark = marks[step]
            mark.update(
                wall=time.perf_counter() - mark.pop("t0"),
                cpu=_cpu() - mark.pop("c0"),
                peak_mb=_peak_mb(),
                status=event,
            )
            line = {k: round(v, 1) if isinstance(v, float) else v for k, v in mark.items()}
            print(f"  {step}: {json.dumps(line)}", file=sys.stderr, flush=True)

    options = WorkflowOptions() if epochs is None else WorkflowOptions(epochs=epochs)
    result = run_project(project, options=options, force=True, report=True, progress=tell)
    report = Path(project) / "report.html"
    return {
        "steps": marks,
        "notes": {s.name: s.note for s in result.steps if s.note},
        "imports": imports,
        "wall": time.perf_counter() - start,
        "cpu": _cpu() - cpu0,
        "verdict": result.verdict,
        "report_mb": report.stat().st_size / 2**20 if report.exists() else None,
    }


def write_project(folder: Path, train_rows: int, target_rows: int) -> None:
    sys.path.insert(0, str(HERE))
    from profile_scale import write_project as write

    write(folder, train_rows, target_rows)
    text = (folder / "yearn.toml").read_text()
    (folder / "yearn.toml").write_text(text + '\n[metric]\noptimizing = "error"\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="total rows: 80%% train source")
    parser.add_argument("--train-rows", type=int, default=800_000)
    parser.add_argument("--target-rows", type=int, default=200_000)
    parser.add_argument("--epochs", type=int, default=None, help="default: yearn run's")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:  # in its own process, so the generator's memory is not the runner's
        write_project(Path(args.write[0]), int(args.write[1]), int(args.write[2]))
        return
    if args.rows is not None:
        args.train_rows = round(args.rows * 0.8)
        args.target_rows = args.rows - args.train_rows
    if args.worker:
        epochs = None if args.worker[1] == "-" else int(args.worker[1])
        print(json.dumps(worker(args.worker[0], epochs)))
        return
    project = OUT / f"run_project_{args.train_rows}_{args.target_rows}"
    if not (project / "yearn.toml").exists():
        t0 = time.perf_counter()
        cmd = [sys.executable, str(Path(__file__).resolve()), "--write", str(project)]
        subprocess.run([*cmd, str(args.train_rows), str(args.target_rows)], check=True)
        print(f"wrote {project} in {time.perf_counter() - t0:.1f} s", flush=True)
    load = [f"{os.getloadavg()[0]:.1f}"]
    epochs = "-" if args.epochs is None else str(args.epochs)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", str(project), epochs],
        stdout=subprocess.PIPE,  # the steps' lines go to stderr as they finish
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    wall = time.perf_counter() - t0
    load.append(f"{os.getloadavg()[0]:.1f}")
    if proc.returncode != 0:
        raise SystemExit(f"yearn run failed (exit {proc.returncode})")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    rows = args.train_rows + args.target_rows
    print(
        f"\n`yearn run` on {rows:,} rows ({args.train_rows:,} train + {args.target_rows:,} "
        f"target) × 50 features; {len(os.sched_getaffinity(0))} cores; load average "
        f"{load[0]} before, {load[1]} after\n"
    )
    print("| step | status | wall s | CPU s | peak MB |")
    print("|---|---|---:|---:|---:|")
    for name, s in out["steps"].items():
        if "wall" not in s:
            continue
        print(
            f"| {name} | {s['status']} | {s['wall']:.1f} | {s['cpu']:.1f} | {s['peak_mb']:,.0f} |"
        )
    print(
        f"| **total** (process: start, imports {out['imports']:.1f} s, every step) | | "
        f"**{wall:.1f}** | {out['cpu']:.1f} | |"
    )
    report = out["report_mb"]
    print(f"\nreport.html: {report:.1f} MB" if report is not None else "\nno report written")
    for step, note in out["notes"].items():
        print(f"- {step}: {note}")
    print(f"diagnosis: {out['verdict']}")
    print(f"goal ≤ 300 s on 2 cores: {'met' if wall <= 300 else 'not met'} ({wall:.0f} s)")
    (OUT / "scale_results.json").write_text(json.dumps({**out, "process_wall": wall}, indent=2))


if __name__ == "__main__":
    main()
