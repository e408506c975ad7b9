"""Validate data packages: frictionless first, then the report's arithmetic and calendar.

Every problem, including a missing file or malformed JSON, becomes an Issue naming the
file, row, field and rule; nothing here raises for bad input.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from opendata.catalog.build import schema_drift
from opendata.catalog.checks import check_resource
from opendata.catalog.loader import DESCRIPTOR, load_package, package_dirs
from opendata.catalog.long_checks import check_descriptor_codes, check_reference_names
from opendata.errors import PackageError
from opendata.metadata import descriptor_issues


@dataclass(frozen=True)
class Issue:
    package: str
    file: str
    rule: str
    message: str
    resource: str | None = None
    row: int | None = None
    field: str | None = None


@dataclass
class PackageReport:
    package: str
    path: str
    resources: int = 0
    rows: int = 0
    issues: list[Issue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.issues


@dataclass
class ValidationReport:
    packages: list[PackageReport]

    @property
    def valid(self) -> bool:
        return all(p.valid for p in self.packages) and bool(self.packages)

    @property
    def issue_count(self) -> int:
        return sum(len(p.issues) for p in self.packages)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "packages": [
                {
                    "package": p.package,
                    "path": p.path,
                    "valid": p.valid,
                    "resources": p.resources,
                    "rows": p.rows,
                    "issues": [asdict(i) for i in p.issues],
                }
                for p in self.packages
            ],
            "issueCount": self.issue_count,
        }


def frictionless_issues(directory: Path, name: str) -> tuple[list[Issue], int]:
    import frictionless

    path = directory / DESCRIPTOR
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = frictionless.validate(str(path))
    except Exception as exc:  # frictionless raises many types for unreadable input
        return [Issue(name, str(path), "frictionless", f"cannot validate: {exc}")], 0
    issues, rows = [], 0
    for error in report.errors:
        issues.append(Issue(name, str(path), error.type, error.message))
    for task in report.tasks:
        stats = task.stats if isinstance(task.stats, dict) else {}
        rows += stats.get("rows") or 0
        resource_path = str(directory / task.place) if task.place else str(path)
        for error in task.errors:
            issues.append(
                Issue(
                    package=name,
                    file=resource_path,
                    rule=error.type,
                    message=error.message,
                    resource=task.name,
                    row=getattr(error, "row_number", None),
                    field=_error_field(error),
                )
            )
    return issues, rows


def _error_field(error: Any) -> str | None:
    """The field at fault; a foreign-key error names its key's fields (the first stands for all)."""
    names = getattr(error, "field_names", None)
    return getattr(error, "field_name", None) or (names[0] if names else None)


def validate_package(directory: Path, schemas_dir: Path | None) -> PackageReport:
    descriptor_path = directory / DESCRIPTOR
    report = PackageReport(package=directory.name, path=str(descriptor_path))
    try:
        package = load_package(directory)
    except PackageError as exc:
        report.issues.append(Issue(directory.name, str(descriptor_path), "package-error", exc.detail))
        return report
    report.package = package.name
    report.resources = len(package.resources)
    issues, report.rows = frictionless_issues(directory, package.name)
    report.issues.extend(issues)
    if any(i.rule in {"package-error", "resource-error", "scheme-error", "source-error"} for i in issues):
        return report  # the arithmetic cannot be checked on data frictionless cannot read
    for resource in package.resources:
        findings = check_resource(resource)
        for target in package.resources:
            findings += check_reference_names(resource, target)
        for finding in findings:
            report.issues.append(
                Issue(
                    package.name,
                    str(resource.path),
                    finding.rule,
                    finding.message,
                    resource.name,
                    finding.row,
                    finding.field,
                )
            )
    report.issues.extend(
        Issue(package.name, str(descriptor_path), f.rule, f.message, field=f.field)
        for f in check_descriptor_codes(package.descriptor)
    )
    for rule, message in descriptor_issues(package):
        report.issues.append(Issue(package.name, str(descriptor_path), rule, message))
    if schemas_dir is not None:
        try:
            drifts = schema_drift(directory, schemas_dir)
        except PackageError as exc:
            report.issues.append(Issue(package.name, str(descriptor_path), "schema-drift", exc.detail))
        else:
            report.issues.extend(
                Issue(package.name, d.file, "schema-drift", d.message, d.resource) for d in drifts
            )
    return report


def validate_path(path: Path, schemas_dir: Path | None = None) -> ValidationReport:
    """Validate one package folder, one datapackage.json, or a folder of packages."""
    path = Path(path)
    if path.name == DESCRIPTOR:
        path = path.parent
    try:
        directories = package_dirs(path)
    except PackageError as exc:
        return ValidationReport(
            [
                PackageReport(
                    path.name,
                    str(path),
                    issues=[Issue(path.name, str(path), "package-error", exc.detail)],
                )
            ]
        )
    if not directories:
        issue = Issue(
            path.name,
            str(path),
            "package-error",
            f"{path}: no {DESCRIPTOR} found in it or its sub-folders",
        )
        return ValidationReport([PackageReport(path.name, str(path), issues=[issue])])
    return ValidationReport([validate_package(d, schemas_dir) for d in directories])


def validate_once(path: Path, cache_dir: Path, schemas_dir: Path | None = None) -> ValidationReport:
    """Validate, remembering each package version that passed, so a restart does not redo it.

    A package's data files are hashed when it loads; a marker named by that digest means
    this exact content passed before.
    """
    from opendata.catalog.loader import load_package

    markers = Path(cache_dir) / "validated"
    reports = []
    for directory in package_dirs(Path(path)):
        try:
            digest = load_package(directory).digest
        except PackageError:
            digest = ""
        marker = markers / f"{directory.name}-{digest[:20]}.ok"
        if digest and marker.exists():
            reports.append(PackageReport(directory.name, str(directory / DESCRIPTOR)))
            continue
        report = validate_package(directory, schemas_dir)
        if report.valid and digest:
            markers.mkdir(parents=True, exist_ok=True)
            marker.touch()
        reports.append(report)
    return ValidationReport(reports)
