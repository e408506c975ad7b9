"""The catalogue of the 30 rules (ids, levels, titles, explanations and fixes) as data.

rules.json reuses the Digital Agency's rule ids and Japanese titles (open data under PDL1.0)
and the ids of 総務省's 2020 統一ルール they replace; the explanations are our own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE = Path(__file__).with_name("rules.json")


@dataclass(frozen=True)
class Rule:
    id: str
    old: tuple[str, ...]
    title: dict[str, str]
    what: dict[str, str]
    fix: dict[str, str]

    @property
    def level(self) -> str:
        return self.id.split("-", 1)[0]


@cache
def catalogue() -> dict[str, Rule]:
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return {
        item["id"]: Rule(
            id=item["id"],
            old=tuple(item["old"]),
            title={"ja": item["title"], "en": item["titleEnglish"]},
            what={"ja": item["what"], "en": item["whatEnglish"]},
            fix={"ja": item["fix"], "en": item["fixEnglish"]},
        )
        for item in data["rules"]
    }


@cache
def source() -> dict[str, str]:
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))["source"]


def resolve(rule_id: str) -> Rule:
    """A new id (L2-01) or an old 統一ルール id (1-3) -> the rule."""
    rules = catalogue()
    if rule_id.upper() in rules:
        return rules[rule_id.upper()]
    for rule in rules.values():
        if rule_id in rule.old:
            return rule
    raise KeyError(rule_id)
