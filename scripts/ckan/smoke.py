#!/usr/bin/env python3
"""Smoke test of the local CKAN test instance through ckanapi.

Run it with any python that has ``ckanapi`` (a throwaway venv will do), after
``scripts/ckan/start.sh``::

    python scripts/ckan/smoke.py [--env var/ckan/env] [--index-only]

Default: creates an organization, a dataset with an uploaded CSV (downloaded
back and compared byte for byte), a harvest source, and checks package_show,
package_search (q, fq=organization:..., sort) and package_patch.
``--index-only`` creates nothing: it checks that every active dataset in the
database (package_list) is found by package_search, e.g. after a restart that
rebuilt the Solr stand-in's in-memory index.
Names are unique per run, so it can run any number of times.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests
from ckanapi import RemoteCKAN

TIMEOUT = 30  # seconds, for every HTTP call
HERE = Path(__file__).resolve().parent


def read_env(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


class Client:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.ckan = RemoteCKAN(url, apikey=token, user_agent="kanagawa-opendata-smoke/1")

    def __call__(self, action: str, files: dict[str, Any] | None = None, **data: Any) -> Any:
        return self.action(action, data, files)

    def action(self, action: str, data: dict[str, Any], files: dict[str, Any] | None = None) -> Any:
        return self.ckan.call_action(action, data, files=files, requests_kwargs={"timeout": TIMEOUT})


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAIL: {message}")
    print(f"ok   {message}")


def full_run(call: Client) -> None:
    run = time.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:6]
    org = call("organization_create", name=f"smoke-org-{run}", title=f"Smoke org {run}")
    check(org["name"] == f"smoke-org-{run}", "organization_create")

    pkg = call(
        "package_create",
        name=f"kanagawa-smoke-{run}",
        owner_org=org["id"],
        title=f"神奈川 smoke population {run}",
        notes="Smoke test dataset",
        tags=[{"name": "smoke"}],
        license_id="cc-by",
    )
    check(pkg["owner_org"] == org["id"], "package_create with owner_org")

    csv = "区分,人数\n神奈川県,9237337\n横浜市,3777491\n".encode()
    with tempfile.NamedTemporaryFile(suffix=".csv") as fh:
        fh.write(csv)
        fh.flush()
        with open(fh.name, "rb") as upload:
            res = call(
                "resource_create",
                files={"upload": ("population.csv", upload)},
                package_id=pkg["id"],
                name="population.csv",
                format="CSV",
            )
    check(
        res["url_type"] == "upload" and res["url"].endswith("population.csv"),
        f"resource_create with upload ({res['url']})",
    )
    got = requests.get(res["url"], headers={"Authorization": call.token}, timeout=TIMEOUT)
    got.raise_for_status()
    check(got.content == csv, f"downloaded CSV is byte-identical ({len(csv)} bytes)")

    shown = call("package_show", id=pkg["name"])
    check([r["id"] for r in shown["resources"]] == [res["id"]], "package_show lists the resource")

    found = call(
        "package_search",
        q="population",
        fq=f"organization:{org['name']}",
        sort="metadata_modified desc",
        rows=10,
    )
    check(
        found["count"] == 1 and found["results"][0]["id"] == pkg["id"],
        "package_search q + fq=organization:... + sort=metadata_modified desc",
    )
    newest = call("package_search", q="*:*", sort="metadata_modified desc", rows=1)
    check(newest["results"][0]["id"] == pkg["id"], "package_search sort puts the newest first")
    facets = call.action("package_search", {"fq": "tags:smoke", "rows": 0, "facet.field": '["organization"]'})
    check(facets["facets"]["organization"].get(org["name"]) == 1, "package_search facet counts")

    patched = call("package_patch", id=pkg["id"], notes="patched by the smoke test")
    check(
        patched["notes"] == "patched by the smoke test" and len(patched["resources"]) == 1,
        "package_patch keeps resources",
    )
    hit = call("package_search", q="notes:patched", fq=f"+organization:{org['name']}")
    check(hit["count"] == 1, "package_search sees the patched notes")

    call(
        "datastore_create",
        resource_id=res["id"],
        force=True,
        fields=[{"id": "区分", "type": "text"}, {"id": "人数", "type": "int"}],
        records=[{"区分": "神奈川県", "人数": 9237337}, {"区分": "横浜市", "人数": 3777491}],
    )
    rows = call("datastore_search", resource_id=res["id"], sort="人数 desc")["records"]
    check([r["区分"] for r in rows] == ["神奈川県", "横浜市"], "datastore_create + datastore_search")

    source = call(
        "harvest_source_create",
        name=f"smoke-harvest-{run}",
        url=f"http://127.0.0.1:5050/smoke/{run}/",
        source_type="ckan",
        title="Smoke harvest source",
        owner_org=org["id"],
        frequency="MANUAL",
    )
    check(source["source_type"] == "ckan", "harvest_source_create (ckanext-harvest)")
    listed = call("harvest_source_list")
    check(any(s["id"] == source["id"] for s in listed), "harvest_source_list shows it")


def index_only(call: Client) -> None:
    in_db = set(call("package_list", limit=1000))
    # ckanext-harvest hides harvest sources (datasets of type "harvest") from
    # searches that do not ask for them, package_list lists them.
    in_index = {
        p["name"]
        for fq in ("", "+dataset_type:harvest")
        for p in call("package_search", q="*:*", fq=fq, rows=1000)["results"]
    }
    check(bool(in_db), f"the database holds {len(in_db)} active dataset(s)")
    check(in_db <= in_index, f"package_search finds all {len(in_db)} of them")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--env", type=Path, default=HERE.parent.parent / "var" / "ckan" / "env")
    ap.add_argument("--index-only", action="store_true")
    args = ap.parse_args()
    env = {**read_env(args.env), **{k: v for k, v in os.environ.items() if k.startswith("CKAN_")}}
    call = Client(env["CKAN_URL"], env["CKAN_API_TOKEN"])
    status = call("status_show")
    check(status["ckan_version"] == "2.12.0", f"status_show: CKAN {status['ckan_version']}")
    (index_only if args.index_only else full_run)(call)
    print("smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
