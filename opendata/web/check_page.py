"""The upload page of the machine-readability check, and its report as a page.

The file is read in memory (opendata.uploads) and never stored; an unreadable or
unsafe file shows the form again with the reason and the Problem's 4xx status.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from opendata import errors
from opendata.check import Limits, check_bytes
from opendata.check.report import LEVELS
from opendata.check.rules import catalogue, source
from opendata.check.text import ENCODING_NAMES
from opendata.uploads import prepare_upload, read_upload
from opendata.web import context
from opendata.web import errors as web_errors
from opendata.web.context import current_language

bp = Blueprint("check_page", __name__, template_folder="templates")
bp.before_request(prepare_upload)
bp.register_error_handler(errors.Problem, web_errors.problem_page)
bp.context_processor(context.template_globals)

TEXT: dict[str, dict[str, str]] = {
    "title": {"ja": "機械可読性チェック", "en": "Machine-readability check"},
    "lead": {
        "ja": "Excel（.xlsx）やCSV・TSVのファイルが、デジタル庁「行政データにおける機械可読性に関するルール」"
        "（30項目）に沿っているかを確かめます。ファイルは保存されません。",
        "en": "Check an Excel (.xlsx), CSV or TSV file against the Digital Agency's 30 rules on the "
        "machine readability of administrative data. Files are never stored.",
    },
    "file_label": {"ja": "確かめるファイル", "en": "File to check"},
    "file_hint": {
        "ja": ".xlsx、.csv、.tsv（UTF-8 または Shift_JIS）。上限 {mb} MB。"
        "マクロ付き・パスワード付きのブックは読めません。",
        "en": ".xlsx, .csv or .tsv (UTF-8 or Shift_JIS), up to {mb} MB. Macro-enabled and "
        "password-protected workbooks cannot be read.",
    },
    "submit": {"ja": "チェックする", "en": "Check"},
    "error_heading": {"ja": "ファイルを確かめられませんでした", "en": "The file could not be checked"},
    "report_title": {"ja": "チェック結果：{file}", "en": "Check report: {file}"},
    "summary": {"ja": "概要", "en": "Summary"},
    "format": {"ja": "形式", "en": "Format"},
    "encoding": {"ja": "文字コード", "en": "Encoding"},
    "sheets": {"ja": "シート", "en": "Sheets"},
    "score": {"ja": "スコア（合格したルールの割合）", "en": "Score (share of judged rules passed)"},
    "level": {"ja": "レベル", "en": "Level"},
    "not_scored": {"ja": "判定したルールなし", "en": "no rule judged"},
    "rules_heading": {"ja": "レベル{level}のルール", "en": "Level {level} rules"},
    "rule": {"ja": "ルール", "en": "Rule"},
    "result": {"ja": "結果", "en": "Result"},
    "details": {"ja": "詳細", "en": "Details"},
    "passed": {"ja": "合格", "en": "Passed"},
    "failed": {"ja": "不合格", "en": "Failed"},
    "not-applicable": {"ja": "対象外", "en": "Does not apply"},
    "not-judged": {"ja": "判定不可", "en": "Cannot judge"},
    "old_ids": {"ja": "旧統一ルール {ids}", "en": "2020 rule {ids}"},
    "fix": {"ja": "直し方", "en": "How to fix"},
    "more": {
        "ja": "ほか{n}件（JSONの結果にすべて載ります）",
        "en": "{n} more (all listed in the JSON report)",
    },
    "again": {"ja": "別のファイルをチェックする", "en": "Check another file"},
    "api_hint": {
        "ja": "同じチェックは POST /api/v1/check（JSON）とコマンド opendata check でも使えます。",
        "en": "The same check runs at POST /api/v1/check (JSON) and as the command opendata check.",
    },
    "source": {"ja": "ルールの出典", "en": "Rules"},
}
SHOWN = 20
# What each refusal means and what to do, in the page's language (the detail stays as raised).
REFUSALS: dict[str, dict[str, str]] = {
    "file-too-large": {
        "ja": "ファイルが大きすぎます。表を分けてください。",
        "en": "The file is too large; split the table.",
    },
    "too-many-cells": {
        "ja": "セルが多すぎます。不要な行や列を削除するか、表を分けてください。",
        "en": "Too many cells; delete unused rows and columns or split the table.",
    },
    "unsupported-file": {
        "ja": "チェックできるのは .xlsx、.csv、.tsv（UTF-8 または Shift_JIS）です。",
        "en": "Only .xlsx, .csv and .tsv (UTF-8 or Shift_JIS) can be checked.",
    },
    "unsafe-file": {
        "ja": "安全に読めないファイルのため受け付けませんでした。",
        "en": "The file was refused because it cannot be read safely.",
    },
    "macro-file": {
        "ja": "マクロを含むブックです。マクロなしの .xlsx として保存してください。",
        "en": "The workbook contains macros; save it as .xlsx without macros.",
    },
    "encrypted-file": {
        "ja": "パスワードで保護されています。保護を解除して保存してください。",
        "en": "The workbook is password-protected; remove the password and save it.",
    },
    "corrupt-file": {
        "ja": "ファイルが壊れているため読めません。保存し直してください。",
        "en": "The file is damaged; save it again.",
    },
    "invalid-parameter": {"ja": "ファイルを選んでください。", "en": "Choose a file."},
}


def _t(key: str, **values: object) -> str:
    return TEXT[key][current_language()].format(**values)


def _form(error: errors.Problem | None = None):
    mb = int(current_app.config["CHECK_MAX_UPLOAD_BYTES"]) // (1024 * 1024)
    advice = REFUSALS.get(error.slug, {}).get(current_language()) if error else None
    body = render_template("check.html", m=_t, mb=mb, error=error, advice=advice, report=None)
    return body, (error.status if error else 200)


@bp.errorhandler(errors.UploadProblem)
def refused(problem: errors.UploadProblem):
    """A body refused before the view runs (too large by its length) shows the form too."""
    return _form(problem)


@bp.get("/check")
def upload_form():
    """The upload form."""
    return _form()


@bp.post("/check")
def upload_report():
    """Check the uploaded file and show its report; a bad file shows the form and the reason."""
    from flask import request

    lang = current_language()
    try:
        data, filename = read_upload(request.files.get("file"))
        report = check_bytes(data, filename, Limits.from_settings(current_app.config, web=True))
    except errors.BadRequest as exc:
        return _form(exc)
    except errors.UploadProblem as exc:
        return _form(exc)
    rules = catalogue()
    levels = [
        (level, [(rules[r.id], r) for r in report.results if r.id.startswith(level)]) for level in LEVELS
    ]
    encoding = ENCODING_NAMES[lang].get(report.encoding or "", "")
    return render_template(
        "check.html",
        m=_t,
        report=report,
        levels=levels,
        scores=report.score(),
        encoding=encoding,
        shown=SHOWN,
        rule_source=source()["title" if lang == "ja" else "titleEnglish"],
        error=None,
    )
