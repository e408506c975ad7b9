#!/usr/bin/env python3
"""Benchmark the rows API over a 1,000,000-row package, the way `make run` serves it.

    .venv/bin/python scripts/bench_api.py [--rebuild] [--duration 10] [--only a,b,...]

1. Writes the synthetic package (scripts/make_synthetic_package.py) to var/bench/package
   unless it is there already (--rebuild writes it again), and publishes it into
   var/bench/releases, timing that first publish (validation, store, every download, zip;
   later runs report the time recorded then; --rebuild-store publishes and times it again),
   and reports the SQLite store's size against the CSV's (target at most 2.5x).
2. Times publishing the shipped packages into an empty folder, then the start-up of
   `opendata serve` over them (process start to the first 200 on /api/v1/), then over
   100 published packages.
3. Starts `opendata serve --packages var/bench/package --port <free> --workers 2` on
   127.0.0.1 and measures with wrk at 32 connections (`wrk -t2 -c32 -d10s --latency`):
   (a) the first page; (b) a page with two equality filters (rotating over all 165
   municipality x channel pairs, after a 3 s first pass that counts each pair's total,
   reported on its own); (c) a page sorted on a number; (d) a page 5,000 pages
   deep, reached by following `next` 5,000 times; (e) a filtered rows.csv of about 10,000
   rows; then (f) full downloads (download.csv and unfiltered rows.csv) with curl, one at
   a time and four at once, in MB/s (10^6 bytes), and the growth of the server's resident
   memory (master and workers, from /proc) across those downloads. --no-cache serves with
   PAGE_CACHE_BYTES=0 and EXPORT_CACHE_BYTES=0, so every page and every filtered export is
   queried and rendered as if never asked before.

Prints a table (figure, target, measured, pass/fail) and writes it, with every raw
figure, to var/bench/results.json; exits 1 if a target is missed. Everything talks to
127.0.0.1 only, every step has a time limit, and the server is stopped on every way out
(its whole process group). wrk shares the machine's cores with the server; the share of
CPU other processes took during each run is recorded, since it moves the figures.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import csv
import io
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import make_synthetic_package as synthetic  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench"
PACKAGE_DIR = BENCH_DIR / "package"
RESULTS = BENCH_DIR / "results.json"
BUILD_RECORD = BENCH_DIR / "store-build.json"
SERVER_LOG = BENCH_DIR / "server.log"
RELEASES_DIR = BENCH_DIR / "releases"  # the bench's own, so `make run` never serves its package
OPENDATA = ROOT / ".venv" / "bin" / "opendata"
HOST = "127.0.0.1"
ROWS_PATH = f"/api/v1/datasets/{synthetic.PACKAGE_NAME}/resources/{synthetic.RESOURCE_NAME}"
DEEP_PAGES = 5000
SORT_FIELD = "count"
CSV_FILTER = "municipality_code=141305&fiscal_year__gte=2017"  # one city since FY2017: ~10,000 rows
MB = 1_000_000
TICK = os.sysconf("SC_CLK_TCK")

_servers: list[subprocess.Popen] = []


# -- results ------------------------------------------------------------------------


@dataclass
class Figure:
    key: str
    name: str
    target: str
    measured: float | None
    unit: str
    passed: bool | None  # None: for information, no target
    detail: dict[str, Any] = field(default_factory=dict)

    def measured_text(self) -> str:
        value = self.measured
        if value is None:
            return "n/a"
        if self.unit in ("req/s", "MB/s", "MB"):
            return f"{value:,.1f} {self.unit}"
        if self.unit in ("ms", "s"):
            return f"{value:,.2f} {self.unit}"
        if self.unit == "x":
            return f"{value:.2f}x"
        return f"{value:g} {self.unit}"


def print_table(figures: list[Figure]) -> None:
    rows = [("figure", "target", "measured", "result")]
    for f in figures:
        result = "info" if f.passed is None else ("PASS" if f.passed else "FAIL")
        rows.append((f.name, f.target or "-", f.measured_text(), result))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    print()
    for n, r in enumerate(rows):
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            print("-+-".join("-" * w for w in widths))
    print()


# -- processes ------------------------------------------------------------------------


def stop(process: subprocess.Popen) -> None:
    """Stop a server and every worker it forked (its own process group, started here)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # any worker left behind
    if process in _servers:
        _servers.remove(process)


def stop_all() -> None:
    for process in list(_servers):
        stop(process)


def on_signal(signum: int, _frame: Any) -> None:
    stop_all()
    sys.exit(128 + signum)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(
    packages: Path | None, port: int, workers: int, env: dict[str, str] | None = None, publish: bool = True
):
    """`opendata serve` as `make run` runs it; returns the process and the moment it started."""
    command = [str(OPENDATA), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    if not publish:
        command.append("--no-publish")
    if packages is not None:
        command[2:2] = ["--packages", str(packages)]
    with SERVER_LOG.open("ab") as log:
        log.write(f"\n==== {' '.join(command)}\n".encode())
        log.flush()
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    _servers.append(process)
    return process, started


def wait_ready(process: subprocess.Popen, base: str, started: float, timeout: float) -> float:
    """Seconds from `started` to the first 200 on /api/v1/."""
    while time.monotonic() < started + timeout:
        if process.poll() is not None:
            raise SystemExit(f"bench: the server exited with {process.returncode}; see {SERVER_LOG}")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.01)
    raise SystemExit(f"bench: the server did not answer within {timeout:.0f} s; see {SERVER_LOG}")


def server_pids(master: int) -> list[int]:
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(entry.name))
    return pids


def memory(master: int) -> dict[str, float]:
    """Memory of the master and its workers in MB: RSS, its anonymous and file parts, PSS.

    RSS also counts the pages of the query store SQLite maps into memory (file backed,
    shared by the workers, reclaimable); RssAnon is the processes' own heap and stacks.
    """
    totals = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0, "Pss": 0}
    pids = server_pids(master)
    for pid in pids:
        for name, keys in (("status", ("VmRSS", "RssAnon", "RssFile")), ("smaps_rollup", ("Pss",))):
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                    key = line.split(":", 1)[0]
                    if key in keys:
                        totals[key] += int(line.split()[1])
    return {
        "rss_mb": totals["VmRSS"] * 1024 / MB,
        "rss_anon_mb": totals["RssAnon"] * 1024 / MB,
        "rss_file_mb": totals["RssFile"] * 1024 / MB,
        "pss_mb": totals["Pss"] * 1024 / MB,
        "processes": len(pids),
    }


def server_ticks(master: int) -> int:
    total = 0
    for pid in server_pids(master):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]) - idle, sum(values[:8])


def settle(master: int, limit: float = 60) -> float:
    """Wait until the server is idle (requests wrk gave up on may still be running)."""
    started = time.monotonic()
    quiet, before = 0, server_ticks(master)
    while time.monotonic() - started < limit and quiet < 2:
        time.sleep(0.25)
        now = server_ticks(master)
        quiet = quiet + 1 if (now - before) / TICK < 0.25 * 0.05 else 0
        before = now
    return time.monotonic() - started


# -- HTTP helpers ---------------------------------------------------------------------


def get(url: str, timeout: float = 60, tries: int = 3) -> tuple[int, bytes]:
    """GET `url`; a 503 (a cold first query over QUERY_TIME_LIMIT just after a publish) is asked
    again after its Retry-After, as a client would, up to `tries` times."""
    for attempt in range(1, tries + 1):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            if error.code != 503 or attempt == tries:
                raise SystemExit(f"bench: {url} answered {error.code}: {error.read()[:300]!r}") from None
            time.sleep(float(error.headers.get("Retry-After") or 1))
    raise AssertionError("unreachable")


def get_json(url: str) -> dict[str, Any]:
    status, body = get(url)
    if status != 200:
        raise SystemExit(f"bench: {url} answered {status}")
    return json.loads(body)


# -- wrk ------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(text)
    return float(match[1]) * UNITS_MS[match[2]]


def run_wrk(
    url: str,
    args: argparse.Namespace,
    master: int,
    *,
    label: str,
    paths: list[str] | None = None,
    connections: int | None = None,
    duration: int | None = None,
) -> dict[str, Any]:
    """wrk against `url` (with `paths`, each request takes the next path in turn)."""
    settle(master)
    connections = connections or args.connections
    threads = min(args.threads, connections)
    duration = duration or args.duration
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    script = None
    if paths:
        script = BENCH_DIR / f"paths-{os.getpid()}.lua"
        entries = ",\n".join(json.dumps(p) for p in paths)
        script.write_text(
            "local paths = {\n" + entries + "\n}\nlocal i = 0\n"
            "request = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n"
        )
        command += ["-s", str(script)]
    command.append(url)
    print(f"  {label}: {' '.join(command)}", flush=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before, (busy_before, total_before) = server_ticks(master), machine_ticks()
    try:
        output = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 60, check=False
        ).stdout
    finally:
        if script:
            script.unlink(missing_ok=True)
    busy_after, total_after = machine_ticks()
    server_cpu = (server_ticks(master) - server_before) / TICK
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    elapsed = (total_after - total_before) / TICK / (os.cpu_count() or 1)
    busy = (busy_after - busy_before) / TICK

    result: dict[str, Any] = {"command": " ".join(command)}
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    result["rps"] = float(match[1]) if match else 0.0
    for percentile in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{percentile}(?:\.0+)?%\s+(\S+)", output, re.M)
        result[f"p{percentile}_ms"] = to_ms(match[1]) if match else None
    match = re.search(r"(\d+) requests in", output)
    result["requests"] = int(match[1]) if match else 0
    match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non_2xx"] = int(match[1]) if match else 0
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, match.groups()), strict=True))
        if match
        else {}
    )
    result["server_cpu_ms_per_request"] = (
        server_cpu * 1000 / result["requests"] if result["requests"] else None
    )
    result["cpu_share"] = {
        "server": server_cpu / max(elapsed, 1e-9),
        "wrk": wrk_cpu / max(elapsed, 1e-9),
        "other processes": max(0.0, busy - server_cpu - wrk_cpu) / max(elapsed, 1e-9),
        "of cores": os.cpu_count(),
    }
    if not result["requests"]:
        result["raw"] = output[-2000:]
    share = result["cpu_share"]
    summary = (
        f"{result['rps']:,.1f} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms; "
        f"CPU: server {share['server']:.2f}, wrk {share['wrk']:.2f}, "
        f"others {share['other processes']:.2f} cores"
    )
    errors = {k: v for k, v in result["socket_errors"].items() if v}
    if result["non_2xx"] or errors:
        summary += f"; non-2xx {result['non_2xx']}, socket errors {errors}"
    print(f"    -> {summary}", flush=True)
    return result


def clean(result: dict[str, Any]) -> bool:
    """Requests were made, none answered with an error and none timed out."""
    return result["requests"] > 0 and result["non_2xx"] == 0 and not result["socket_errors"].get("timeout")


# -- curl downloads -------------------------------------------------------------------


def downloads(url: str, parallel: int, rounds: int, timeout: float = 120) -> dict[str, Any]:
    """`rounds` batches of `parallel` simultaneous curl downloads; aggregate MB/s per batch."""
    speeds, sizes = [], set()
    command = ["curl", "-sS", "-o", "/dev/null", "--max-time", str(int(timeout))]
    command += ["-w", "%{http_code} %{size_download}", url]
    for _ in range(rounds):
        started = time.monotonic()
        processes = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(parallel)]
        total = 0
        for process in processes:
            out, _ = process.communicate(timeout=timeout + 10)
            code, size = out.split()
            if code != "200":
                raise SystemExit(f"bench: {url} answered {code}")
            total += int(size)
            sizes.add(int(size))
        speeds.append(total / MB / (time.monotonic() - started))
    return {"mb_per_s": speeds, "bytes": sorted(sizes), "parallel": parallel}


# -- the package ----------------------------------------------------------------------


def ensure_package(rows: int, rebuild: bool) -> None:
    descriptor = PACKAGE_DIR / "datapackage.json"
    if descriptor.exists() and not rebuild:
        meta = json.loads(descriptor.read_text(encoding="utf-8"))
        if f"{rows:,}行" in meta.get("description", ""):
            print(f"package: {PACKAGE_DIR} (cached; --rebuild writes it again)")
            return
    print(f"package: writing {rows:,} rows to {PACKAGE_DIR} ...", flush=True)
    if PACKAGE_DIR.exists():
        shutil.rmtree(PACKAGE_DIR)
    started = time.monotonic()
    script = ROOT / "scripts" / "make_synthetic_package.py"
    subprocess.run(
        [sys.executable, str(script), str(PACKAGE_DIR), "--rows", str(rows)], check=True, timeout=1800
    )
    print(f"package: written in {time.monotonic() - started:.1f} s")


def ensure_release(rebuild: bool) -> dict[str, Any]:
    """Publish the package into var/bench/releases if not yet published, timing it; else report
    the time recorded then (--rebuild-store removes its releases and publishes it again)."""
    from opendata.publish.pipeline import publish_package
    from opendata.publish.releases import list_releases

    name = synthetic.PACKAGE_NAME
    if rebuild:
        shutil.rmtree(RELEASES_DIR / name, ignore_errors=True)
    records = json.loads(BUILD_RECORD.read_text()) if BUILD_RECORD.exists() else {}
    print("publish: the 1M-row package ...", flush=True)
    started = time.monotonic()
    outcome = publish_package(PACKAGE_DIR, RELEASES_DIR)
    seconds = time.monotonic() - started
    if outcome.status == "invalid":
        raise SystemExit(f"bench: the synthetic package is invalid: {outcome.report}")
    release = list_releases(RELEASES_DIR, name)[0]
    store_mb = release.files.get("store.sqlite", {}).get("bytes", 0) / MB  # none: tables in PostgreSQL
    csv_mb = sum(entry["bytes"] for path, entry in release.files.items() if path.startswith("data/")) / MB
    facts = {"release": release.id, "mb": release.bytes / MB, "store_mb": store_mb, "csv_mb": csv_mb}
    # Timed when published afresh: the first time, or again after --rebuild-store removed it.
    if outcome.status == "published" and (rebuild or release.id not in records):
        records[release.id] = {"seconds": seconds, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        BUILD_RECORD.write_text(json.dumps(records, indent=2) + "\n")
        print(f"publish: {release.id} in {seconds:.1f} s ({release.bytes / MB:,.0f} MB on disk)")
        return {"seconds": seconds, "cached": False, **facts}
    record = records.get(release.id, {})
    first = f"{record['seconds']:.1f} s" if "seconds" in record else "not recorded"
    print(f"publish: {release.id} is current (unchanged check {seconds:.1f} s; first publish: {first})")
    return {**record, "cached": True, "unchanged_check_seconds": seconds, **facts}


# -- the benchmark --------------------------------------------------------------------


def measure_startup(args: argparse.Namespace, figures: list[Figure]) -> None:
    """Time publishing the shipped packages, then serving them, then serving 100 packages."""
    from opendata.catalog.loader import package_dirs
    from opendata.publish.pipeline import publish_package
    from opendata.publish.releases import list_releases

    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as scratch:
        releases = Path(scratch) / "releases"
        started = time.monotonic()
        names = [
            publish_package(d, releases, ROOT / "schemas").name for d in package_dirs(ROOT / "datapackages")
        ]
        seconds = time.monotonic() - started
        disk = sum(list_releases(releases, n)[0].bytes for n in names)
        print(f"publish: {len(names)} shipped packages in {seconds:.2f} s ({disk / MB:.1f} MB)", flush=True)
        figures.append(
            Figure("publish_shipped", "publish, shipped packages (first release)", "", seconds, "s", None)
        )
        figures.append(
            Figure("disk_shipped", "disk, one release of every shipped package", "", disk / MB, "MB", None)
        )
        ready = serve_and_time(releases, args)
        print(f"startup: shipped packages published, first 200 after {ready:.2f} s", flush=True)
        figures.append(
            Figure("startup_shipped", "startup, shipped packages (published)", "< 5 s", ready, "s", ready < 5)
        )
        many = Path(scratch) / "many"
        template = ROOT / "datapackages" / "dialogue-forum"
        for number in range(100):
            copy = Path(scratch) / "copies" / f"sample-{number:03d}"
            shutil.copytree(template, copy)
            descriptor = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
            descriptor["name"] = copy.name
            (copy / "datapackage.json").write_text(
                json.dumps(descriptor, ensure_ascii=False), encoding="utf-8"
            )
            publish_package(copy, many)
        ready = serve_and_time(many, args)
        print(f"startup: 100 published packages, first 200 after {ready:.2f} s", flush=True)
        figures.append(
            Figure("startup_100", "startup, 100 published packages", "< 2 s", ready, "s", ready < 2)
        )


def serve_and_time(releases: Path, args: argparse.Namespace) -> float:
    """Start-up of the server over already published releases: process start to first 200."""
    port = free_port()
    env = {"OPENDATA_RELEASES_DIR": str(releases)}
    process, started = start_server(None, port, args.workers, env, publish=False)
    try:
        return wait_ready(process, f"http://{HOST}:{port}", started, 120)
    finally:
        stop(process)


def deep_cursor(base: str, pages: int) -> tuple[str, float]:
    """Follow `next` from the first page `pages` times; returns the cursor and the walk's time."""
    started = time.monotonic()
    url = f"{base}{ROWS_PATH}/rows?limit=100"
    cursor = None
    for _ in range(pages):
        body = get_json(url if cursor is None else f"{url}&cursor={urllib.parse.quote(cursor)}")
        cursor = body["next"]
        if cursor is None:
            raise SystemExit(f"bench: the table ended before page {pages}")
        if time.monotonic() - started > 300:
            raise SystemExit("bench: walking the cursors took over 300 s")
    return cursor, time.monotonic() - started


def check_page(base: str, query: str, total: int | None = None) -> dict[str, Any]:
    body = get_json(f"{base}{ROWS_PATH}/rows?{query}")
    if len(body["rows"]) != 100:
        raise SystemExit(f"bench: rows?{query} returned {len(body['rows'])} rows, not 100")
    if total is not None and body["total"] != total:
        raise SystemExit(f"bench: rows?{query} has total {body['total']}, expected {total}")
    return body


def throughput(key: str, name: str, minimum: float, result: dict[str, Any]) -> Figure:
    return Figure(
        key,
        name,
        f">= {minimum:,.0f} req/s",
        result["rps"],
        "req/s",
        result["rps"] >= minimum and clean(result),
        result,
    )


def p99(key: str, name: str, result: dict[str, Any]) -> Figure:
    value = result["p99_ms"]
    return Figure(key, name, "< 50 ms", value, "ms", value is not None and value < 50)


def measure_api(args: argparse.Namespace, figures: list[Figure], rows: int) -> None:
    selected = set(args.only.split(",")) if args.only else set("abcdef")
    port = free_port()
    base = f"http://{HOST}:{port}"
    print(f"server: opendata serve --packages {PACKAGE_DIR} on {base}", flush=True)
    process, started = start_server(
        PACKAGE_DIR, port, args.workers, {"OPENDATA_RELEASES_DIR": str(RELEASES_DIR)}
    )
    master = process.pid
    try:
        seconds = wait_ready(process, base, started, 900)
        note = "published; serve checks the package is unchanged"
        print(f"  ready after {seconds:.2f} s ({note})", flush=True)
        figures.append(Figure("startup_1m", f"startup, 1M-row package ({note})", "", seconds, "s", None))
        for _ in range(args.workers * 4):  # every worker opens the store before anything is measured
            get(f"{base}{ROWS_PATH}/rows?limit=1")
        memory_start = memory(master)
        results: dict[str, dict[str, Any]] = {}

        if selected & {"a", "d"}:
            check_page(base, "limit=100", rows)
            a = results["a"] = run_wrk(
                f"{base}{ROWS_PATH}/rows?limit=100", args, master, label="(a) first page"
            )
            figures.append(throughput("a_rps", "(a) first page, 100 rows + total", 1200, a))
            figures.append(p99("a_p99", "(a) first page: p99 latency", a))

        if "b" in selected:
            paths = [
                f"{ROWS_PATH}/rows?municipality_code={code}&channel={urllib.parse.quote(channel)}&limit=100"
                for code, _ in synthetic.MUNICIPALITIES
                for channel in synthetic.CHANNELS
            ]
            expected = rows // len(paths)
            body = check_page(base, paths[0].split("?", 1)[1])
            if abs(body["total"] - expected) > expected * 0.1:
                raise SystemExit(f"bench: (b) total {body['total']}, expected about {expected}")
            # Each pair's total is counted once per worker, then comes from the count cache
            # (data never changes under a version). The first pass shows what uncached counts
            # cost; the measured run is what any pair asked for again costs.
            cold = run_wrk(
                base,
                args,
                master,
                paths=paths,
                duration=3,
                label=f"(b) first pass over {len(paths)} new pairs",
            )
            figures.append(
                Figure(
                    "b_first_pass_rps",
                    "(b) first 3 s, totals not yet counted: throughput",
                    "",
                    cold["rps"],
                    "req/s",
                    None,
                    cold,
                )
            )
            figures.append(
                Figure("b_first_pass_p99", "(b) first 3 s: p99 latency", "", cold["p99_ms"], "ms", None)
            )
            b = results["b"] = run_wrk(
                base, args, master, paths=paths, label=f"(b) 2 filters, {len(paths)} pairs"
            )
            b["total_of_first_pair"] = body["total"]
            figures.append(throughput("b_rps", "(b) page with 2 equality filters + total", 1200, b))
            figures.append(p99("b_p99", "(b) filtered page: p99 latency", b))

        if "c" in selected:
            url = f"{base}{ROWS_PATH}/rows?sort=-{SORT_FIELD}&limit=100"
            check_page(base, f"sort=-{SORT_FIELD}&limit=100", rows)
            c = results["c"] = run_wrk(url, args, master, label="(c) sorted page")
            figures.append(throughput("c_rps", f"(c) page sorted by -{SORT_FIELD}", 800, c))

        if "d" in selected:
            print(f"  (d) following `next` for {DEEP_PAGES:,} pages ...", flush=True)
            cursor, walk = deep_cursor(base, DEEP_PAGES)
            print(f"    -> walked in {walk:.1f} s ({DEEP_PAGES / walk:,.0f} pages/s, one client)", flush=True)
            query = f"limit=100&cursor={urllib.parse.quote(cursor)}"
            check_page(base, query, rows)
            d = results["d"] = run_wrk(
                f"{base}{ROWS_PATH}/rows?{query}", args, master, label="(d) page 5,000 deep"
            )
            d["walk_seconds"] = walk
            a = results["a"]
            for stat in ("p50", "p99"):
                ratio = d[f"{stat}_ms"] / a[f"{stat}_ms"]
                figures.append(
                    Figure(
                        f"d_{stat}_ratio",
                        f"(d) page 5,000 deep: {stat} latency / (a)'s",
                        "<= 1.5x",
                        ratio,
                        "x",
                        ratio <= 1.5 and clean(d),
                        {"a_ms": a[f"{stat}_ms"], "d_ms": d[f"{stat}_ms"]},
                    )
                )
            figures.append(Figure("d_rps", "(d) page 5,000 deep: throughput", "", d["rps"], "req/s", None, d))
            # The same comparison without queueing: one connection, one request at a time.
            single = {}
            for key, url in (
                ("a", f"{base}{ROWS_PATH}/rows?limit=100"),
                ("d", f"{base}{ROWS_PATH}/rows?{query}"),
            ):
                single[key] = run_wrk(url, args, master, label=f"({key}) one connection", connections=1)
            ratio = single["d"]["p50_ms"] / single["a"]["p50_ms"]
            figures.append(
                Figure(
                    "d_single_p50_ratio",
                    "(d) one connection: p50 latency / (a)'s",
                    "<= 1.5x",
                    ratio,
                    "x",
                    ratio <= 1.5,
                    {"a": single["a"], "d": single["d"]},
                )
            )

        if "e" in selected:
            _, body = get(f"{base}{ROWS_PATH}/rows.csv?{CSV_FILTER}")
            count = len(list(csv.reader(io.StringIO(body.decode("utf-8"))))) - 1
            print(f"  (e) rows.csv?{CSV_FILTER}: {count:,} rows, {len(body) / MB:.2f} MB", flush=True)
            if not 8_000 <= count <= 12_000:
                raise SystemExit(f"bench: (e) returned {count} rows, not about 10,000")
            url = f"{base}{ROWS_PATH}/rows.csv?{CSV_FILTER}"
            e = results["e"] = run_wrk(url, args, master, label="(e) filtered CSV")
            e.update(rows=count, bytes=len(body))
            figures.append(throughput("e_rps", f"(e) rows.csv of {count:,} filtered rows", 100, e))

        if "f" in selected:
            settle(master)
            before = memory(master)
            detail: dict[str, Any] = {"memory_before": before}
            for name, path in (("download.csv", "download.csv"), ("rows.csv, no filter", "rows.csv")):
                url = f"{base}{ROWS_PATH}/{path}"
                one = downloads(url, 1, 3)
                four = downloads(url, 4, 2)
                size = one["bytes"][0]
                one_text = ", ".join(f"{s:,.0f}" for s in one["mb_per_s"])
                four_text = ", ".join(f"{s:,.0f}" for s in four["mb_per_s"])
                print(f"  (f) {name}: {size / MB:,.1f} MB; 1 client {one_text}; 4 clients {four_text} MB/s")
                detail[name] = {"one": one, "four": four}
                key = path.replace(".", "_")
                for label, runs in (
                    ("one client, slowest of 3", one),
                    ("4 clients at once, slowest of 2", four),
                ):
                    slowest = min(runs["mb_per_s"])
                    figures.append(
                        Figure(
                            f"f_{key}_{runs['parallel']}",
                            f"(f) {name}, {size / MB:,.0f} MB: {label}",
                            ">= 500 MB/s",
                            slowest,
                            "MB/s",
                            slowest >= 500,
                            runs,
                        )
                    )
            settle(master)
            after = memory(master)
            detail["memory_after"] = after
            growth = after["rss_mb"] - before["rss_mb"]
            print(
                f"  (f) server RSS {before['rss_mb']:.1f} -> {after['rss_mb']:.1f} MB "
                f"(anonymous {before['rss_anon_mb']:.1f} -> {after['rss_anon_mb']:.1f} MB)",
                flush=True,
            )
            figures.append(
                Figure(
                    "f_memory",
                    "(f) server RSS growth over the downloads",
                    "< 50 MB",
                    growth,
                    "MB",
                    growth < 50,
                    detail,
                )
            )

        end = memory(master)
        for kind, key in (("RSS", "rss_mb"), ("anonymous RSS", "rss_anon_mb")):
            figures.append(
                Figure(
                    f"whole_run_{key}",
                    f"server {kind}, start -> end of the run ({memory_start[key]:.0f} -> {end[key]:.0f} MB)",
                    "",
                    end[key] - memory_start[key],
                    "MB",
                    None,
                    {"start": memory_start, "end": end},
                )
            )
    finally:
        stop(process)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the synthetic package")
    parser.add_argument("--rebuild", action="store_true", help="write the synthetic package again")
    parser.add_argument(
        "--rebuild-store", action="store_true", help="publish it again from scratch, to time a first publish"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, as `make run` (default 2)")
    parser.add_argument("--only", help="comma-separated subset of a,b,c,d,e,f (default all)")
    parser.add_argument(
        "--skip-startup", action="store_true", help="do not time the shipped packages' start-up"
    )
    parser.add_argument(
        "--no-cache",
        "--no-page-cache",
        dest="no_cache",
        action="store_true",
        help="serve with PAGE_CACHE_BYTES=0 and EXPORT_CACHE_BYTES=0: every page and export is queried "
        "and rendered, as one never asked before",
    )
    args = parser.parse_args(argv)
    if args.no_cache:
        os.environ["OPENDATA_PAGE_CACHE_BYTES"] = "0"  # the servers started below inherit it
        os.environ["OPENDATA_EXPORT_CACHE_BYTES"] = "0"
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be 1-120 seconds")
    if args.rows < 100_000:
        parser.error("--rows must be at least 100000 (the deep page is 5,000 pages of 100 rows)")
    if shutil.which("wrk") is None:
        print(
            "bench: wrk is not installed; it drives the load. Install it (Debian/Ubuntu: "
            "`sudo apt-get install wrk`) and run again.",
            file=sys.stderr,
        )
        return 2
    if shutil.which("curl") is None:
        print("bench: curl is not installed (Debian/Ubuntu: `sudo apt-get install curl`).", file=sys.stderr)
        return 2
    if not OPENDATA.exists():
        print(f"bench: {OPENDATA} is missing; run `make install` first.", file=sys.stderr)
        return 2
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    SERVER_LOG.write_bytes(b"")

    figures: list[Figure] = []
    ensure_package(args.rows, args.rebuild)
    build = ensure_release(args.rebuild_store)
    label = "first publish" + (", recorded earlier" if build["cached"] else "")
    figures.append(
        Figure(
            "publish_1m",
            f"1M-row package: {label} ({build['mb']:,.0f} MB on disk, store {build['store_mb']:,.0f} MB)",
            "",
            build.get("seconds"),
            "s",
            None,
            build,
        )
    )
    if build["store_mb"]:
        ratio = build["store_mb"] / build["csv_mb"]
        figures.append(
            Figure(
                "store_ratio", "1M-row package: SQLite store / its CSV", "<= 2.5x", ratio, "x", ratio <= 2.5
            )
        )
    if not args.skip_startup:
        measure_startup(args, figures)
    measure_api(args, figures, args.rows)

    return 0 if report(RESULTS, figures, args) else 1


def report(path: Path, figures: list[Figure], args: argparse.Namespace, **extra: Any) -> bool:
    """Print the table, write it with every raw figure to `path`; True if every target was met."""
    print_table(figures)
    body = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": vars(args),
        **extra,
        "figures": [asdict(f) for f in figures],
        "passed": all(f.passed for f in figures if f.passed is not None),
    }
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    print(f"results: {path}")
    return body["passed"]


if __name__ == "__main__":
    sys.exit(main())
