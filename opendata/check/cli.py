"""`opendata check`: a file or a data package folder -> the report as text or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from opendata.check import Limits, check_file
from opendata.check.package import check_package
from opendata.check.render import render_text


def run_check(path: Path, lang: str, as_json: bool, settings: dict[str, Any]) -> tuple[str, bool]:
    limits = Limits.from_settings(settings)
    if path.is_dir() or path.name == "datapackage.json":
        reports = check_package(path, limits)
        ok = all(not report.failed for _, report in reports)
        if as_json:
            body = {"package": str(path), "resources": {name: r.to_dict(lang) for name, r in reports}}
            return json.dumps(body, ensure_ascii=False, indent=2), ok
        return "\n\n".join(f"== {name}\n{render_text(r, lang)}" for name, r in reports), ok
    report = check_file(path, limits, lambda message: click.echo(f"… {message}", err=True))
    if as_json:
        return json.dumps(report.to_dict(lang), ensure_ascii=False, indent=2), not report.failed
    return render_text(report, lang), not report.failed
