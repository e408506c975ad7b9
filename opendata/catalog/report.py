"""Human-readable rendering of a ValidationReport."""

from __future__ import annotations

from opendata.catalog.validate import Issue, ValidationReport


def _where(issue: Issue) -> str:
    parts = [issue.file]
    if issue.row is not None:
        parts.append(f"row {issue.row}")
    if issue.field:
        parts.append(f"field {issue.field}")
    return ", ".join(parts)


def render_text(report: ValidationReport) -> str:
    lines = []
    for package in report.packages:
        mark = "ok  " if package.valid else "FAIL"
        lines.append(f"{mark} {package.package}: {package.resources} resource(s), {package.rows} row(s)")
        for issue in package.issues:
            message = issue.message.removeprefix(f"{issue.file}: ")
            lines.append(f"     [{issue.rule}] {_where(issue)}: {message}")
    total = len(report.packages)
    if report.valid:
        lines.append(f"valid: {total} package(s), no issues")
    else:
        lines.append(
            f"invalid: {report.issue_count} issue(s) in {sum(not p.valid for p in report.packages)}"
            f" of {total} package(s)"
        )
    return "\n".join(lines)
