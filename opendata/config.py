"""Every setting once: its name, default and meaning. OPENDATA_<NAME> overrides a default."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    def parse(self, raw: str) -> Any:
        if isinstance(self.default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(self.default, int):
            return int(raw)
        if isinstance(self.default, float):
            return float(raw)
        return raw


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "PACKAGES_DIR",
        str(PROJECT_ROOT / "datapackages"),
        "Folder whose sub-folders each hold a datapackage.json; the catalog serves them all.",
    ),
    Setting(
        "SCHEMAS_DIR",
        str(PROJECT_ROOT / "schemas"),
        "Folder of Table Schemas, one per resource, as schemas/<package>/<resource>.json.",
    ),
    Setting(
        "RELEASES_DIR",
        str(PROJECT_ROOT / "var" / "releases"),
        "Where `opendata publish` writes each dataset's releases; the server opens only these.",
    ),
    Setting(
        "RELEASE_CHECK_INTERVAL",
        1.0,
        "Seconds between a server process's checks for newly published releases.",
    ),
    Setting(
        "PUBLISH_TOKENS_FILE",
        str(PROJECT_ROOT / "var" / "publish-tokens.json"),
        "Publishing tokens (SHA-256 only) that `opendata tokens create` writes and POST .../releases checks.",
    ),
    Setting(
        "MAX_UPLOAD_BYTES", 50_000_000, "Largest zip POST .../releases accepts, in bytes; larger is a 413."
    ),
    Setting(
        "MAX_UPLOAD_UNPACKED_BYTES",
        500_000_000,
        "Most bytes an uploaded zip may unpack to (counted as written, so a zip bomb stops there).",
    ),
    Setting("MAX_UPLOAD_FILES", 1000, "Most entries an uploaded zip may hold."),
    Setting(
        "CACHE_DIR",
        str(PROJECT_ROOT / "var" / "cache"),
        "Where per-process caches that may be deleted are kept (the harvest modification ledger).",
    ),
    Setting("DEFAULT_PAGE_SIZE", 100, "Rows per page when the client does not ask for a size."),
    Setting("MAX_PAGE_SIZE", 1000, "Largest page a client may ask for; larger is a 400."),
    Setting(
        "SUMMARY_MAX_GROUPS", 10000, "Most groups (and pivot columns) a summary may have; more is a 400."
    ),
    Setting("SUMMARY_MAX_FIELDS", 4, "Most fields a summary may group by; more is a 400."),
    Setting("SUMMARY_CACHE_SIZE", 512, "Summaries and facet counts kept per worker (LRU), each per release."),
    Setting(
        "SUMMARY_CACHE_ROWS", 200_000, "Rows (groups, facet values) those kept answers hold at most in all."
    ),
    Setting("FACET_LIMIT", 20, "Most values listed per facet (the most frequent first)."),
    Setting(
        "COUNT_CACHE_SIZE",
        4096,
        "Filtered row counts remembered per process (data is immutable per version).",
    ),
    Setting(
        "PAGE_CACHE_BYTES",
        16_000_000,
        "Bytes of JSON row pages each process keeps to answer the same page again (LRU; 0: none).",
    ),
    Setting(
        "EXPORT_CACHE_BYTES",
        16_000_000,
        "Bytes of streamed exports (rows.csv, rows.xlsx … of a query) each process keeps to send "
        "the same export again; one export is kept when at most an eighth of this (LRU; 0: none).",
    ),
    Setting(
        "CACHE_MAX_AGE",
        300,
        "Seconds clients and proxies may reuse a response (Cache-Control max-age).",
    ),
    Setting("MAX_QUERY_STRING", 4096, "Longest query string accepted, in bytes; longer is a 414."),
    Setting(
        "DIFF_MAX_ROWS",
        1000,
        "Rows of each kind (added, removed, changed) a JSON diff lists; counts are complete.",
    ),
    Setting(
        "DATABASE_URL",
        "",
        "Where published tables are stored: empty is the embedded SQLite store (a file per release, "
        "no server); a postgresql:// URL is a PostgreSQL database.",
    ),
    Setting(
        "QUERY_TIME_LIMIT",
        1000,
        "Milliseconds a request's database query may run; longer is stopped and answered 503 (0: no limit).",
    ),
    Setting("QUERY_RETRY_AFTER", 5, "Seconds a 503 for a stopped query tells clients to wait (Retry-After)."),
    Setting(
        "DATABASE_POOL_SIZE",
        4,
        "PostgreSQL connections each worker process keeps at most (DATABASE_URL); opened as needed.",
    ),
    Setting(
        "DATABASE_POOL_TIMEOUT",
        2.0,
        "Seconds a request waits for a free PostgreSQL connection; longer is a 503 with Retry-After.",
    ),
    Setting(
        "CURSOR_SECRET",
        "",
        "Key signing paging cursors (HMAC-SHA256); empty: a random key generated once in CACHE_DIR.",
    ),
    Setting("WEB_PREVIEW_ROWS", 20, "Rows per page of a dataset page's table preview."),
    Setting("WEB_PREVIEW_PAGES", 50, "Pages a preview walks before pointing to the downloads and the API."),
    Setting(
        "SEARCH_TABLE_ROWS",
        1000,
        "Tables of at most this many rows have their text cells searched (why a dataset matched).",
    ),
    Setting("FEED_ENTRIES", 50, "Newest content versions listed in /api/v1/feed.atom and /api/v1/feed.json."),
    Setting(
        "BASE_URL",
        "",
        "Public base URL (scheme://host[:port]); empty means taken from each request.",
    ),
    Setting(
        "DCAT_DATASETS_PER_PAGE", 100, "Datasets per page of /catalog.* (ckanext-dcat's default is 100)."
    ),
    Setting(
        "OPERATOR_NAME",
        "Kanagawa open data project",
        "Who runs this deployment: the datasets' publisher (DCAT, schema.org) and contact point.",
    ),
    Setting(
        "OPERATOR_URL", "", "The operator's web page; published as contact and publisher URL only if set."
    ),
    Setting("OPERATOR_EMAIL", "", "The operator's contact email; published only if set."),
    Setting("OPERATOR_PHONE", "", "The operator's contact telephone number; published only if set."),
    Setting(
        "OPERATOR_TYPE",
        "",
        "The operator's ADMS publisher type code (e.g. NonProfitOrganisation); published only if set.",
    ),
    Setting(
        "OPERATOR_IS_PUBLISHER",
        False,
        "True when the deployment is the publishing body's own: each package's `publisher` is then "
        "the datasets' publisher instead of the operator.",
    ),
    Setting("CKAN_URL", "", "CKAN site that `opendata ckan push` writes to."),
    Setting(
        "CKAN_ORGANIZATION",
        "kanagawa-prefecture",
        "CKAN organization the datasets are pushed into.",
    ),
    Setting("CKAN_TIMEOUT", 30, "Seconds each CKAN API call may take."),
    Setting(
        "CHECK_MAX_UPLOAD_BYTES",
        20 * 1024 * 1024,
        "Largest file `opendata check` and POST /api/v1/check accept, in bytes; larger is a 413.",
    ),
    Setting(
        "CHECK_MAX_CELLS",
        3_000_000,
        "Most non-empty cells read from one file (all sheets); more is a 413, read no further.",
    ),
    Setting(
        "CHECK_MAX_WEB_CELLS",
        500_000,
        "Most filled cells POST /api/v1/check and /check read (a request must end well inside the "
        "worker timeout); the CLI reads up to CHECK_MAX_CELLS.",
    ),
    Setting(
        "CHECK_MAX_UNZIPPED_BYTES",
        300 * 1024 * 1024,
        "Most bytes an .xlsx may declare once unzipped (its parts' sizes summed); more is refused.",
    ),
    Setting(
        "CHECK_MAX_ZIP_RATIO",
        200,
        "Highest unzipped/zipped size ratio of any part of an .xlsx; higher is refused as a zip bomb.",
    ),
)


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Defaults, overridden by OPENDATA_<NAME> variables that are set."""
    environ = dict(os.environ) if environ is None else environ
    values = defaults()
    for setting in SETTINGS:
        raw = environ.get(f"OPENDATA_{setting.name}")
        if raw is not None:
            values[setting.name] = setting.parse(raw)
    return values


def describe() -> list[dict[str, Any]]:
    return [{f.name: getattr(s, f.name) for f in fields(s)} for s in SETTINGS]
