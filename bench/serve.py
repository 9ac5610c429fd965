"""Serving throughput and latency: micro-batching vs one request, one inference.

Trains and exports the tabular demo model once (``yearn demo --tabular``; cached in
``--work``), then for each server mode starts ``yearn serve`` on loopback in its own process
and drives it with an asyncio load generator (keep-alive HTTP/1.1 on raw streams: an HTTP
library in the client costs more CPU than the server's work and would be what is measured)
at 1, 16 and 64 concurrent clients, each sending one row per request, bounded by
``--seconds`` and ``--max-requests`` per level.
Reports req/s, p50 and p99 latency (client side, ms) and the server's CPU time per request
(from /proc: independent of what else the machine runs) as a Markdown table (and ``--json``).

    python bench/serve.py                       # the table in bench/README.md
    python bench/serve.py --seconds 3 --clients 1 16   # quicker

Modes: ``plain`` (--max-batch 1 --max-wait-ms 0: one request, one inference),
``batched`` (--max-batch 64 --max-wait-ms 5), both without the request log, and
``batched+log`` (the default server: every batch fsynced to the request log before answering).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
YEARN = [sys.executable, "-c", "from yearn.cli import main; main()"]
MODES = {
    "plain": ["--max-batch", "1", "--max-wait-ms", "0", "--no-log"],
    "batched": ["--max-batch", "64", "--max-wait-ms", "5", "--no-log"],
    "batched+log": ["--max-batch", "64", "--max-wait-ms", "5"],
}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}


def _yearn(*args: str) -> str:
    done = subprocess.run([*YEARN, *args], env=_env(), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"yearn {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(work: Path) -> tuple[Path, list[dict]]:
    """The exported tabular demo model and 200 of its rows as request bodies."""
    project = work / "tabular-demo"
    exports = project / ".yearn" / "exports"
    if not exports.is_dir() or not any(exports.iterdir()):
        _yearn("demo", "--tabular", "--no-run", "--dir", str(project), "--force")
        _yearn("split", "--project", str(project))
        _yearn("train", "--project", str(project), "--epochs", "5")
        _yearn("export", "--project", str(project))
    export = sorted(exports.iterdir())[-1]
    meta = json.loads((export / "metadata.json").read_text())
    names = [c["name"] for c in meta["schema"]["columns"]]
    tables = [pd.read_csv(p) for p in sorted(project.glob("data/*.csv"))]
    frame = pd.concat(tables, ignore_index=True)[names].head(200)
    rows = json.loads(frame.to_json(orient="records"))
    return export, rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, export: Path, mode: str, work: Path) -> None:
        self.port = _free_port()
        args = ["serve", "--model", str(export), "--port", str(self.port), *MODES[mode]]
        if mode.endswith("+log"):
            args += ["--project", str(work / "log-project")]
        self.out = (work / f"server-{mode}.out").open("wb")
        self.proc = subprocess.Popen(
            [*YEARN, *args], env=_env(), stdout=self.out, stderr=subprocess.STDOUT
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            if self.proc.poll() is not None:
                sys.exit(f"server {mode} exited: see {self.out.name}")
            try:
                httpx.get(f"{self.url}/health", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        sys.exit(f"server {mode} did not start")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux /proc)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()


class Connection:
    """One keep-alive HTTP/1.1 connection on raw asyncio streams: a load generator much
    lighter than an HTTP library, so the server, not the client, is what gets measured."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def load(port: int, bodies: list[bytes], clients: int, seconds: float, max_requests: int):
    """``clients`` connections posting one row each until the time or count budget is spent."""
    latencies: list[float] = []
    errors = 0
    conns = [Connection(port) for _ in range(clients)]
    for k, conn in enumerate(conns):  # warm-up (connect), not counted
        await conn.post("/predict", bodies[k % len(bodies)])
    deadline = time.perf_counter() + seconds
    counter = iter(range(max_requests))

    async def worker(w: int) -> None:
        nonlocal errors
        for k in counter:
            if time.perf_counter() > deadline:
                return
            start = time.perf_counter()
            status, _ = await conns[w].post("/predict", bodies[(k * 7 + w) % len(bodies)])
            latencies.append((time.perf_counter() - start) * 1000)
            errors += status != 200

    began = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(clients)))
    elapsed = time.perf_counter() - began
    for conn in conns:
        conn.close()
    lat = np.array(latencies)
    return {
        "clients": clients,
        "requests": len(lat),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "req_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(float(np.percentile(lat, 50)), 2),
        "p99_ms": round(float(np.percentile(lat, 99)), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / ".serve-work")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 16, 64])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--max-requests", type=int, default=20000)
    ap.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    ap.add_argument("--json", type=Path, help="Also write the rows as JSON here.")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    export, rows = prepare(args.work)
    bodies = [json.dumps(r).encode() for r in rows]
    results = []
    for mode in args.modes:
        server = Server(export, mode, args.work)
        try:
            for clients in args.clients:
                cpu = server.cpu_seconds()
                before = httpx.get(f"{server.url}/health").json()
                row = asyncio.run(
                    load(server.port, bodies, clients, args.seconds, args.max_requests)
                )
                after = httpx.get(f"{server.url}/health").json()
                row["mode"] = mode
                batches = after["batches"] - before["batches"]
                row["mean_batch"] = round((after["rows"] - before["rows"]) / max(batches, 1), 1)
                # server CPU per answered request (includes the 20 warm-up requests)
                used = server.cpu_seconds() - cpu
                warm = clients  # one warm-up request per connection
                row["server_cpu_ms_per_req"] = round(1000 * used / (row["requests"] + warm), 2)
                results.append(row)
                print(f"{mode:12s} {clients:3d} clients: {row['req_per_s']:8.1f} req/s  "
                      f"p50 {row['p50_ms']:7.2f} ms  p99 {row['p99_ms']:7.2f} ms  "
                      f"server CPU {row['server_cpu_ms_per_req']:.2f} ms/req, "
                      f"mean batch {row['mean_batch']} "
                      f"({row['requests']} requests, {row['errors']} errors)",
                      flush=True)  # fmt: skip
        finally:
            server.stop()
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs "
          f"(load average {os.getloadavg()[0]:.1f}); model {export.name}\n")  # fmt: skip
    print("| mode | clients | requests | req/s | p50 ms | p99 ms | server CPU ms/req | mean batch "
          "| errors |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['mode']} | {r['clients']} | {r['requests']} | {r['req_per_s']} | "
              f"{r['p50_ms']} | {r['p99_ms']} | {r['server_cpu_ms_per_req']} | "
              f"{r['mean_batch']} | {r['errors']} |")  # fmt: skip
    plain = {r["clients"]: r["req_per_s"] for r in results if r["mode"] == "plain"}
    for r in results:
        if r["mode"] != "plain" and r["clients"] in plain:
            print(f"{r['mode']} / plain at {r['clients']} clients: "
                  f"{r['req_per_s'] / plain[r['clients']]:.2f}x")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
