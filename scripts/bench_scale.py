#!/usr/bin/env python3
"""Benchmark the several-node deployment and the scale of the rows API.

    .venv/bin/python scripts/bench_scale.py cache [--duration 10]
    .venv/bin/python scripts/bench_scale.py publish --rows 10000000
    .venv/bin/python scripts/bench_scale.py workloads [--sizes 1000000,10000000] [--duration 10]

`cache` (a): starts scripts/cluster/start.sh (2 nodes) over the shipped packages and measures
with wrk, side by side, a hot immutable release URL through nginx's cache and the same bytes
as a static file served by an nginx of its own; the nodes' access logs must not grow.

`publish` (b): writes the synthetic package (scripts/make_synthetic_package.py --age-groups,
named synthetic-<rows>) into var/bench-scale/ and publishes it with `opendata publish` into
var/bench-scale/releases-<backend> and, when OPENDATA_DATABASE_URL is set, PostgreSQL: its time, the
release folder's size and the size of the PostgreSQL schemas the publish created. Long and
CPU-heavy at 10M rows: run it once, in the background (nohup setsid ... &).

`workloads` (b, c): serves the published sizes with one node of the cluster's kind
(`opendata serve --no-publish`, 2 workers, PAGE_CACHE_BYTES=0 and EXPORT_CACHE_BYTES=0 so
every request runs its query) and runs wrk at 32 connections per size: the
first page, a filtered page with its total (165 municipality x channel pairs), a sorted
page and a keyset page 5,000 pages deep (--deep-pages); p99, req/s and, from /proc, the CPU time per
request of the node's gunicorn processes and of the PostgreSQL backends serving the
node (its connections carry an application_name of their own). The cost ratio of each size
to the first is reported against 1.5x.

Figures go to var/bench-scale/results.json (one key per section, each with the time it was
measured); the share of CPU other processes took is recorded, since the machine is shared.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import bench_api  # noqa: E402
import make_synthetic_package as synthetic  # noqa: E402

OUT = ROOT / "var" / "bench-scale"
RESULTS = OUT / "results.json"
CLUSTER = ROOT / "scripts" / "cluster"
RESOURCE = synthetic.RESOURCE_NAME
HOT_PATH = "/api/v1/datasets/key-figures/releases/{release}/resources/key-figures/rows?limit={limit}"
HOT_LIMITS = (100, 5)
MB = 1_000_000
# bench_api's helpers (wrk, the server) keep their log and wrk scripts here, not in var/bench.
bench_api.BENCH_DIR, bench_api.SERVER_LOG = OUT, OUT / "server.log"


def record(section: str, values: dict[str, Any]) -> None:
    """Add one run of a section to results.json: `section` is the latest, `section`_runs every
    one so far (on a shared machine the spread between runs is part of the figure)."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    run = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **values}
    results[section] = run
    results.setdefault(f"{section}_runs", []).append(run)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def pg_url() -> str:
    return os.environ.get("OPENDATA_DATABASE_URL", "")


def backend() -> str:
    return "postgresql" if pg_url() else "sqlite"


def releases() -> Path:
    """A releases folder per backend: a package published for one is not `unchanged` for the other."""
    return OUT / f"releases-{backend()}"


# -- (a) the nginx cache against a static file -----------------------------------------

STATIC_CONF = """\
{user_line}
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path {prefix}/temp; proxy_temp_path {prefix}/temp;
    fastcgi_temp_path {prefix}/temp; uwsgi_temp_path {prefix}/temp; scgi_temp_path {prefix}/temp;
    access_log {prefix}/access.log combined buffer=256k flush=1s;
    sendfile on; tcp_nopush on; keepalive_requests 100000;
    open_file_cache max=1000 inactive=60s; open_file_cache_valid 60s;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {prefix}/static;
        default_type application/json;
    }}
}}
"""


def start_cluster(env: dict[str, str], nodes: int) -> dict[str, str]:
    done = subprocess.run(
        ["bash", str(CLUSTER / "start.sh"), str(nodes)], env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: the cluster did not start: {done.stderr[-2000:]}")
    env_file = Path(done.stdout.strip().splitlines()[-1])
    return dict(line.split("=", 1) for line in env_file.read_text().splitlines())


def stop_cluster(env: dict[str, str]) -> None:
    subprocess.run(["bash", str(CLUSTER / "stop.sh")], env=env, capture_output=True, timeout=120)


def nginx_pid(prefix: Path) -> int:
    return int((prefix / "nginx.pid").read_text())


def access_lines(directory: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in directory.glob("node-*.access.log"))


def static_nginx(body: bytes) -> tuple[subprocess.CompletedProcess, Path, str]:
    prefix = OUT / "static-nginx"
    shutil.rmtree(prefix, ignore_errors=True)
    (prefix / "static").mkdir(parents=True)
    (prefix / "temp").mkdir()
    (prefix / "static" / "hot.json").write_bytes(body)
    port = bench_api.free_port()
    user_line = f"user {os.environ.get('USER') or 'root'};" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(STATIC_CONF.format(user_line=user_line, prefix=prefix, port=port))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    started = subprocess.run(
        [nginx, "-p", f"{prefix}/", "-c", str(conf), "-e", str(prefix / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if started.returncode != 0:
        raise SystemExit(f"bench: the static nginx did not start: {started.stderr}")
    deadline = time.monotonic() + 10
    while not (prefix / "nginx.pid").exists():  # written by the master once it has daemonised
        if time.monotonic() > deadline:
            raise SystemExit("bench: the static nginx wrote no pid file")
        time.sleep(0.05)
    return started, prefix, f"http://127.0.0.1:{port}/hot.json"


def stop_nginx(prefix: Path) -> None:
    """Stop it and wait: an nginx still closing removes its pid file on exit, the next one's too."""
    with contextlib.suppress(OSError, ValueError):
        pid = nginx_pid(prefix)
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + 15
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def bench_cache(args: argparse.Namespace) -> None:
    env = {
        **os.environ,
        "CLUSTER_DIR": str(OUT / "cluster"),
        "CLUSTER_PORT": str(bench_api.free_port()),
        "OPENDATA_RELEASES_DIR": str(OUT / "shipped-releases"),
        "OPENDATA_CACHE_DIR": str(OUT / "cache"),
    }
    env.pop("OPENDATA_DATABASE_URL", None)  # the cache is in front of either backend alike
    cluster = start_cluster(env, 2)
    atexit.register(stop_cluster, env)
    base = cluster["CLUSTER_URL"]
    prefix = OUT / "cluster" / "nginx"
    release = bench_api.get_json(f"{base}/api/v1/datasets/key-figures")["release"]["id"]
    wrk = argparse.Namespace(connections=args.connections, threads=args.threads, duration=args.duration)
    bodies, cached = {}, {}
    for limit in HOT_LIMITS:  # a full page, and a small answer: bytes per request move the rate
        url = base + HOT_PATH.format(release=release, limit=limit)
        bodies[limit] = bench_api.get(url)[1]
        if bench_api.get(url)[1] != bodies[limit]:
            raise SystemExit("bench: the hot URL answered two different bodies")
        time.sleep(1)  # a node writes its access log line after answering
        before = access_lines(OUT / "cluster")
        label = f"(a) {limit}-row release page through the cache"
        cached[limit] = bench_api.run_wrk(url, wrk, nginx_pid(prefix), label=label)
        time.sleep(1.5)
        cached[limit]["requests_reaching_nodes"] = access_lines(OUT / "cluster") - before
    stop_cluster(env)
    static = {}
    for limit, body in bodies.items():
        _, static_prefix, static_url = static_nginx(body)
        try:
            label = f"(a) the same {len(body):,} bytes as a static file"
            static[limit] = bench_api.run_wrk(static_url, wrk, nginx_pid(static_prefix), label=label)
        finally:
            stop_nginx(static_prefix)
    figures = {}
    for limit, body in bodies.items():
        hit, plain = cached[limit], static[limit]
        print(
            f"cache, {limit}-row page ({len(body):,} bytes): {hit['rps']:,.0f} req/s through the cache "
            f"(target >= 40,000), {plain['rps']:,.0f} req/s as a static file; "
            f"{hit['requests_reaching_nodes']} request(s) reached a node"
        )
        figures[f"limit_{limit}"] = {
            "url": HOT_PATH.format(release=release, limit=limit),
            "body_bytes": len(body),
            "through_cache": hit,
            "static_file": plain,
            "passed": hit["rps"] >= 40_000 and hit["requests_reaching_nodes"] == 0 and bench_api.clean(hit),
        }
    record("cache", {"target_rps": 40_000, **figures})


# -- (b) publishing a size -------------------------------------------------------------


def size_name(rows: int) -> str:
    return f"synthetic-{rows // 1_000_000}m" if rows % 1_000_000 == 0 else f"synthetic-{rows}"


def pg_schema_sizes() -> dict[str, int]:
    """Bytes per schema of the database (tables, indexes and TOAST), as PostgreSQL counts them."""
    import psycopg

    with psycopg.connect(pg_url()) as connection:
        found = connection.execute(
            "SELECT n.nspname, sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm', 'p')"
            " AND n.nspname NOT IN ('pg_catalog', 'information_schema') GROUP BY n.nspname"
        ).fetchall()
    return {name: int(size) for name, size in found}


def folder_bytes(path: Path) -> int:
    """Disk used by a folder, each hard-linked file counted once (as `du` does)."""
    seen, total = set(), 0
    for item in path.rglob("*"):
        info = item.lstat()
        if item.is_file() and not item.is_symlink() and (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            total += info.st_blocks * 512
    return total


def bench_publish(args: argparse.Namespace) -> None:
    name = size_name(args.rows)
    package = OUT / "packages" / name
    if not (package / "datapackage.json").exists() or args.rebuild:
        print(f"publish: writing {args.rows:,} rows to {package} ...", flush=True)
        started = time.monotonic()
        generator = ROOT / "scripts" / "make_synthetic_package.py"
        subprocess.run(
            [
                sys.executable,
                str(generator),
                str(package),
                "--rows",
                str(args.rows),
                "--age-groups",
                "--name",
                name,
            ],
            check=True,
            timeout=3600,
        )
        print(f"publish: written in {time.monotonic() - started:.0f} s", flush=True)
    csv_bytes = (package / "data" / f"{RESOURCE}.csv").stat().st_size
    schemas_before = pg_schema_sizes() if pg_url() else {}
    env = {**os.environ, "OPENDATA_RELEASES_DIR": str(releases()), "OPENDATA_CACHE_DIR": str(OUT / "cache")}
    print(f"publish: {name} into {releases()}" + (" and PostgreSQL" if pg_url() else ""), flush=True)
    started = time.monotonic()
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "opendata"), "publish", str(package)],
        env=env,
        capture_output=True,
        text=True,
        timeout=4 * 3600,
    )
    seconds = time.monotonic() - started
    print(done.stdout[-2000:], done.stderr[-2000:], sep="\n")
    if done.returncode != 0:
        raise SystemExit(f"bench: publishing {name} failed")
    release = (releases() / name / "current").resolve()
    created = {k: v for k, v in (pg_schema_sizes() if pg_url() else {}).items() if k not in schemas_before}
    figures = {
        "rows": args.rows,
        "backend": backend(),
        "seconds": seconds,
        "csv_mb": csv_bytes / MB,
        "release": release.name,
        "release_folder_mb": folder_bytes(release) / MB,
        "pg_schemas_mb": {k: v / MB for k, v in created.items()},
        "pg_mb": sum(created.values()) / MB,
    }
    print(f"publish: {json.dumps(figures)}")
    record(f"publish_{name}_{figures['backend']}", figures)


# -- (b, c) the workloads, with CPU per request -----------------------------------------


NODE_APPLICATION = "bench-scale-node"


def node_url() -> str:
    """OPENDATA_DATABASE_URL naming the node's connections, so its backends are told apart from
    any other (a publish running beside, this script's own)."""
    return pg_url() + ("&" if "?" in pg_url() else "?") + f"application_name={NODE_APPLICATION}"


def pg_backends() -> dict[int, int]:
    """CPU ticks so far of each PostgreSQL backend serving the node."""
    import psycopg

    with psycopg.connect(pg_url()) as connection:
        found = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [NODE_APPLICATION]
        ).fetchall()
    return {pid: ticks([pid]) for (pid,) in found}


def ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total


def walk(base: str, path: str, pages: int) -> str:
    """The cursor `pages` pages deep, following `next` from the first page."""
    cursor = None
    for _ in range(pages):
        query = "limit=100" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        cursor = bench_api.get_json(f"{base}{path}/rows?{query}")["next"]
        if cursor is None:
            raise SystemExit(f"bench: {path} ended before page {pages}")
    return cursor


def workloads(base: str, master: int, name: str, args: argparse.Namespace) -> dict[str, Any]:
    path = f"/api/v1/datasets/{name}/resources/{RESOURCE}"
    pairs = [
        f"{path}/rows?municipality_code={code}&channel={urllib.parse.quote(channel)}&limit=100"
        for code, _ in synthetic.MUNICIPALITIES
        for channel in synthetic.CHANNELS
    ]
    deep = walk(base, path, args.deep_pages)
    runs = {
        "first_page": ([f"{path}/rows?limit=100"], "first page, 100 rows + total"),
        "filtered_page": (pairs, "2 equality filters + total (165 pairs)"),
        "sorted_page": ([f"{path}/rows?sort=-count&limit=100"], "sorted by -count"),
        "deep_page": (
            [f"{path}/rows?limit=100&cursor={urllib.parse.quote(deep)}"],
            f"{args.deep_pages:,} pages deep",
        ),
    }
    wrk = argparse.Namespace(connections=args.connections, threads=args.threads, duration=args.duration)
    out: dict[str, Any] = {}
    for key, (paths, label) in runs.items():
        # A first pass, not measured: each worker counts the totals once (then kept per
        # process, as for any URL asked again) and the database's buffers are warm.
        bench_api.run_wrk(base, wrk, master, label=f"{name}: {label}, first pass", paths=paths, duration=3)
        before = pg_backends() if pg_url() else {}
        result = bench_api.run_wrk(base, wrk, master, label=f"{name}: {label}", paths=paths)
        after = pg_backends() if pg_url() else {}
        # A backend opened during the run counts from zero; one closed during it is lost.
        pg_cpu = sum(now - before.get(pid, 0) for pid, now in after.items()) / bench_api.TICK
        result["pg_cpu_ms_per_request"] = pg_cpu * 1000 / result["requests"] if after else None
        result["pg_backends"] = len(after)
        out[key] = result
    return out


def bench_workloads(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    port = bench_api.free_port()
    base = f"http://127.0.0.1:{port}"
    # No page cache: each request runs its query, as a page nobody asked for lately does; a
    # hot page is answered from the worker's memory (or nginx's cache) for much less.
    env = {
        "OPENDATA_RELEASES_DIR": str(releases()),
        "OPENDATA_CACHE_DIR": str(OUT / "cache"),
        "OPENDATA_PAGE_CACHE_BYTES": "0",
        "OPENDATA_EXPORT_CACHE_BYTES": "0",
    }
    if pg_url():
        env["OPENDATA_DATABASE_URL"] = node_url()
    process, started = bench_api.start_server(None, port, args.workers, env, publish=False)
    atexit.register(bench_api.stop_all)
    by_size: dict[str, Any] = {}
    try:
        bench_api.wait_ready(process, base, started, 300)
        for rows in sizes:
            by_size[size_name(rows)] = workloads(base, process.pid, size_name(rows), args)
    finally:
        bench_api.stop(process)
    first, *others = by_size
    ratios = {
        other: {
            key: {
                "rps": by_size[first][key]["rps"] / max(by_size[other][key]["rps"], 1e-9),
                "node_cpu": by_size[other][key]["server_cpu_ms_per_request"]
                / max(by_size[first][key]["server_cpu_ms_per_request"] or 1e-9, 1e-9),
            }
            for key in by_size[first]
        }
        for other in others
    }
    for name, figures in by_size.items():
        for key, r in figures.items():
            pg = r["pg_cpu_ms_per_request"]
            print(
                f"{name} {key}: {r['rps']:,.0f} req/s, p99 {r['p99_ms']} ms, node CPU "
                f"{r['server_cpu_ms_per_request']:.2f} ms/req"
                + (f", PostgreSQL {pg:.2f} ms/req" if pg else "")
            )
    print(json.dumps(ratios, indent=2))
    record(
        f"workloads_{backend()}", {"sizes": by_size, "cost_ratio_to_first": ratios, "workers": args.workers}
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("section", choices=["cache", "publish", "workloads"])
    parser.add_argument("--rows", type=int, default=10_000_000, help="publish: rows (default 10000000)")
    parser.add_argument("--rebuild", action="store_true", help="publish: write the package again")
    parser.add_argument("--sizes", default="1000000,10000000", help="workloads: published row counts")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of the node (default 2)")
    parser.add_argument("--deep-pages", type=int, default=5000, help="workloads: depth of the keyset page")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be 1-120 seconds")
    if shutil.which("wrk") is None and args.section != "publish":
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    OUT.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, bench_api.on_signal)
    {"cache": bench_cache, "publish": bench_publish, "workloads": bench_workloads}[args.section](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
