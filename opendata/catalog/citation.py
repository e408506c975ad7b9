"""How to credit a dataset, in Japanese and in English, as CC BY 4.0 and PDL1.0 ask.

Both ask for the source (who, what, where: title, publisher and URL) and, when the data
was changed, for saying so without presenting the result as the publisher's own:
公共データ利用規約（PDL1.0）'s examples are 「出典：「…」（発行者）（URL）」 for use as is and
「「…」（発行者）（URL）を加工して作成」 for edited data; CC BY 4.0 (section 3(a)) asks for the
creator, a URI or hyperlink to the material, the licence, and an indication of changes.
The release (version) is named so that a figure can be traced to the exact data cited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from opendata.catalog.models import Package


@dataclass(frozen=True)
class Citation:
    as_is: str  # the data used unchanged (copied, charted, quoted)
    edited: str  # the data selected, combined, recalculated or otherwise changed
    original: str  # the printed report the dataset was made from


def _publisher(package: Package, lang: str) -> str:
    publisher = package.descriptor.get("publisher")
    if isinstance(publisher, dict):
        name = publisher.get("titleEnglish") if lang == "en" else publisher.get("title")
        if name:
            return str(name)
    stated = str(package.source.get("publisher", ""))
    return "Kanagawa Prefecture" if lang == "en" and stated == "神奈川県" else stated


def _licence(package: Package) -> str:
    first = package.licenses[0] if package.licenses else {}
    return str(first.get("name") or first.get("title") or "").replace("CC-BY-4.0", "CC BY 4.0")


def _japanese_date(iso: str) -> str:
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.year}年{day.month}月{day.day}日"


def cite(package: Package, lang: str, url: str) -> Citation:
    publisher, licence, source = _publisher(package, lang), _licence(package), package.source
    if lang == "en":
        title = package.title_english or package.title
        work = f"{publisher}, “{title}”, version {package.version}, {url}"
        return Citation(
            as_is=f"Source: {work} ({licence})",
            edited=f"Adapted from {work} ({licence}); changes were made by [your name].",
            original=f"Made from: {source.get('titleEnglish') or source.get('title', '')} "
            f"({publisher}, {source.get('date', '')})",
        )
    work = f"「{package.title}」（{publisher}）（版 {package.version}、{url}）"
    printed = _japanese_date(str(source.get("date")))
    return Citation(
        as_is=f"出典：{work}、{licence}",
        edited=f"{work}を加工して作成",
        original=f"元資料：{publisher}「{source.get('title', '')}」（{printed}）",
    )
