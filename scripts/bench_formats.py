#!/usr/bin/env python3
"""Benchmark summaries and the XLSX and Parquet formats over the 1,000,000-row package.

    .venv/bin/python scripts/bench_formats.py [--duration 10]

Uses the package of scripts/bench_api.py (var/bench/package, written if missing) and
publishes it into its own folder, var/bench/formats-releases, so the prebuilt XLSX and
Parquet files are there. Then `opendata serve --workers 2` on 127.0.0.1 and wrk at 32
connections measure:
  (g) count by one field (`summary?group_by=channel`), warm; and the first, uncached answer
      of each of four one-field counts, by a single request each (the worst is reported);
  (h) a two-field group-by with a sum, filtered (`group_by=municipality_code,channel&
      measures=sum:count&fiscal_year=Y&category=C`, rotating over 60 filters), warm;
  (i) rows.xlsx of exactly 100,000 rows, streamed, in MB/s and rows/s: each worker's first
      (reported alone), then the slowest of 3; and the server's memory growth across all of
      those downloads (RssAnon, the processes' own memory);
  (j) download.parquet of the whole table (prebuilt at publish time), in MB/s: one curl at a
      time, and wrk at 32 connections (requests/s x file size).
Prints the table and writes var/bench/formats-results.json; exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import atexit
import signal
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import bench_api as bench  # noqa: E402
import make_synthetic_package as synthetic  # noqa: E402

RELEASES_DIR = bench.BENCH_DIR / "formats-releases"
RESULTS = bench.BENCH_DIR / "formats-results.json"
XLSX_ROWS = 100_000  # the rows XLSX_QUERY matches
SUMMARY = f"{bench.ROWS_PATH}/summary"
# 200,000 rows of one channel, half of its categories: exactly 100,000 rows.
XLSX_QUERY = (
    "channel="
    + urllib.parse.quote("電話")
    + "&category__in="
    + urllib.parse.quote(",".join(synthetic.CATEGORIES[:10]))
)


def publish() -> dict:
    from opendata.publish.pipeline import publish_package

    print(f"publish: the 1M-row package into {RELEASES_DIR} ...", flush=True)
    started = time.monotonic()
    outcome = publish_package(bench.PACKAGE_DIR, RELEASES_DIR)
    seconds = time.monotonic() - started
    if outcome.status == "invalid":
        raise SystemExit(f"bench: the synthetic package is invalid: {outcome.report}")
    print(f"publish: {outcome.status} in {seconds:.1f} s", flush=True)
    return {"status": outcome.status, "seconds": seconds}


def timed_get(url: str) -> tuple[float, int]:
    started = time.monotonic()
    status, body = bench.get(url)
    if status != 200:
        raise SystemExit(f"bench: {url} answered {status}")
    return (time.monotonic() - started) * 1000, len(body)


def measure(args: argparse.Namespace) -> list[bench.Figure]:
    figures: list[bench.Figure] = []
    port = bench.free_port()
    base = f"http://{bench.HOST}:{port}"
    process, started = bench.start_server(
        bench.PACKAGE_DIR, port, args.workers, {"OPENDATA_RELEASES_DIR": str(RELEASES_DIR)}
    )
    master = process.pid
    bench.wait_ready(process, base, started, 900)
    for _ in range(args.workers * 4):  # every worker opens the store first
        bench.get(f"{base}{bench.ROWS_PATH}/rows?limit=1")

    # (g) the first answer of a count nobody asked before, then the same count warm.
    firsts = {
        f: timed_get(f"{base}{SUMMARY}?group_by={f}")[0]
        for f in ("channel", "category", "month", "municipality_code")
    }
    worst = max(firsts.values())
    figures.append(
        bench.Figure(
            "g_first_ms",
            "(g) count by one field, first (uncached) answer, worst of 4",
            "<= 300 ms",
            worst,
            "ms",
            worst <= 300,
            firsts,
        )
    )
    g = bench.run_wrk(f"{base}{SUMMARY}?group_by=channel", args, master, label="(g) count by channel")
    figures.append(bench.throughput("g_rps", "(g) count by one field (W6), warm", 1000, g))

    # (h) two fields, a sum, two filters; each of the 60 filters computed once per worker first.
    paths = [
        f"{SUMMARY}?group_by=municipality_code,channel&measures=sum:count&fiscal_year={year}"
        f"&category={urllib.parse.quote(category)}"
        for year in range(synthetic.FIRST_FISCAL_YEAR, synthetic.FIRST_FISCAL_YEAR + 3)
        for category in synthetic.CATEGORIES
    ]
    cold = [timed_get(base + p)[0] for p in paths[:5]]
    for path in paths * args.workers * 2:
        bench.get(base + path)
    h = bench.run_wrk(base, args, master, paths=paths, label="(h) two-field group-by, sum, filtered")
    h["first_answers_ms"] = cold
    figures.append(bench.throughput("h_rps", "(h) group by two fields with a sum, filtered, warm", 500, h))

    # (i) a streamed XLSX of 100,000 rows, and what it does to the server's own memory.
    xlsx_url = f"{base}{bench.ROWS_PATH}/rows.xlsx?{XLSX_QUERY}"
    before = bench.memory(master)
    # Each worker's first export maps the pages of the store and the columns it reads for the
    # first time in that process (minor page faults): reported on its own, then 3 more timed.
    first = bench.downloads(xlsx_url, 1, args.workers, timeout=300)
    figures.append(
        bench.Figure(
            "i_xlsx_first_mbps",
            "(i) rows.xlsx, each worker's first (its pages mapped afresh), slowest",
            "",
            min(first["mb_per_s"]),
            "MB/s",
            None,
            first,
        )
    )
    xlsx = bench.downloads(xlsx_url, 1, 3, timeout=300)
    after = bench.memory(master)
    growth = after["rss_anon_mb"] - before["rss_anon_mb"]
    speed = min(xlsx["mb_per_s"])
    figures.append(
        bench.Figure(
            "i_xlsx_mbps",
            f"(i) rows.xlsx, 100,000 rows ({xlsx['bytes'][0] / bench.MB:.1f} MB), then slowest of 3",
            ">= 20 MB/s",
            speed,
            "MB/s",
            speed >= 20,
            xlsx,
        )
    )
    rows_per_s = round(XLSX_ROWS * speed * bench.MB / xlsx["bytes"][0])
    figures.append(
        bench.Figure(
            "i_xlsx_rows", "(i) rows.xlsx, the same downloads in rows/s", "", rows_per_s, "rows/s", None
        )
    )
    figures.append(
        bench.Figure(
            "i_memory_mb",
            "(i) server memory growth (RssAnon) over all those XLSX downloads",
            "< 50 MB",
            growth,
            "MB",
            growth < 50,
            {"before": before, "after": after},
        )
    )

    # (j) the prebuilt Parquet of the whole table: one curl at a time (latency-bound for a small
    # file), and served to 32 connections by wrk (bytes per second = requests/s x file size).
    parquet_url = f"{base}{bench.ROWS_PATH}/download.parquet"
    parquet = bench.downloads(parquet_url, 1, 5)
    size = parquet["bytes"][0]
    single = max(parquet["mb_per_s"])
    served = bench.run_wrk(parquet_url, args, master, label="(j) download.parquet")
    served["mb_per_s"] = served["rps"] * size / bench.MB
    served["curl_one_client_mb_per_s"] = single
    label = f"(j) download.parquet, whole table ({size / bench.MB:.1f} MB), 32 connections"
    figures.append(
        bench.Figure(
            "j_parquet_mbps",
            label,
            ">= 500 MB/s",
            served["mb_per_s"],
            "MB/s",
            served["mb_per_s"] >= 500,
            served,
        )
    )
    figures.append(
        bench.Figure(
            "j_parquet_single",
            "(j) download.parquet, one curl at a time, best of 5",
            "",
            single,
            "MB/s",
            None,
            parquet,
        )
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be 1-120 seconds")
    bench.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    atexit.register(bench.stop_all)
    signal.signal(signal.SIGTERM, bench.on_signal)
    signal.signal(signal.SIGINT, bench.on_signal)
    bench.ensure_package(1_000_000, False)
    published = publish()
    figures = measure(args)
    return 0 if bench.report(RESULTS, figures, args, publish=published) else 1


if __name__ == "__main__":
    sys.exit(main())
