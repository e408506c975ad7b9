"""ASCII snake_case field names for printed Japanese headings.

There is no reliable romaniser for kanji in the standard library, and a wrong reading is
worse than none, so names come from a glossary of the words statistical tables use; a
heading the glossary cannot fully cover gets a readable fallback (`col_3`, the sheet's
column number) and the importer says so, keeping the printed heading as the field's title.
"""

from __future__ import annotations

import re
import unicodedata

GLOSSARY: dict[str, str] = {
    "合計": "total",
    "総計": "total",
    "総数": "total",
    "計": "total",
    "小計": "subtotal",
    "男性": "male",
    "女性": "female",
    "男": "male",
    "女": "female",
    "年度": "fiscal_year",
    "年": "year",
    "月": "month",
    "日付": "date",
    "市町村名": "municipality",
    "市区町村名": "municipality",
    "市町村": "municipality",
    "市区町村": "municipality",
    "地域": "area",
    "地区": "district",
    "都道府県": "prefecture",
    "区分": "category",
    "種別": "type",
    "項目": "item",
    "内訳": "breakdown",
    "分類": "category",
    "相談方法": "channel",
    "方法": "method",
    "相談件数": "consultations",
    "相談者数": "consultants",
    "件数": "count",
    "人数": "people",
    "回数": "times",
    "実人数": "unique_people",
    "延べ人数": "total_visits",
    "延人数": "total_visits",
    "参加者数": "participants",
    "利用者数": "users",
    "登録者数": "registrants",
    "就職者数": "employed",
    "来所": "visit",
    "電話": "telephone",
    "メール": "email",
    "訪問": "home_visit",
    "相談": "consultations",
    "割合": "share",
    "率": "rate",
    "金額": "amount",
    "予算": "budget",
    "決算": "settlement",
    "人口": "population",
    "世帯数": "households",
    "施設数": "facilities",
    "団体数": "organisations",
    "事業名": "programme",
    "名称": "name",
    "備考": "remarks",
    "年齢": "age",
    "歳": "age",
    "未満": "under",
    "以上": "and_over",
    "その他": "other",
    "不明": "unknown",
    "目標": "target",
    "実績": "result",
    "前年度": "previous_year",
    "増減": "change",
    "対前年比": "year_on_year",
    "件": "count",
    "人": "people",
    "円": "yen",
    "千円": "thousand_yen",
    "所": "places",
    "か所": "places",
}
_SPLIT = re.compile(r"[\s_・/／()（）「」\[\]【】:：,、]+")


def snake(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def name_for(parts: list[str]) -> str | None:
    """An ASCII name from the glossary, or None when some word has no entry."""
    words: list[str] = []
    for part in parts:
        for token in _SPLIT.split(part):
            if not token:
                continue
            ascii_token = snake(token)
            if ascii_token and token.isascii():
                words.append(ascii_token)
            elif token in GLOSSARY:
                words.append(GLOSSARY[token])
            else:
                found = _longest_cover(token)
                if found is None:
                    return None
                words.extend(found)
    name = "_".join(w for w in words if w)
    return name or None


def _longest_cover(token: str) -> list[str] | None:
    """Cover a compound (相談件数合計) with glossary words, longest first; None if impossible."""
    if not token:
        return []
    for size in range(len(token), 0, -1):
        head = token[:size]
        if head in GLOSSARY:
            rest = _longest_cover(token[size:])
            if rest is not None:
                return [GLOSSARY[head], *rest]
    return None


def unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            out.append(f"{name}_{seen[name]}")
        else:
            seen[name] = 1
            out.append(name)
    return out
