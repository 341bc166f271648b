"""Benchmark group ``web``: ``aralnexus serve`` under load on loopback while a run executes.

Starts the real server (the ``aralnexus serve`` command, in its own process) on 127.0.0.1 with a
store holding two sample runs, queues the default 2025–2035 run, then drives ``CLIENTS``
concurrent keep-alive clients over the read pages for ``DURATION_S`` seconds (a bounded load that
stops by itself). Prints requests/s, p95 latency and errors, overall and per page; target p95 ≤
300 ms with zero errors. Latency depends on what else the machine runs, so the server's own CPU
time per request and the load average are printed beside it. Then fills the run queue and checks
that one more run is answered 429 with a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import psutil

CLIENTS = int(os.environ.get("WEB_BENCH_CLIENTS", "50"))
DURATION_S = float(os.environ.get("WEB_BENCH_DURATION_S", "30"))
TARGET_P95_MS = 300.0
MAX_QUEUE = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sample_store(path: Path) -> tuple[str, str]:
    from aralnexus.store import open_store
    from aralnexus.testing.sample import sample_metrics, sample_record, sample_results, sample_trade

    store = open_store(path)
    ra, rb = sample_results(), sample_results(seed=3)
    a = store.save_run(sample_record("baseline").finished(), ra, sample_metrics(ra), sample_trade())
    b = store.save_run(sample_record("variant", seed=43).finished(), rb, sample_metrics(rb), sample_trade())
    return a, b


def _start_server(store: Path, scenarios: Path, port: int) -> subprocess.Popen[bytes]:
    code = "import sys; from aralnexus.cli.app import main; sys.argv[0] = 'aralnexus'; main()"
    args = ["serve", "--store", str(store), "--scenarios", str(scenarios), "--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args, "--max-queue", str(MAX_QUEUE)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).text == "ok":
                return process
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start within 60 s")


def _token(client: httpx.Client) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/run?source=default").text)
    assert match, "no page token"
    return match.group(1)


def _queue_run(client: httpx.Client, token: str, **options: str) -> httpx.Response:
    return client.post("/jobs", data={"csrf_token": token, "source": "default", **options}, follow_redirects=False)


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str) -> int:
    """One keep-alive HTTP/1.1 GET on an open connection; return the status (the body is read and dropped).

    A minimal client, so that the load generator spends little CPU of its own (httpx costs ~3.6 ms a
    request here, more than the server).
    """
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length, chunked = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value:
            chunked = True
    if not chunked:
        await reader.readexactly(length)
        return status
    while (size := int((await reader.readline()).strip(), 16)) > 0:
        await reader.readexactly(size + 2)
    await reader.readline()
    return status


async def _load(port: int, pages: list[str]) -> tuple[dict[str, list[float]], dict[str, int], float]:
    """Drive ``CLIENTS`` clients over ``pages`` for ``DURATION_S``; return latencies and errors per page, time."""
    latencies: dict[str, list[float]] = {p: [] for p in pages}
    errors: dict[str, int] = dict.fromkeys(pages, 0)
    host = f"127.0.0.1:{port}"
    start = time.perf_counter()
    stop = start + DURATION_S

    async def one_client(offset: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = offset
        try:
            while time.perf_counter() < stop:
                page = pages[i % len(pages)]
                i += 1
                t0 = time.perf_counter()
                try:
                    ok = await _get(reader, writer, host, page) == 200
                except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                    ok = False
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                latencies[page].append(time.perf_counter() - t0)
                errors[page] += 0 if ok else 1
        finally:
            writer.close()

    await asyncio.gather(*(one_client(k) for k in range(CLIENTS)))
    return latencies, errors, time.perf_counter() - start


def _p95_ms(values: list[float]) -> float:
    return float(np.percentile(np.asarray(values), 95) * 1000.0) if values else float("nan")


def run() -> list[dict[str, object]]:
    """Run the load and the full-queue check; return one case per line."""
    with tempfile.TemporaryDirectory(prefix="aralnexus-bench-web-") as tmp:
        folder = Path(tmp)
        a, b = _sample_store(folder / "runs.duckdb")
        port = _free_port()
        server = _start_server(folder / "runs.duckdb", folder / "scenarios", port)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=30.0) as client:
                token = _token(client)
                queued = _queue_run(client, token)
                job_url = queued.headers.get("location", "")
                pages = [
                    "/scenarios",
                    "/runs",
                    f"/runs/{a}",
                    f"/runs/{b}",
                    f"/compare?a={a}&b={b}",
                    "/jobs",
                    "/scenarios/examples/rogun_fast.yaml",
                    "/static/app.css",
                ]
                for page in pages:  # warm once (first renders fill the page cache)
                    client.get(page)
                state_before = client.get("/api" + job_url).json()["state"]
                cpu = psutil.Process(server.pid)
                cpu_before = sum(cpu.cpu_times()[:2])
                client_before = time.process_time()
                latencies, page_errors, elapsed = asyncio.run(_load(port, pages))
                client_cpu_s = time.process_time() - client_before
                server_cpu_s = sum(cpu.cpu_times()[:2]) - cpu_before
                load_1min = os.getloadavg()[0]
                state_after = client.get("/api" + job_url).json()["state"]
                everything = [x for v in latencies.values() for x in v]
                count, errors = len(everything), sum(page_errors.values())
                p95 = _p95_ms(everything)
                cases: list[dict[str, object]] = [
                    {
                        "case": "read-pages-during-run",
                        "clients": CLIENTS,
                        "duration_s": round(elapsed, 1),
                        "requests": count,
                        "requests_s": count / elapsed,
                        "p95_ms": p95,
                        "p50_ms": float(np.percentile(everything, 50) * 1000.0),
                        "errors": errors,
                        "target_p95_ms": TARGET_P95_MS,
                        "met": bool(p95 <= TARGET_P95_MS and errors == 0),
                        "run_state": f"{state_before}->{state_after}",
                        "server_cpu_ms_per_request": 1000.0 * server_cpu_s / max(count, 1),
                        "client_cpu_ms_per_request": 1000.0 * client_cpu_s / max(count, 1),
                        "load_avg_1min": load_1min,
                        "cores": os.cpu_count() or 0,
                    }
                ]
                for page, values in latencies.items():
                    name = re.sub(r"[0-9a-f]{12,}", "ID", page).strip("/").replace("/", "-").split("?")[0] or "home"
                    cases.append(
                        {
                            "case": f"page-{name}",
                            "requests": len(values),
                            "p95_ms": _p95_ms(values),
                            "errors": page_errors[page],
                        }
                    )
                # Fill the queue: the running job holds the worker, MAX_QUEUE more wait, the next is refused.
                codes = [_queue_run(client, token).status_code for _ in range(MAX_QUEUE + 1)]
                refused = _queue_run(client, token)
                cases.append(
                    {
                        "case": "queue-full",
                        "status": refused.status_code,
                        "message": "queue is full" in refused.text,
                        "accepted_before": sum(c == 303 for c in codes),
                        "retry_after": refused.headers.get("retry-after", ""),
                    }
                )
                return cases
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
