"""A check's outcome: one result per rule, violations with their place, and a score per level.

Scoring (also in the README): a rule is *judged* when it applies to the file type and the
checker can decide it; each judged rule passes or fails as a whole. A level's score is
round(100 × passed ÷ judged) over that level's judged rules, or null when none was judged.
Rules that do not apply (CSV-only rules on a workbook, Excel-only rules on a CSV) and rules
the checker cannot decide from a file alone are listed with their reason and never counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opendata.check.rules import catalogue, source

PASSED, FAILED, NOT_APPLICABLE, NOT_JUDGED = "passed", "failed", "not-applicable", "not-judged"
MAX_LISTED = 200  # violations listed per rule in a report; the count says how many there were in all
MAX_KEPT = 1000  # violations kept in memory per rule (a 100,000-row sheet can break a rule per row)
LEVELS = ("L1", "L2", "L3")


@dataclass(frozen=True)
class Violation:
    sheet: str
    row: int | None  # 1-based, as Excel and a text editor number lines
    column: int | None  # 1-based
    cell: str | None  # A1 or A1:C3 (CSV: the same letters, so one vocabulary serves both)
    message: dict[str, str]  # {"ja": ..., "en": ...}

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "column": self.column,
            "message": self.message[lang],
        }


@dataclass
class RuleResult:
    id: str
    status: str
    violations: list[Violation] = field(default_factory=list)
    reason: dict[str, str] | None = None  # why not judged / not applicable
    count: int | None = None  # violations found, when more were found than kept

    @property
    def violation_count(self) -> int:
        return len(self.violations) if self.count is None else self.count

    @property
    def passed(self) -> bool | None:
        return {PASSED: True, FAILED: False}.get(self.status)

    def to_dict(self, lang: str) -> dict[str, Any]:
        rule = catalogue()[self.id]
        return {
            "id": self.id,
            "oldIds": list(rule.old),
            "level": rule.level,
            "title": rule.title[lang],
            "status": self.status,
            "passed": self.passed,
            "reason": self.reason[lang] if self.reason else None,
            "violationCount": self.violation_count,
            "violations": [v.to_dict(lang) for v in self.violations[:MAX_LISTED]],
            "fix": rule.fix[lang] if self.status == FAILED else None,
        }


@dataclass
class Report:
    file: str
    kind: str
    encoding: str | None
    sheets: list[str]
    results: list[RuleResult]

    def score(self) -> dict[str, int | None]:
        scores: dict[str, int | None] = {}
        for level in LEVELS:
            judged = [r for r in self.results if r.id.startswith(level) and r.passed is not None]
            passed = sum(1 for r in judged if r.passed)
            scores[level] = round(100 * passed / len(judged)) if judged else None
        return scores

    def result(self, rule_id: str) -> RuleResult:
        return next(r for r in self.results if r.id == rule_id)

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if r.status == FAILED]

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.kind,
            "encoding": self.encoding,
            "sheets": self.sheets,
            "lang": lang,
            "score": self.score(),
            "rules": [r.to_dict(lang) for r in self.results],
            "ruleSource": source()["title" if lang == "ja" else "titleEnglish"],
        }
