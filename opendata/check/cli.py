"""`opendata check`: a file, a data package, or a folder of packages -> text or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from opendata.check import Limits, check_file
from opendata.check.package import check_package
from opendata.check.render import render_text
from opendata.check.report import Report


def run_check(path: Path, lang: str, as_json: bool, settings: dict[str, Any]) -> tuple[str, bool]:
    limits = Limits.from_settings(settings)
    if path.is_dir() and not (path / "datapackage.json").is_file():
        packages = sorted(p for p in path.iterdir() if (p / "datapackage.json").is_file())
        found = {p.name: check_package(p, limits) for p in packages}
        return _packages_output(found, lang, as_json)
    if path.is_dir() or path.name == "datapackage.json":
        package = path if path.is_dir() else path.parent
        return _packages_output({package.name: check_package(path, limits)}, lang, as_json)
    report = check_file(path, limits, lambda message: click.echo(f"… {message}", err=True))
    if as_json:
        return json.dumps(report.to_dict(lang), ensure_ascii=False, indent=2), not report.failed
    return render_text(report, lang), not report.failed


def _packages_output(
    found: dict[str, list[tuple[str, Report]]], lang: str, as_json: bool
) -> tuple[str, bool]:
    ok = all(not report.failed for reports in found.values() for _, report in reports)
    if as_json:
        body = {
            "packages": {
                name: {"resources": {resource: r.to_dict(lang) for resource, r in reports}}
                for name, reports in found.items()
            }
        }
        return json.dumps(body, ensure_ascii=False, indent=2), ok
    parts = [
        f"== {name}/{resource}\n{render_text(report, lang)}"
        for name, reports in found.items()
        for resource, report in reports
    ]
    return "\n\n".join(parts), ok
