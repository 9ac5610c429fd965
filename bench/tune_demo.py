"""``yearn tune --trials 20`` on the tabular demo: wall and CPU time, trials per state,
per-trial time, the dev-set guard's verdict (paired test of the winner against the default
on the confirm half, optimism), and from the per-trial time what 1,000 trials take on 50
nodes. Prints a markdown table for bench/README.md.

Run: ``OMP_NUM_THREADS=1 python bench/tune_demo.py [--trials 20] [--jobs 1] [--confirm-seeds 3]
[--json-out F]``."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--confirm-seeds", type=int, default=3)
    parser.add_argument("--cores-per-node", type=int, default=8)
    parser.add_argument("--json-out", type=Path, help="also write yearn tune's --json here")
    args = parser.parse_args()
    from yearn.demo import make_tabular_demo
    from yearn.splits import split_project

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        root = make_tabular_demo(Path(tmp) / "demo")
        split_project(root, record=False)
        cli = [sys.executable, "-c", "from yearn.cli import main; main()"]
        cmd = [*cli, "tune", "--project", str(root), "--trials", str(args.trials)]
        cmd += ["--jobs", str(args.jobs), "--confirm-seeds", str(args.confirm_seeds), "--json"]
        cpu0, start = _cpu_children(), time.perf_counter()
        out = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        wall, cpu = time.perf_counter() - start, _cpu_children() - cpu0
    load_after = os.getloadavg()[0]
    result = json.loads(out.stdout)
    if args.json_out:
        args.json_out.write_text(out.stdout)
    trials, counts, guard = result["trials"], result["counts"], result["guard"]
    seconds = [t["seconds"] for t in trials if t["seconds"] is not None]
    per_trial = sum(seconds) / len(seconds)
    slots = 50 * args.cores_per_node
    rounds = -(-1000 // slots)
    state = "/".join(str(counts.get(k, 0)) for k in ("COMPLETE", "PRUNED", "FAIL"))
    winner, confirm = guard["winner"], guard["confirm"]
    rows = [
        ("trials (complete / pruned / failed)", state),
        ("wall (whole command)", f"{wall:.1f} s"),
        ("searching (trials only)", f"{result['search_seconds']:.1f} s"),
        ("CPU time (user + system)", f"{cpu:.1f} s"),
        ("mean recorded time per trial (complete and pruned)", f"{per_trial:.2f} s"),
        ("confirm half of dev", f"{guard['n_confirm']} examples"),
        (f"default config, {result['metric']} on confirm", f"{confirm['default']:.4f}"),
        (f"winner {winner}, {result['metric']} on confirm", f"{confirm[winner]:.4f}"),
        (
            "difference (winner − default) [95% CI]",
            f"{guard['difference']:+.4f} [{guard['ci_low']:+.4f}, {guard['ci_high']:+.4f}]",
        ),
        (
            f"{result['metric']} on confirm per seed ({guard.get('seed_values')})",
            "; ".join(
                f"{k} " + " / ".join(f"{v:.4f}" for v in vals)
                for k, vals in guard.get("per_seed", {}).items()
            )
            or "one seed each",
        ),
        (f"{guard['test']} p", f"{guard['p_value']:.3g}"),
        ("beats the default (p < 0.05)", "yes" if guard["beats_default"] else "no"),
        ("optimism (confirm − select, winner)", f"{guard['optimism']:+.4f}"),
        (
            "candidates re-scored: select → confirm",
            "; ".join(f"{k} {guard['select'][k]:.4f} → {v:.4f}" for k, v in confirm.items()),
        ),
        ("load average before / after (1 min)", f"{load_before:.1f} / {load_after:.1f}"),
        (
            f"1,000 trials on 50 nodes × {args.cores_per_node} workers",
            f"{rounds} rounds × {per_trial:.2f} s = {rounds * per_trial:.0f} s of training",
        ),
    ]
    print(f"`yearn tune --trials {args.trials} --jobs {args.jobs} --confirm-seeds "
          f"{args.confirm_seeds}` on the tabular demo "
          f"({os.cpu_count()} CPUs)\n")  # fmt: skip
    print("| measure | value |\n|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print()
    print("\n".join(result["summary"]))


if __name__ == "__main__":
    main()
