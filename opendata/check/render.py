"""The human-readable report (Japanese by default, English with lang="en")."""

from __future__ import annotations

from opendata.check.report import FAILED, PASSED, Report
from opendata.check.rules import catalogue
from opendata.check.text import ENCODING_NAMES

WORDS = {
    "ja": {
        "file": "ファイル",
        "format": "形式",
        "encoding": "文字コード",
        "score": "スコア",
        PASSED: "合格",
        FAILED: "不合格",
        "not-applicable": "対象外",
        "not-judged": "判定不可",
        "fix": "直し方",
        "more": "ほか{n}件",
        "none": "—",
        "old": "旧",
        "summary": "判定{judged}件中 合格{passed}件・不合格{failed}件、対象外・判定不可{other}件",
    },
    "en": {
        "file": "File",
        "format": "Format",
        "encoding": "Encoding",
        "score": "Score",
        PASSED: "passed",
        FAILED: "FAILED",
        "not-applicable": "does not apply",
        "not-judged": "cannot judge",
        "fix": "How to fix",
        "more": "{n} more",
        "none": "n/a",
        "old": "old",
        "summary": "{judged} rules judged: {passed} passed, {failed} failed; "
        "{other} not applicable or not judged",
    },
}
SHOWN = 10  # violations printed per rule; --json lists them all (up to its own cap)


def render_text(report: Report, lang: str = "ja") -> str:
    w = WORDS[lang]
    rules = catalogue()
    encoding = ENCODING_NAMES[lang].get(report.encoding or "", report.encoding or w["none"])
    scores = "  ".join(f"{k} {'—' if v is None else v}" for k, v in report.score().items())
    judged = [r for r in report.results if r.passed is not None]
    lines = [
        f"{w['file']}: {report.file}  {w['format']}: {report.kind}  {w['encoding']}: {encoding}",
        f"{w['score']}: {scores}",
        w["summary"].format(
            judged=len(judged),
            passed=sum(1 for r in judged if r.passed),
            failed=sum(1 for r in judged if not r.passed),
            other=len(report.results) - len(judged),
        ),
        "",
    ]
    for result in report.results:
        rule = rules[result.id]
        old = f" ({w['old']} {', '.join(rule.old)})" if rule.old else ""
        lines.append(f"[{w[result.status]}] {result.id}{old} {rule.title[lang]}")
        if result.reason:
            lines.append(f"    {result.reason[lang]}")
        for violation in result.violations[:SHOWN]:
            where = f"{violation.sheet}!{violation.cell}" if violation.cell else violation.sheet
            lines.append(f"    - {where}: {violation.message[lang]}")
        if result.violation_count > SHOWN:
            lines.append(f"    - {w['more'].format(n=result.violation_count - SHOWN)}")
        if result.status == FAILED:
            lines.append(f"    {w['fix']}: {rule.fix[lang]}")
    return "\n".join(lines)
