"""The two languages of the human catalog: Japanese by default, English on `?lang=en`.

The interface strings live here as data; the datasets bring their own Japanese and English
titles. Descriptions in the packages are written Japanese first, then English, in one
string, and `split_bilingual` separates them.
"""

from __future__ import annotations

import re
from datetime import date

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"

MESSAGES: dict[str, dict[str, str]] = {
    "site_name": {"ja": "かながわ社会問題オープンデータ", "en": "Kanagawa social-issues open data"},
    "site_tagline": {
        "ja": "神奈川県「社会問題対策特別委員会資料」（令和4年3月10日）の表を、そのまま使えるデータで。",
        "en": "The tables of Kanagawa Prefecture's social-issues committee report of 10 March 2022, "
        "as data you can use.",
    },
    "skip_to_content": {"ja": "本文へスキップ", "en": "Skip to main content"},
    "skip_to_downloads": {"ja": "ダウンロードへスキップ", "en": "Skip to the downloads"},
    "language_switch": {"ja": "English", "en": "日本語"},
    "language_switch_label": {"ja": "Read this page in English", "en": "このページを日本語で表示"},
    "home": {"ja": "ホーム", "en": "Home"},
    "breadcrumb": {"ja": "現在の位置", "en": "You are here"},
    "find_data": {"ja": "データを探す", "en": "Find data"},
    "search_label": {
        "ja": "キーワードで検索（日本語・英語）",
        "en": "Search by keyword (Japanese or English)",
    },
    "search_hint": {
        "ja": "例：ひきこもり、相談、電子決裁、employment",
        "en": "For example: hikikomori, consultations, 相談, e-approval",
    },
    "search_button": {"ja": "検索", "en": "Search"},
    "results_for": {"ja": "「{q}」の検索結果", "en": "Results for “{q}”"},
    "results_theme": {"ja": "テーマ「{theme}」のデータセット", "en": "Datasets on {theme}"},
    "results_count": {"ja": "{n}件のデータセットが見つかりました。", "en": "{n} datasets found."},
    "results_count_one": {"ja": "1件のデータセットが見つかりました。", "en": "1 dataset found."},
    "no_results": {
        "ja": "該当するデータセットはありません。別の言葉で検索するか、下の一覧から探してください。",
        "en": "No dataset matches. Try other words, or browse the full list.",
    },
    "all_datasets": {"ja": "すべてのデータセットを見る", "en": "See all datasets"},
    "by_section": {"ja": "報告書の章立てで見る", "en": "Browse by the report's sections"},
    "by_theme": {"ja": "テーマで見る", "en": "Browse by theme"},
    "datasets_in_theme": {"ja": "{n}件", "en": "{n} datasets"},
    "datasets_in_theme_one": {"ja": "1件", "en": "1 dataset"},
    "section": {"ja": "章・節", "en": "Section"},
    "period": {"ja": "対象期間", "en": "Period covered"},
    "updated": {"ja": "現行版の公開日", "en": "Current release published"},
    "source_published": {"ja": "元資料の公表日", "en": "Source report published"},
    "data_published": {"ja": "データセットの公開日", "en": "Dataset first published"},
    "current_release": {"ja": "現行版", "en": "Current release"},
    "release_text": {"ja": "版 {version}・公開", "en": "version {version}, published"},
    "jump_downloads": {"ja": "ダウンロードへ移動", "en": "Go to the downloads"},
    "cite_as_is": {
        "ja": "データをそのまま使う（表やグラフに引用する）ときの出典表示：",
        "en": "When you use the data as it is (quote it, chart it):",
    },
    "cite_edited": {
        "ja": "データを加工したとき（抜き出し・集計・計算・組み合わせ等）は、加工したことが分かるように"
        "次のように記載してください（加工した結果を県が作成したかのように示すことはできません）：",
        "en": "When you changed the data (selected, summed, recalculated or combined it), say so, and do not "
        "present the result as the publisher's own:",
    },
    "constant_note": {
        "ja": "すべての行で同じ値の列（狭い画面では表から省略）：",
        "en": "Columns with the same value on every row (left out of the table on narrow screens):",
    },
    "feed": {"ja": "新しい版のお知らせ（Atom フィード）", "en": "New releases (Atom feed)"},
    "themes_page": {"ja": "テーマとキーワードの一覧", "en": "Themes and keywords"},
    "themes_intro": {
        "ja": "データセットのテーマとキーワードを、該当するデータセットの数とともに示します。",
        "en": "The themes and keywords of the datasets, with how many datasets have each.",
    },
    "keyword_results": {
        "ja": "キーワード「{keyword}」のデータセット",
        "en": "Datasets with keyword “{keyword}”",
    },
    "matched": {"ja": "該当箇所", "en": "Why it matched"},
    "matched_synonym": {"ja": "「{term}」→「{word}」", "en": "“{term}” as “{word}”"},
    "where_title": {"ja": "タイトル", "en": "title"},
    "where_name": {"ja": "名前", "en": "name"},
    "where_keywords": {"ja": "キーワード", "en": "keywords"},
    "where_theme": {"ja": "テーマ", "en": "theme"},
    "where_description": {"ja": "説明", "en": "description"},
    "where_source": {"ja": "出典", "en": "source"},
    "where_resource": {"ja": "表の説明", "en": "table description"},
    "where_field": {"ja": "項目の説明", "en": "field description"},
    "where_table": {"ja": "表の中身", "en": "table contents"},
    "no_results_list": {"ja": "すべてのデータセット", "en": "All datasets"},
    "unknown_theme": {
        "ja": "「{name}」というテーマ（またはそれで始まるテーマ）はありません。",
        "en": "No theme is, or begins with, “{name}”.",
    },
    "unknown_keyword": {
        "ja": "「{name}」というキーワード（またはそれで始まるキーワード）はありません。",
        "en": "No keyword is, or begins with, “{name}”.",
    },
    "did_you_mean": {"ja": "もしかして：", "en": "Did you mean: "},
    "no_period": {"ja": "期間の定めなし", "en": "not tied to a period"},
    "page_abbr": {"ja": "{page}ページ", "en": "p. {page}"},
    "page_paren": {"ja": "（{page}ページ）", "en": " (p. {page})"},
    "colon": {"ja": "：", "en": ": "},
    "title_separator": {"ja": "｜", "en": " | "},
    "list_separator": {"ja": "、", "en": "; "},
    "theme": {"ja": "テーマ", "en": "Theme"},
    "keywords": {"ja": "キーワード", "en": "Keywords"},
    "contents": {"ja": "このページの内容", "en": "On this page"},
    "summary": {"ja": "概要", "en": "Summary"},
    "downloads": {"ja": "ダウンロード", "en": "Downloads"},
    "downloads_hint": {
        "ja": "Excel で開くときは「CSV（Excel用・BOM付きUTF-8・日本語の見出し）」を、古い Excel では"
        "「CSV（Shift_JIS・日本語の見出し）」を選んでください（保存されるファイル名は「…_Excel用.csv」"
        "「…_ShiftJIS.csv」です）。プログラムで使うときは「CSV（UTF-8）」（英字の項目名）"
        "または JSON が便利です。",
        "en": "To open in Excel, choose “CSV for Excel (UTF-8 with BOM, Japanese headers)”; for old versions "
        "of Excel, “CSV (Shift_JIS, Japanese headers)” (saved as “…_Excel用.csv” and “…_ShiftJIS.csv”). "
        "For programs, “CSV (UTF-8)” (field names as headers) or JSON.",
    },
    "csv_utf8": {"ja": "CSV（UTF-8）", "en": "CSV (UTF-8)"},
    "csv_excel": {
        "ja": "CSV（Excel用・BOM付きUTF-8・日本語の見出し）",
        "en": "CSV for Excel (UTF-8 with BOM, Japanese headers)",
    },
    "csv_excel_names": {
        "ja": "CSV（Excel用・BOM付きUTF-8・英字の項目名）",
        "en": "CSV for Excel (UTF-8 with BOM, field names as headers)",
    },
    "csv_sjis": {"ja": "CSV（Shift_JIS・日本語の見出し）", "en": "CSV (Shift_JIS, Japanese headers)"},
    "download_xlsx": {
        "ja": "Excel（XLSX・項目定義とメタデータのシート付き）",
        "en": "Excel (XLSX, with data dictionary and metadata sheets)",
    },
    "download_wide_xlsx": {
        "ja": "Excel（XLSX・報告書に印刷された表の形）",
        "en": "Excel (XLSX, in the layout the report printed)",
    },
    "download_parquet": {
        "ja": "Parquet（型付き・分析ツール向け）",
        "en": "Parquet (typed, for analysis tools)",
    },
    "csv_sjis_refused": {
        "ja": "Shift_JIS 版はありません：{row}行目の {field} に Shift_JIS で表せない文字があります。"
        "Excel では「CSV（Excel用・BOM付きUTF-8・日本語の見出し）」をお使いください。",
        "en": "No Shift_JIS version: row {row}, field {field} holds a character Shift_JIS cannot encode. "
        "For Excel, use “CSV for Excel (UTF-8 with BOM, Japanese headers)”.",
    },
    "json_rows": {"ja": "JSON（API・{n}行まで）", "en": "JSON (API, up to {n} rows)"},
    "datapackage": {"ja": "datapackage.json（メタデータ）", "en": "datapackage.json (metadata)"},
    "zip": {
        "ja": "一式をzipで（データ・Excel用CSV・スキーマ・説明）",
        "en": "Everything as a zip (data, CSV for Excel, schemas, README)",
    },
    "zip_hint": {
        "ja": "zip の中の excel フォルダの CSV は Excel でそのまま開けます。",
        "en": "In the zip, the CSVs in the excel folder open in Excel as they are.",
    },
    "whole_dataset": {"ja": "データセット全体", "en": "The whole dataset"},
    "bytes": {"ja": "{n} バイト", "en": "{n} bytes"},
    "rows_count": {"ja": "{n}行", "en": "{n} rows"},
    "data": {"ja": "データ", "en": "Data"},
    "chart": {"ja": "グラフ", "en": "Chart"},
    "chart_note": {
        "ja": "グラフは表の数値を描いたものです。正確な値は下の表をご覧ください。",
        "en": "The chart draws the table's figures; the table below holds the exact values.",
    },
    "chart_values": {"ja": "グラフの数値（テキスト）", "en": "The chart's values as text"},
    "unit_note": {"ja": "（単位：{unit}）", "en": " (unit: {unit})"},
    "chart_axis_x": {"ja": "期間", "en": "Period"},
    "legend": {"ja": "凡例", "en": "Legend"},
    "preview": {"ja": "データのプレビュー", "en": "Preview of the data"},
    "preview_caption": {
        "ja": "{title}（全{total}行中 {first}〜{last}行目）",
        "en": "{title} (rows {first}–{last} of {total})",
    },
    "preview_region": {
        "ja": "{title} の表（横にスクロールできます）",
        "en": "Table of {title} (scrolls sideways)",
    },
    "sort_ascending": {"ja": "昇順に並べ替え", "en": "sort ascending"},
    "facets_label": {"ja": "{title}の絞り込み", "en": "Filter {title}"},
    "facet_selected": {"ja": "（選択中。もう一度押すと解除）", "en": " (selected; select again to clear)"},
    "facets_clear": {"ja": "絞り込みをすべて解除", "en": "Clear all filters"},
    "sort_descending": {"ja": "降順に並べ替え", "en": "sort descending"},
    "sorted_by": {"ja": "並び順：{field}（{direction}）", "en": "Sorted by {field} ({direction})"},
    "ascending": {"ja": "昇順", "en": "ascending"},
    "descending": {"ja": "降順", "en": "descending"},
    "default_order": {"ja": "並び順：元の表の順", "en": "In the report's order"},
    "reset_sort": {"ja": "元の順に戻す", "en": "Back to the report's order"},
    "pagination": {"ja": "{title} のページ送り", "en": "Pages of {title}"},
    "previous": {"ja": "前のページ", "en": "Previous page"},
    "next": {"ja": "次のページ", "en": "Next page"},
    "page_n": {"ja": "{n}ページ目", "en": "Page {n}"},
    "preview_limit": {
        "ja": "プレビューは先頭 {n} 行までです。すべての行はダウンロードか API で取得できます。",
        "en": "The preview shows the first {n} rows; download the file or use the API for all of them.",
    },
    "null_value": {"ja": "値なし", "en": "no value"},
    "true": {"ja": "はい", "en": "yes"},
    "false": {"ja": "いいえ", "en": "no"},
    "schema": {"ja": "項目の説明", "en": "Fields"},
    "schema_caption": {"ja": "{title} の項目", "en": "Fields of {title}"},
    "field_name": {"ja": "項目名", "en": "Field"},
    "field_label": {"ja": "日本語ラベル", "en": "Japanese label"},
    "field_type": {"ja": "型", "en": "Type"},
    "field_unit": {"ja": "単位", "en": "Unit"},
    "field_description": {"ja": "説明", "en": "Description"},
    "required": {"ja": "必須", "en": "required"},
    "provenance": {"ja": "出典", "en": "Where it comes from"},
    "report": {"ja": "報告書", "en": "Report"},
    "report_page": {"ja": "掲載ページ", "en": "Page"},
    "publisher": {"ja": "発行者", "en": "Publisher"},
    "published": {"ja": "公表日", "en": "Published"},
    "licence": {"ja": "ライセンス", "en": "Licence"},
    "licence_text": {
        "ja": "このデータは {licence} の下で、出典を示せば自由に利用・加工・再配布できます。",
        "en": "You may use, adapt and share this data under {licence}, as long as you credit the source.",
    },
    "attribution": {"ja": "出典表示の例（コピーしてお使いください）", "en": "Attribution text to copy"},
    "copy": {"ja": "コピー", "en": "Copy"},
    "copied": {"ja": "コピーしました", "en": "Copied"},
    "copy_edited": {"ja": "加工したときの表示をコピー", "en": "Copy the text for edited data"},
    "versions": {"ja": "版と更新履歴", "en": "Version and history"},
    "version": {"ja": "版", "en": "Version"},
    "created": {"ja": "作成日", "en": "Created"},
    "modified": {"ja": "更新日", "en": "Modified"},
    "digest": {"ja": "内容のハッシュ値", "en": "Content hash"},
    "current": {"ja": "現行版", "en": "current"},
    "releases": {"ja": "公開履歴", "en": "Releases"},
    "release": {"ja": "リリース", "en": "Release"},
    "release_published": {"ja": "公開日時", "en": "Published"},
    "changes": {"ja": "変更点", "en": "Changes"},
    "first_release": {"ja": "最初の公開", "en": "First release"},
    "no_changes": {"ja": "変更なし", "en": "No changes"},
    "change_counts": {
        "ja": "行の追加 {added}・削除 {removed}・変更 {changed}、項目定義の変更 {schema}",
        "en": "{added} rows added, {removed} removed, {changed} changed; {schema} schema changes",
    },
    "release_downloads": {"ja": "この版のファイル", "en": "This release's files"},
    "show_diff": {"ja": "前の版との差分", "en": "Diff with the release before"},
    "diff_title": {"ja": "{title}：版の差分", "en": "{title}: what changed between releases"},
    "diff_between": {"ja": "{old} から {new} への変更", "en": "From release {old} to release {new}"},
    "diff_csv": {"ja": "差分を CSV で取得", "en": "This diff as CSV"},
    "schema_change": {"ja": "項目定義の変更", "en": "Schema changes"},
    "rows_added": {"ja": "追加された行", "en": "Rows added"},
    "rows_removed": {"ja": "削除された行", "en": "Rows removed"},
    "rows_changed": {"ja": "値が変わった行", "en": "Rows changed"},
    "old_value": {"ja": "変更前", "en": "Before"},
    "new_value": {"ja": "変更後", "en": "After"},
    "key": {"ja": "キー", "en": "Key"},
    "field": {"ja": "項目", "en": "Field"},
    "truncated": {
        "ja": "一部のみ表示しています。すべては CSV で取得できます。",
        "en": "Only part is shown; the CSV has all of it.",
    },
    "dataset_publisher": {"ja": "データの公開者", "en": "Published here by"},
    "publisher_english": {"ja": "英語名", "en": "English name"},
    "publisher_japanese": {"ja": "日本語名", "en": "Japanese name"},
    "local_government_code": {"ja": "全国地方公共団体コード", "en": "Local government code"},
    "back_to_dataset": {"ja": "データセットに戻る", "en": "Back to the dataset"},
    "api": {"ja": "API で使う", "en": "Use it from the API"},
    "api_intro": {
        "ja": "このデータセットをプログラムから取得する例です。API 全体の説明は",
        "en": "Examples that fetch exactly this dataset. The whole API is described in",
    },
    "api_docs": {"ja": "API ドキュメント", "en": "the API documentation"},
    "api_docs_title": {"ja": "API ドキュメント", "en": "API documentation"},
    "api_docs_suffix": {"ja": "をご覧ください。", "en": "."},
    "api_curl": {"ja": "curl（コマンドライン）", "en": "curl (command line)"},
    "api_python": {"ja": "Python（frictionless）", "en": "Python (frictionless)"},
    "footer_source": {
        "ja": "出典：神奈川県「社会問題対策特別委員会資料」（令和4年3月10日）を加工して作成",
        "en": "Source: Kanagawa Prefecture, Materials for the Special Committee on Social Issues "
        "(10 March 2022), edited.",
    },
    "footer_licence": {"ja": "データのライセンス：CC BY 4.0", "en": "Data licence: CC BY 4.0"},
    "not_found_title": {"ja": "ページが見つかりません", "en": "Page not found"},
    "not_found_text": {
        "ja": "お探しのページは見つかりませんでした。"
        "アドレスをお確かめのうえ、検索するか一覧からお探しください。",
        "en": "We could not find that page. Check the address, or search or browse the datasets.",
    },
    "bad_request_title": {"ja": "リクエストを処理できません", "en": "The request cannot be handled"},
    "error_title": {"ja": "エラーが発生しました", "en": "Something went wrong"},
    "error_text": {
        "ja": "ページを表示できませんでした。時間をおいて再度お試しください。",
        "en": "The page could not be shown. Please try again later.",
    },
    "error_detail": {"ja": "詳細", "en": "Details"},
    "request_id": {"ja": "問い合わせ番号", "en": "Request id"},
    "back_home": {"ja": "トップページへ戻る", "en": "Back to the home page"},
    "resources": {"ja": "表", "en": "Tables"},
}

# The packages name their theme in Japanese only; these are the English names shown for them.
THEMES_EN: dict[str, str] = {
    "孤独・孤立対策": "Loneliness and isolation",
    "自殺防止・メンタルヘルス": "Suicide prevention and mental health",
    "コミュニティ": "Community",
    "犯罪被害者支援": "Support for crime victims",
    "デジタル化": "Digital government",
    "就労支援": "Employment support",
    "主要指標": "Key figures",
    "相談窓口": "Consultation services",
}

# Where a description turns from Japanese to English: after Japanese closing punctuation.
_LANGUAGE_TURN = re.compile(r"(?<=[。）」』])\s+(?=[A-Z0-9\"'“])")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


def language(raw: str | None) -> str:
    return raw if raw in LANGUAGES else DEFAULT_LANGUAGE


def translate(lang: str, key: str, **values: object) -> str:
    text = MESSAGES[key][lang]
    return text.format(**values) if values else text


def theme_name(theme: str, lang: str) -> str:
    return THEMES_EN.get(theme, theme) if lang == "en" else theme


def split_bilingual(text: str) -> tuple[str, str]:
    """'日本語の説明。 English description.' -> ('日本語の説明。', 'English description.')."""
    turns = list(_LANGUAGE_TURN.finditer(text))
    if not turns:
        return (text, "") if _CJK.search(text) else ("", text)
    last = turns[-1]
    return text[: last.start()].strip(), text[last.end() :].strip()


def bilingual(description: str, description_english: str = "") -> tuple[str, str]:
    """(Japanese, English): from `description` and `descriptionEnglish` where a descriptor has
    both, else split out of a `description` that holds both languages."""
    if description_english:
        return description, description_english
    return split_bilingual(description)


def in_language(text: str, lang: str, english_text: str = "") -> str:
    """The part of a bilingual description in `lang`, or the whole text when it has no such part."""
    japanese, english = bilingual(text, english_text)
    return (english if lang == "en" else japanese) or text or english_text


def is_japanese(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def first_sentence(text: str, lang: str, limit: int) -> str:
    """A one-line summary: the first sentence, cut at `limit` characters."""
    end = text.find("。") + 1 if lang == "ja" else text.find(". ") + 1
    sentence = text[:end] if end > 0 else text
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1]
    if lang == "en" and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut + "…"


def format_date(value: str | None, lang: str) -> str:
    """ISO date (or datetime) as 2021年12月31日 or 31 December 2021."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return value
    if lang == "ja":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%B} {day.year}"


def format_number(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)
