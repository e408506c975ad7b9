"""Dataset-level metadata every output shares: who published what, how often, in which languages.

No Flask and no RDF here: DCAT, schema.org and the CKAN API each serialise these values.

Who publishes: the prefecture created the source report (it is credited as such, 「…を加工して
作成」); this service derives the tables from it, so the operator of the deployment is the
publisher of the datasets. Only when a deployment says it is the publishing body's own
(OPERATOR_IS_PUBLISHER) is the package's `publisher` (or, lacking one, its source's publisher)
the dataset's publisher too. Contact details are published exactly as set, never made up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opendata.catalog.models import Package

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
# updateFrequency codes are the EU frequency authority table's own codes (ja, en labels).
FREQUENCIES = {
    "NEVER": ("更新予定なし", "never"),
    "IRREG": ("不定期", "irregular"),
    "UNKNOWN": ("不明", "unknown"),
    "ANNUAL": ("年1回", "annual"),
    "QUARTERLY": ("四半期ごと", "quarterly"),
    "MONTHLY": ("毎月", "monthly"),
    "WEEKLY": ("毎週", "weekly"),
    "DAILY": ("毎日", "daily"),
}
# Descriptor language codes (BCP 47) to the EU language authority table (ISO 639-2/B).
LANGUAGES = {"ja": "JPN", "en": "ENG"}
# The e-Stat LOD IRI of a 統計に用いる標準地域コード: "C", the 5-digit code (the 全国地方公共団体コード
# without its check digit), and the day the code took effect (1970-04-01 for every prefecture),
# e.g. C41000-19700401 for 佐賀県 (data.e-stat.go.jp/lodw/data/sac/ explains the "C").
ESTAT_AREA = "http://data.e-stat.go.jp/lod/sac/C{code}-19700401"
# ADMS publisher type of a prefecture (a regional authority), for the source's creator.
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
PREFECTURE_TYPE = "RegionalAuthority"


@dataclass(frozen=True)
class Agent:
    """A body that publishes or created something; empty strings are unknown and left out."""

    key: str  # "operator" or the local government code: what its IRI is made from
    name: str
    name_english: str = ""
    url: str = ""
    email: str = ""
    phone: str = ""
    kind: str = ""  # an ADMS publisher type code, e.g. RegionalAuthority


@dataclass(frozen=True)
class Publishing:
    """The deployment's operator and whether it is the packages' publishing body itself."""

    operator: Agent
    operator_is_publisher: bool

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Publishing:
        operator = Agent(
            key="operator",
            name=str(settings.get("OPERATOR_NAME") or ""),
            url=str(settings.get("OPERATOR_URL") or ""),
            email=str(settings.get("OPERATOR_EMAIL") or ""),
            phone=str(settings.get("OPERATOR_PHONE") or ""),
            kind=str(settings.get("OPERATOR_TYPE") or ""),
        )
        return cls(operator, bool(settings.get("OPERATOR_IS_PUBLISHER")))

    def publisher(self, package: Package) -> Agent:
        """The dataset's publisher: the operator, or the package's own body on its own deployment."""
        if not self.operator_is_publisher:
            return self.operator
        body = package_body(package)
        # The deployment is the body's own, so the operator's contact details are the body's.
        return Agent(
            body.key,
            body.name,
            body.name_english,
            self.operator.url,
            self.operator.email,
            self.operator.phone,
            self.operator.kind or body.kind,
        )


def package_body(package: Package) -> Agent:
    """The package's publishing body: its `publisher` object, else its first source's publisher."""
    declared = package.descriptor.get("publisher") or {}
    if declared.get("title"):
        return _body(str(declared["title"]), str(declared.get("localGovernmentCode") or ""),
                     str(declared.get("titleEnglish") or ""))  # fmt: skip
    return report_body(package)


def report_body(package: Package) -> Agent:
    """Who issued the source report (sources[0].publisher), with its code where the package gives it."""
    name = str(package.source.get("publisher") or "")
    for known in (package.descriptor.get("publisher") or {}, package.descriptor.get("spatial") or {}):
        if name and name in (known.get("title"), known.get("localGovernmentName")):
            code, english = str(known.get("localGovernmentCode") or ""), str(known.get("titleEnglish") or "")
            return _body(name, code, english)
    return _body(name, "", "")


def _body(name: str, code: str, english: str) -> Agent:
    # A 全国地方公共団体コード xx000 + check digit is a prefecture.
    kind = PREFECTURE_TYPE if len(code) == 6 and code[2:5] == "000" else ""
    return Agent(key=code or "source", name=name, name_english=english, kind=kind)


def frequency(package: Package) -> str | None:
    """The package's updateFrequency when it is a code of the EU frequency table."""
    code = package.descriptor.get("updateFrequency")
    return code if code in FREQUENCIES else None


def frequency_iri(code: str) -> str:
    return f"{EU_AUTHORITY}frequency/{code}"


def languages(package: Package) -> list[str]:
    """The package's languages (BCP 47), Japanese when the descriptor says none (or nonsense)."""
    found = package.descriptor.get("language")
    if not isinstance(found, list) or not found:
        return ["ja"]
    return [str(code) for code in found]


def language_iri(code: str) -> str | None:
    eu = LANGUAGES.get(code.split("-")[0])
    return f"{EU_AUTHORITY}language/{eu}" if eu else None


def area(package: Package) -> tuple[str | None, str, str] | None:
    """(e-Stat LOD IRI, 全国地方公共団体コード, name) of the area the package covers.

    Only a prefecture's IRI is certain from its code alone (its code has not changed since
    1970-04-01); a municipality's carries the day its code took effect, which the descriptor
    does not give, so it gets no IRI rather than a guessed one.
    """
    spatial = package.descriptor.get("spatial") or {}
    code = str(spatial.get("localGovernmentCode") or "")
    if len(code) != 6 or not code.isdigit():
        return None
    iri = ESTAT_AREA.format(code=code[:5]) if code[2:5] == "000" else None
    return iri, code, str(spatial.get("localGovernmentName") or "")


EU_THEMES = {
    "SOCI": "Population and society",
    "HEAL": "Health",
    "JUST": "Justice, legal system and public safety",
    "GOVE": "Government and public sector",
    "ECON": "Economy and finance",
}
# Each package theme (the catalog's own Japanese grouping) to the EU data-theme table.
THEME_TO_EU = {
    "孤独・孤立対策": ("SOCI",),
    "相談窓口": ("SOCI",),
    "コミュニティ": ("SOCI",),
    "就労支援": ("SOCI", "ECON"),
    "自殺防止・メンタルヘルス": ("HEAL", "SOCI"),
    "犯罪被害者支援": ("JUST", "SOCI"),
    "デジタル化": ("GOVE",),
    "主要指標": ("SOCI", "GOVE"),
}


def eu_theme_iri(code: str) -> str:
    return f"{EU_AUTHORITY}data-theme/{code}"


# A representative point per area (latitude, longitude): the prefectural office, as
# ja.wikipedia.org/wiki/神奈川県 gives it (県庁舎位置, 北緯35度26分52秒 東経139度38分33秒).
# It is a point in the area, not its centroid, so DCAT's dcat:centroid is not claimed from it.
COORDINATES = {"140007": (35.44775, 139.64253)}


DATA_PACKAGE_V2 = "https://datapackage.org/profiles/2.0/datapackage.json"


def descriptor_issues(package: Package) -> list[tuple[str, str]]:
    """(rule, message) for dataset-level keys that no output could say truthfully."""
    issues = []
    code = package.descriptor.get("updateFrequency")
    if code is not None and code not in FREQUENCIES:
        issues.append(
            ("update-frequency", f"updateFrequency {code!r} is not one of {', '.join(FREQUENCIES)}")
        )
    found = package.descriptor.get("language")
    if found is not None and not (isinstance(found, list) and all(isinstance(c, str) and c for c in found)):
        issues.append(("language", 'language must be a list of language tags, e.g. ["ja", "en"]'))
    if package.descriptor.get("$schema") == DATA_PACKAGE_V2:
        for resource in package.resources:
            if resource.descriptor.get("type") != "table":
                issues.append(
                    ("data-package-v2", f"resource {resource.name}: a v2 package's tables say type: table")
                )
    return issues


def agent_fields(who: Agent) -> dict[str, str]:
    fields = {"name": who.name, "name_english": who.name_english, "url": who.url}
    return {key: value for key, value in fields.items() if value}


def describe(package: Package, publishing: Publishing) -> dict[str, Any]:
    """The dataset-level metadata as the API shows it (snake_case, only what is known)."""
    code = frequency(package)
    publisher = publishing.publisher(package)
    contact = {
        "name": publisher.name,
        "email": publisher.email,
        "url": publisher.url,
        "phone": publisher.phone,
    }
    return {
        "update_frequency": code
        and {
            "code": code,
            "title": FREQUENCIES[code][0],
            "title_english": FREQUENCIES[code][1],
            "uri": frequency_iri(code),
        },
        "language": languages(package),
        "publisher": agent_fields(publisher),
        "source_creator": agent_fields(report_body(package)),
        "contact_point": {key: value for key, value in contact.items() if value},
    }
