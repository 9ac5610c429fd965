"""Benchmark: ``yearn profile`` and ``yearn split`` on a table larger than the memory budget
(issue 21, "Larger than memory").

    .venv/bin/python bench/scale_memory.py [--rows 20000000] [--memory 4GB]

Generates (once; reused when present) a project under ``bench/out/scale_memory/`` whose two
Parquet sources (``web``: training, ``phone``: target) hold ``--rows`` rows of the
50-column table of ``bench/profile_scale.py`` plus an integer ``id`` column. The generator
writes one row group of ``--chunk`` rows at a time, so it stays within the budget too. Then
``yearn profile --memory`` and ``yearn split --memory`` run in their own processes under
``/usr/bin/time -v`` (peak resident memory of the whole process), and a markdown table is
printed: rows, wall time, peak memory, budget, and which figures were exact, sketched or
sampled. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

TOML = """[project]
name = "scale-memory"
task = "binary"
label_column = "label"
id_column = "id"

[[sources]]
name = "web"
path = "web.parquet"
role = "train"

[[sources]]
name = "phone"
path = "phone.parquet"
role = "target"
"""


def generate(folder: Path, rows: int, chunk: int) -> float:
    """Write the project (row group by row group); returns the seconds it took."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from profile_scale import make_table

    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    writers: dict[str, pq.ParquetWriter] = {}
    done = 0
    try:
        for k, begin in enumerate(range(0, rows, chunk)):
            n = min(chunk, rows - begin)
            frame = make_table(n, seed=1000 + k)
            frame.insert(0, "id", np.arange(begin, begin + n, dtype=np.int64))
            for source in ("web", "phone"):
                part = frame[frame["source"] == source].drop(columns=["source", "role"])
                table = pa.Table.from_pandas(part, preserve_index=False)
                if source not in writers:
                    path = folder / f"{source}.parquet.tmp"
                    writers[source] = pq.ParquetWriter(path, table.schema)
                writers[source].write_table(table)
            done += n
            print(f"  generated {done:,} / {rows:,} rows", file=sys.stderr, flush=True)
    finally:
        for writer in writers.values():
            writer.close()
    for source in writers:
        os.replace(folder / f"{source}.parquet.tmp", folder / f"{source}.parquet")
    (folder / "yearn.toml").write_text(TOML)
    (folder / "rows.txt").write_text(str(rows))
    return time.perf_counter() - start


def _timed(args: list[str], cwd: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    yearn = Path(sys.executable).with_name("yearn")
    cmd = ["/usr/bin/time", "-v", str(yearn), *args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)[1])
    return {"wall": wall, "peak_mb": peak_kb * 1024 / 1e6, "out": proc.stdout}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--memory", default="4GB")
    parser.add_argument("--chunk", type=int, default=500_000, help="rows per row group")
    parser.add_argument("--folder", type=Path, default=HERE / "out" / "scale_memory")
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()

    folder = args.folder
    stamp = folder / "rows.txt"
    if args.regenerate or not stamp.exists() or stamp.read_text() != str(args.rows):
        shutil.rmtree(folder, ignore_errors=True)
        seconds = generate(folder, args.rows, args.chunk)
        print(f"generated {args.rows:,} rows in {seconds:.0f} s", file=sys.stderr)
    shutil.rmtree(folder / ".yearn", ignore_errors=True)
    on_disk = sum(p.stat().st_size for p in folder.glob("*.parquet")) / 1e9

    profile = _timed(["profile", "--memory", args.memory, "--json"], folder)
    data = json.loads(profile["out"])
    scale = data["scale"]
    split = _timed(["split", "--memory", args.memory, "--json", "--no-record"], folder)
    saved = json.loads(split["out"])
    methods = scale.get("methods", {})
    exact = [n for n, m in methods.items() if m.startswith("exact")]
    sampled = [n for n, m in methods.items() if m.startswith("uniform sample")]
    not_measured = [n for n, m in methods.items() if m.startswith("not measured")]
    budget = scale["memory_budget"] / 1e6
    load = os.getloadavg()
    print(
        f"\n{args.rows:,} rows x {len(data['checks'])} checks; Parquet on disk {on_disk:.1f} GB, "
        f"about {scale['data_bytes_estimate'] / 1e9:.1f} GB in memory; load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; {os.cpu_count()} cores\n"
    )
    print("| step | rows | mode | wall | peak RSS | budget | exact | sketched (bound) | sampled |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| `yearn profile --memory {args.memory}` | {scale['rows']:,} | {scale['mode']} | "
        f"{profile['wall']:.0f} s | {profile['peak_mb']:,.0f} MB | {budget:,.0f} MB | "
        f"{', '.join(exact)} (counts, missing, min/max, mean/std, histograms, category "
        f"counts) | quartiles (sample of "
        f"{scale['quantile_sample']:,} per column, rank error "
        f"{scale['quantile_rank_error']:.2%}), distinct "
        f"counts past 100k (HLL ±{scale['hll_relative_error']:.1%}) | "
        f"{', '.join(sampled)} on {scale['sample_rows']:,} rows"
        + (f"; not measured: {', '.join(not_measured)}" if not_measured else "")
        + " |"
    )
    again = _timed(["profile", "--memory", args.memory, "--json"], folder)  # by split now
    by_split = json.loads(again["out"])
    sscale = saved.get("scale", {})
    print(
        f"| `yearn split --memory {args.memory}` | {saved['rows']:,} | {sscale.get('mode')} | "
        f"{split['wall']:.0f} s | {split['peak_mb']:,.0f} MB | {budget:,.0f} MB | every id "
        f"hashed, same assignment as in memory; sizes {saved['sizes']} | — | — |"
    )
    dup = next(c for c in by_split["checks"] if c["name"] == "duplicates")
    print(
        f"| `yearn profile --memory {args.memory}` after the split (by split) | "
        f"{by_split['n_rows']:,} | {by_split['scale']['mode']} | {again['wall']:.0f} s | "
        f"{again['peak_mb']:,.0f} MB | {budget:,.0f} MB | as above, per split "
        f"({', '.join(by_split['groups'])}); duplicates: {dup['message']} | as above | "
        f"on {by_split['scale']['sample_rows']:,} rows |"
    )
    under = max(profile["peak_mb"], split["peak_mb"], again["peak_mb"]) <= budget
    print(f"\nevery peak within the {args.memory} budget: {'yes' if under else 'NO'}")


if __name__ == "__main__":
    main()
