#!/usr/bin/env python3
"""Write a large, deterministic, statistics-like Frictionless data package for benchmarks.

    scripts/make_synthetic_package.py OUT_DIR [--rows 1000000] [--seed 20220310]
                                      [--age-groups] [--name synthetic-statistics]

OUT_DIR becomes one tabular data package: OUT_DIR/datapackage.json (Table Schema
embedded, `bytes` and `hash` recorded the way `opendata build` records them) and
OUT_DIR/data/monthly-consultations.csv. Rows run through fiscal year, month, municipality
(the 33 of Kanagawa), channel and category, like a monthly consultations table; `count`,
`rate` and `note` come from a seeded generator, so the same arguments always write the
same bytes. `note` is empty in most rows and otherwise holds free text that sometimes
contains commas, double quotes and line breaks; `rate` is missing in about 1% of rows.

A month holds 3,300 rows, so 1,000,000 rows run from FY2000 to FY2025. Larger tables would
run past the schema's last fiscal year (2100); --age-groups adds an `age_group` column (10
groups) innermost, so a month holds 33,000 rows and 10,000,000 rows span the same 25 years.
A 1M-row package with --age-groups has the same shape over 2.5 years, for comparing the two
sizes. --name names the package (two sizes published side by side need two names).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import re
import sys
import uuid
from pathlib import Path

PACKAGE_NAME = "synthetic-statistics"
RESOURCE_NAME = "monthly-consultations"
FIRST_FISCAL_YEAR = 2000

PUBLISHER = ("140007", "神奈川県")
MUNICIPALITIES = (
    ("141003", "横浜市"),
    ("141305", "川崎市"),
    ("141500", "相模原市"),
    ("142018", "横須賀市"),
    ("142034", "平塚市"),
    ("142042", "鎌倉市"),
    ("142051", "藤沢市"),
    ("142069", "小田原市"),
    ("142077", "茅ヶ崎市"),
    ("142085", "逗子市"),
    ("142107", "三浦市"),
    ("142115", "秦野市"),
    ("142123", "厚木市"),
    ("142131", "大和市"),
    ("142140", "伊勢原市"),
    ("142158", "海老名市"),
    ("142166", "座間市"),
    ("142174", "南足柄市"),
    ("142182", "綾瀬市"),
    ("143014", "葉山町"),
    ("143219", "寒川町"),
    ("143413", "大磯町"),
    ("143421", "二宮町"),
    ("143618", "中井町"),
    ("143626", "大井町"),
    ("143634", "松田町"),
    ("143642", "山北町"),
    ("143669", "開成町"),
    ("143821", "箱根町"),
    ("143839", "真鶴町"),
    ("143847", "湯河原町"),
    ("144011", "愛川町"),
    ("144029", "清川村"),
)
CHANNELS = ("電話", "来所", "メール", "SNS", "訪問")
CATEGORIES = (
    "生活困窮",
    "就労",
    "住まい",
    "健康",
    "こころの健康",
    "家族関係",
    "子育て",
    "介護",
    "障害",
    "ひきこもり",
    "依存症",
    "債務",
    "DV",
    "犯罪被害",
    "孤独・孤立",
    "教育",
    "外国籍住民",
    "地域活動",
    "消費生活",
    "その他",
)
AGE_GROUPS = (
    "9歳以下",
    "10〜19歳",
    "20〜29歳",
    "30〜39歳",
    "40〜49歳",
    "50〜59歳",
    "60〜69歳",
    "70〜79歳",
    "80歳以上",
    "不明",
)
LAST_FISCAL_YEAR = 2100  # the schema's maximum
NOTES = (
    "速報値",
    "集計方法を変更",
    "一部, 推計を含む",
    '「再掲」を含む, "延べ件数"',
    "窓口を移転\n翌月から再開",
    '注: "暫定値"',
    "前年度比, 増加",
    "=SUM(A1:A2) のような値",
    "Provisional, revised later",
)

FIELDS = [
    {
        "name": "local_government_code",
        "type": "string",
        "title": "全国地方公共団体コード",
        "description": "Nationwide local government code (6 digits with check digit) of the publisher.",
        "constraints": {"required": True, "pattern": "[0-9]{6}"},
    },
    {
        "name": "local_government_name",
        "type": "string",
        "title": "地方公共団体名",
        "description": "Name of the publishing local government.",
        "constraints": {"required": True},
    },
    {
        "name": "fiscal_year",
        "type": "integer",
        "title": "年度（西暦）",
        "description": "Japanese fiscal year (April to March) as a Western-calendar year.",
        "constraints": {"required": True, "minimum": 1900, "maximum": 2100},
    },
    {
        "name": "month",
        "type": "integer",
        "title": "月",
        "description": "Calendar month the figures cover.",
        "constraints": {"required": True, "minimum": 1, "maximum": 12},
    },
    {
        "name": "municipality_code",
        "type": "string",
        "title": "市区町村コード",
        "description": "Nationwide local government code of the municipality the figures are for.",
        "constraints": {"required": True, "pattern": "[0-9]{6}"},
    },
    {
        "name": "municipality_name",
        "type": "string",
        "title": "市区町村名",
        "description": "Name of the municipality.",
        "constraints": {"required": True},
    },
    {
        "name": "channel",
        "type": "string",
        "title": "相談方法",
        "description": "How people consulted.",
        "constraints": {"required": True, "enum": list(CHANNELS)},
    },
    {
        "name": "category",
        "type": "string",
        "title": "相談分類",
        "description": "What the consultation was about.",
        "constraints": {"required": True, "enum": list(CATEGORIES)},
    },
    {
        "name": "age_group",
        "type": "string",
        "title": "年齢階級",
        "description": "Age group of the people who consulted (only with --age-groups).",
        "constraints": {"required": True, "enum": list(AGE_GROUPS)},
    },
    {
        "name": "count",
        "type": "integer",
        "title": "相談件数",
        "description": "Consultations in the month.",
        "constraints": {"required": True, "minimum": 0},
        "unit": "件",
        "unitEnglish": "consultations",
    },
    {
        "name": "rate",
        "type": "number",
        "title": "解決率",
        "description": "Share of consultations closed within the month; missing when not reported.",
        "constraints": {"minimum": 0, "maximum": 100},
        "unit": "%",
        "unitEnglish": "percent",
    },
    {
        "name": "note",
        "type": "string",
        "title": "備考",
        "description": "Free-text remark; may contain commas, quotes and line breaks.",
    },
]


def fields(age_groups: bool) -> list[dict]:
    return [f for f in FIELDS if age_groups or f["name"] != "age_group"]


def rows_per_month(age_groups: bool) -> int:
    return len(MUNICIPALITIES) * len(CHANNELS) * len(CATEGORIES) * (len(AGE_GROUPS) if age_groups else 1)


def last_fiscal_year(count: int, age_groups: bool) -> int:
    months = -(-count // rows_per_month(age_groups))
    return FIRST_FISCAL_YEAR + max(months - 1, 0) // 12


def rows(count: int, seed: int, age_groups: bool = False):
    """`count` rows in (fiscal year, month, municipality, channel, category[, age group]) order."""
    rng = random.Random(seed)
    groups = len(AGE_GROUPS) if age_groups else 1
    per_month = rows_per_month(age_groups)
    months = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)  # a fiscal year runs April to March
    code, name = PUBLISHER
    for i in range(count):
        month_index, rest = divmod(i, per_month)
        year_offset, month_position = divmod(month_index, 12)
        municipality, rest = divmod(rest, len(CHANNELS) * len(CATEGORIES) * groups)
        rest, age_group = divmod(rest, groups)
        channel, category = divmod(rest, len(CATEGORIES))
        municipality_code, municipality_name = MUNICIPALITIES[municipality]
        roll = rng.random()
        note = "" if roll < 0.7 else NOTES[int((roll - 0.7) / 0.3 * len(NOTES))]
        rate = "" if rng.random() < 0.01 else f"{rng.uniform(0, 100):.1f}"
        row = [
            code,
            name,
            FIRST_FISCAL_YEAR + year_offset,
            months[month_position],
            municipality_code,
            municipality_name,
            CHANNELS[channel],
            CATEGORIES[category],
            int(rng.expovariate(1 / 120)),
            rate,
            note,
        ]
        if age_groups:
            row.insert(8, AGE_GROUPS[age_group])
        yield row


def sha256_of(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def descriptor(csv_path: Path, count: int, seed: int, name: str, age_groups: bool) -> dict:
    # The default package's id stays what it was before --name and --age-groups existed.
    key = f"{name}:{count}:{seed}" + (":age-groups" if age_groups else "")
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": name,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"opendata:{key}")),
        "title": "合成統計データ（ベンチマーク用）",
        "titleEnglish": "Synthetic monthly consultations (benchmark data)",
        "description": "市区町村・相談方法・分類別の月次相談件数を模した合成データ"
        f"（{count:,}行、乱数の種 {seed}）。"
        " Synthetic, statistics-like rows for load tests; not real figures.",
        "keywords": ["benchmark", "synthetic", "合成データ"],
        "theme": "benchmark",
        "version": "1.0.0",
        "created": "2026-01-01T00:00:00Z",
        "licenses": [
            {
                "name": "CC0-1.0",
                "path": "https://creativecommons.org/publicdomain/zero/1.0/",
                "title": "CC0 1.0 Universal",
            }
        ],
        "attribution": "合成データ / Synthetic data generated by scripts/make_synthetic_package.py",
        "sources": [
            {"title": "scripts/make_synthetic_package.py", "publisher": "Kanagawa open data project"}
        ],
        "contributors": [{"title": "Kanagawa open data project", "roles": ["creator"]}],
        "language": ["ja", "en"],
        "updateFrequency": "NEVER",
        "resources": [
            {
                "name": RESOURCE_NAME,
                "type": "table",
                "path": f"data/{csv_path.name}",
                "title": "月次相談件数（合成）",
                "titleEnglish": "Monthly consultations (synthetic)",
                "description": "One row per fiscal year, month, municipality, channel and category"
                + (" and age group." if age_groups else "."),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": fields(age_groups), "missingValues": [""]},
                "bytes": csv_path.stat().st_size,
                "hash": f"sha256:{sha256_of(csv_path)}",
            }
        ],
    }


def write_package(
    out_dir: Path, count: int, seed: int, name: str = PACKAGE_NAME, age_groups: bool = False
) -> Path:
    data = out_dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    csv_path = data / f"{RESOURCE_NAME}.csv"
    temp = csv_path.with_name(f".{csv_path.name}.{os.getpid()}.tmp")
    try:
        with temp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([f["name"] for f in fields(age_groups)])
            writer.writerows(rows(count, seed, age_groups))
        os.replace(temp, csv_path)
    finally:
        temp.unlink(missing_ok=True)
    path = out_dir / "datapackage.json"
    meta = descriptor(csv_path, count, seed, name, age_groups)
    text = json.dumps(meta, ensure_ascii=False, indent=2) + "\n"
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="folder to write the package into (created if missing)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="number of data rows (default 1000000)")
    parser.add_argument("--seed", type=int, default=20220310, help="random seed (default 20220310)")
    parser.add_argument(
        "--age-groups",
        action="store_true",
        help="break each month down by 10 age groups too (x10 rows/month)",
    )
    parser.add_argument("--name", default=PACKAGE_NAME, help=f"package name (default {PACKAGE_NAME})")
    args = parser.parse_args(argv)
    if args.rows < 0:
        parser.error("--rows must be 0 or more")
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", args.name):
        parser.error("--name must be lower-case letters, digits, '.', '_' or '-'")
    if last_fiscal_year(args.rows, args.age_groups) > LAST_FISCAL_YEAR:
        hint = "" if args.age_groups else "; add --age-groups (10 times the rows per month)"
        parser.error(f"--rows {args.rows} would run past fiscal year {LAST_FISCAL_YEAR}{hint}")
    path = write_package(args.out_dir, args.rows, args.seed, args.name, args.age_groups)
    print(f"wrote {path} ({args.rows:,} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
