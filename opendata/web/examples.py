"""Copyable API examples for exactly one dataset, built from its resource links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Example:
    key: str  # message key of its heading
    language: str  # for the code block's class
    code: str


def examples(detail: dict[str, Any]) -> list[Example]:
    resource = detail["resources"][0]
    links = resource["links"]
    curl = "\n".join(
        [
            "# 先頭の10行を JSON で / the first 10 rows as JSON",
            f"curl -s '{links['rows']}?limit=10'",
            "",
            "# 表全体を Excel 用 CSV で保存 / the whole table as CSV for Excel",
            f"curl -o '{detail['name']}_{resource['name']}.csv' '{links['download_csv_excel']}'",
            "",
            "# データセット一式（データ・スキーマ・README）/ the whole package",
            f"curl -o '{detail['name']}.zip' '{detail['links']['zip']}'",
        ]
    )
    python = "\n".join(
        [
            "from frictionless import Package",
            "",
            f'package = Package("{detail["links"]["datapackage"]}")',
            f'resource = package.get_resource("{resource["name"]}")',
            "for row in resource.read_rows():",
            "    print(row)",
        ]
    )
    return [Example("api_curl", "shell", curl), Example("api_python", "python", python)]
