"""Serving throughput and latency: micro-batching vs one request, one inference.

Trains and exports the tabular demo model once (``yearn demo --tabular``; cached in
``--work``), then for each server mode starts ``yearn serve`` on loopback in its own process
and drives it with an asyncio load generator (keep-alive HTTP/1.1 on raw streams: an HTTP
library in the client costs more CPU than the server's work and would be what is measured)
at 1, 16 and 64 concurrent clients, each sending one row per request: ``--warmup`` seconds
not counted (steady state, not start-up), then ``--seconds`` (or ``--max-requests``) counted.
Reports req/s, p50 and p99 latency (client side, ms), the CPU time per request of the server
and of the load generator itself (from /proc and ``time.process_time``: independent of what
else the machine runs), the mean micro-batch and the rows per request-log write, as a
Markdown table (and ``--json``), with the load average at the start and the end.

    python bench/serve.py                       # the table in bench/README.md
    python bench/serve.py --seconds 3 --clients 1 16   # quicker

Modes: ``plain`` (--max-batch 1 --max-wait-ms 0: one request, one inference),
``batched`` (--max-batch 64 --max-wait-ms 5), both without the request log, and the
request log's two sync modes: ``batched+log:process`` (the default server: every answer
waits for its batch's segment to be written and handed to the OS; fsync in the background
every second) and ``batched+log:machine`` (``--log-sync machine``: every answer waits for
its segment and the folder to be fsynced). The batches finished during one write share the
next.
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
    "batched+log:process": ["--max-batch", "64", "--max-wait-ms", "5", "--log-sync", "process"],
    "batched+log:machine": ["--max-batch", "64", "--max-wait-ms", "5", "--log-sync", "machine"],
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
        if "+log" in mode:
            args += ["--project", str(work / "log-project")]
        self.out = (work / f"server-{mode.replace(':', '-')}.out").open("wb")
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

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
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

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        return await self.request("POST", path, body)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def load(
    server: Server,
    bodies: list[bytes],
    clients: int,
    seconds: float,
    max_requests: int,
    warmup: float = 1.0,
) -> dict:
    """``clients`` connections posting one row each: ``warmup`` seconds not counted, then
    until ``seconds`` or ``max_requests`` are spent. The server's counters and CPU time and
    this process's CPU time are read at the start and end of the counted window."""
    latencies: list[float] = []
    errors = 0
    conns = [Connection(server.port) for _ in range(clients)]
    for k, conn in enumerate(conns):  # connect (not counted)
        await conn.post("/predict", bodies[k % len(bodies)])

    async def snapshot() -> dict:
        side = Connection(server.port)  # a fresh one: an idle one times out between reads
        _, health = await side.request("GET", "/health")
        side.close()
        return {**json.loads(health), "cpu": server.cpu_seconds(), "me": time.process_time()}

    start = time.perf_counter() + warmup
    deadline = start + seconds
    measured = 0

    async def worker(w: int) -> None:
        nonlocal errors, measured
        k = 0
        while (now := time.perf_counter()) < deadline and measured < max_requests:
            counted = now >= start
            measured += counted
            status, _ = await conns[w].post("/predict", bodies[(k * 7 + w) % len(bodies)])
            k += 1
            if counted:
                latencies.append((time.perf_counter() - now) * 1000)
                errors += status != 200

    async def window() -> tuple[dict, dict, float]:
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        first = await snapshot()
        began = time.perf_counter()
        await asyncio.gather(*tasks)
        return first, await snapshot(), time.perf_counter() - began

    tasks = [asyncio.ensure_future(worker(w)) for w in range(clients)]
    first, last, elapsed = await window()
    for conn in conns:
        conn.close()
    lat = np.array(latencies)
    n = len(lat)
    batches = last["batches"] - first["batches"]
    writes = last.get("log_writes", 0) - first.get("log_writes", 0)
    return {
        "clients": clients,
        "requests": n,
        "errors": errors,
        "seconds": round(elapsed, 2),
        "req_per_s": round(n / elapsed, 1),
        "p50_ms": round(float(np.percentile(lat, 50)), 2),
        "p99_ms": round(float(np.percentile(lat, 99)), 2),
        "server_cpu_ms_per_req": round(1000 * (last["cpu"] - first["cpu"]) / n, 3),
        "client_cpu_ms_per_req": round(1000 * (last["me"] - first["me"]) / n, 3),
        "mean_batch": round((last["rows"] - first["rows"]) / max(batches, 1), 1),
        "rows_per_log_write": round((last["rows"] - first["rows"]) / writes, 1) if writes else None,
    }


def _loads() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / ".serve-work")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 16, 64])
    ap.add_argument("--seconds", type=float, default=8.0, help="Counted seconds per level.")
    ap.add_argument("--warmup", type=float, default=1.0, help="Uncounted seconds per level.")
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    ap.add_argument("--json", type=Path, help="Also write the rows as JSON here.")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    export, rows = prepare(args.work)
    bodies = [json.dumps(r).encode() for r in rows]
    results = []
    began = _loads()
    for mode in args.modes:
        server = Server(export, mode, args.work)
        try:
            for clients in args.clients:
                row = asyncio.run(
                    load(server, bodies, clients, args.seconds, args.max_requests, args.warmup)
                )
                row["mode"] = mode
                results.append(row)
                print(f"{mode:20s} {clients:3d} clients: {row['req_per_s']:8.1f} req/s  "
                      f"p50 {row['p50_ms']:7.2f} ms  p99 {row['p99_ms']:7.2f} ms  "
                      f"CPU ms/req server {row['server_cpu_ms_per_req']:.3f} "
                      f"client {row['client_cpu_ms_per_req']:.3f}, "
                      f"mean batch {row['mean_batch']} "
                      f"({row['requests']} requests, {row['errors']} errors; "
                      f"load {_loads()})", flush=True)  # fmt: skip
        finally:
            server.stop()
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
          f"load average (1/5/15 min) {began} at the start, {_loads()} at the end; "
          f"model {export.name}; {args.warmup:g} s warm-up + {args.seconds:g} s counted "
          "per level\n")  # fmt: skip
    print("| mode | clients | requests | req/s | p50 ms | p99 ms | server CPU ms/req "
          "| client CPU ms/req | mean batch | rows per log write | errors |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['mode']} | {r['clients']} | {r['requests']} | {r['req_per_s']} | "
              f"{r['p50_ms']} | {r['p99_ms']} | {r['server_cpu_ms_per_req']} | "
              f"{r['client_cpu_ms_per_req']} | {r['mean_batch']} | "
              f"{r['rows_per_log_write'] or '–'} | {r['errors']} |")  # fmt: skip
    plain = {r["clients"]: r["req_per_s"] for r in results if r["mode"] == "plain"}
    print()
    for r in results:
        if r["mode"] != "plain" and r["clients"] in plain:
            goal = ""
            if r["clients"] == 64:
                ratio_ok = r["req_per_s"] >= 3 * plain[64]
                goal = (f" (goal >= 3x: {'met' if ratio_ok else 'NOT met'}; "
                        f"p99 {r['p99_ms']} ms, goal <= 50: "
                        f"{'met' if r['p99_ms'] <= 50 else 'NOT met'})")  # fmt: skip
            print(f"- {r['mode']} / plain at {r['clients']} clients: "
                  f"{r['req_per_s'] / plain[r['clients']]:.2f}x{goal}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
