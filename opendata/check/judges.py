"""Which rules are judged for which file type, and why the others are not."""

from __future__ import annotations

from collections.abc import Callable

from opendata.check import judges_layout as lay
from opendata.check import judges_level3 as l3
from opendata.check import judges_values as val
from opendata.check.context import Context
from opendata.check.report import (
    FAILED,
    MAX_KEPT,
    NOT_APPLICABLE,
    NOT_JUDGED,
    PASSED,
    Report,
    RuleResult,
    Violation,
)
from opendata.check.rules import catalogue

Judge = Callable[[Context], list[Violation]]
ANY, XLSX, TEXT = {"xlsx", "csv", "tsv"}, {"xlsx"}, {"csv", "tsv"}

JUDGES: dict[str, tuple[set[str], Judge]] = {
    "L1-01": (ANY, lay.l1_01),
    "L1-02": (ANY, lay.l1_02),
    "L1-03": (ANY, lay.l1_03),
    "L1-04": (ANY, lay.l1_04),
    "L1-05": (ANY, lay.l1_05),
    "L1-06": (ANY, val.l1_06),
    "L1-07": (ANY, val.l1_07),
    "L1-08": (ANY, val.l1_08),
    "L1-09": (ANY, val.l1_09),
    "L1-10": (XLSX, lay.l1_10),
    "L1-11": (XLSX, lay.l1_11),
    "L1-12": (XLSX, lay.l1_12),
    "L1-13": (XLSX, lay.l1_13),
    "L1-14": (TEXT, lay.l1_14),
    "L1-15": (TEXT, lay.l1_15),
    "L2-01": (ANY, val.l2_01),
    "L2-02": (ANY, val.l2_02),
    "L2-03": (ANY, lay.l2_03),
    "L2-04": (ANY, val.l2_04),
    "L2-05": (ANY, val.l2_05),
    "L2-06": (XLSX, lay.l2_06),
    "L3-01": (ANY, lay.l3_01),
    "L3-03": (ANY, l3.l3_03),
    "L3-04": (ANY, l3.l3_04),
    "L3-05": (ANY, l3.l3_05),
    "L3-06": (ANY, l3.l3_06),
    "L3-09": (ANY, lay.l3_09),
}

# Rules a single file cannot show; a data package can (see opendata.check.package).
NOT_FROM_A_FILE: dict[str, dict[str, str]] = {
    "L3-02": {
        "ja": "コード表は別のファイルや定義として添えるもので、1つのファイルだけでは判定できません。",
        "en": "a code list comes as a separate file or definition; one file alone cannot show it.",
    },
    "L3-07": {
        "ja": "年ごとの版を比べる必要があり、1つのファイルだけでは判定できません。",
        "en": "needs the editions of several years to compare; one file alone cannot show it.",
    },
    "L3-08": {
        "ja": "定義・更新履歴・文字コードはメタデータに書くもので、ファイルだけでは判定できません"
        "（データパッケージなら判定します）。",
        "en": "definitions, history and encoding live in metadata; a file alone cannot show them "
        "(a data package can).",
    },
}
NOT_FOR_KIND = {
    "xlsx": {"ja": "CSV・TSVのためのルールです。", "en": "applies to CSV and TSV files only."},
    "text": {"ja": "Excelブックのためのルールです。", "en": "applies to Excel workbooks only."},
}


def judge(ctx: Context, extra: dict[str, Judge] | None = None) -> Report:
    """Run every rule; `extra` adds judges (the package-level ones) for the rules files cannot show."""
    kind = ctx.book.kind
    results = []
    for rule_id in catalogue():
        if extra and rule_id in extra:
            results.append(_result(rule_id, extra[rule_id](ctx)))
        elif rule_id in JUDGES:
            kinds, run = JUDGES[rule_id]
            if kind not in kinds:
                reason = NOT_FOR_KIND["xlsx" if kind == "xlsx" else "text"]
                results.append(RuleResult(rule_id, NOT_APPLICABLE, reason=reason))
            else:
                results.append(_result(rule_id, run(ctx)))
        else:
            results.append(RuleResult(rule_id, NOT_JUDGED, reason=NOT_FROM_A_FILE[rule_id]))
    return Report(ctx.filename, kind, ctx.book.encoding, [s.name for s in ctx.book.sheets], results)


def _result(rule_id: str, violations: list[Violation]) -> RuleResult:
    count = len(violations)
    return RuleResult(rule_id, FAILED if violations else PASSED, violations[:MAX_KEPT], count=count)
