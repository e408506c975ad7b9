"""Human names for ids that refer to another table (`service_id` -> こころの電話相談).

A table that refers to another by id through a foreign key (declared, or implied by a field
named as the other table's primary key) shows the referenced row's name beside the id, on
the page and in the chart's legend. When the table already carries
a name column for that id (`service_name` beside `service_id`), it needs no lookup.
"""

from __future__ import annotations

from typing import Any

from opendata.catalog.models import ForeignKey, Package, Resource
from opendata.query.engine import Engine
from opendata.query.params import RowQuery

# field -> {id value -> name}
Names = dict[str, dict[Any, str]]


def _name_field(referenced: Resource, stem: str, lang: str) -> str | None:
    candidates = [f"{stem}_name", "name", "title"]
    if lang == "en":
        candidates = [f"{stem}_name_english", "name_english", "title_english", *candidates]
    return next((c for c in candidates if referenced.field(c)), None)


def references(package: Package, resource: Resource) -> list[ForeignKey]:
    """The table's foreign keys, and the ones it leaves unsaid: a field named as another
    table's one-field primary key (`service_id` of `services`) refers to that table."""
    declared = list(resource.foreign_keys)
    said = {key.fields for key in declared}
    for other in package.resources:
        if other is not resource and len(other.primary_key) == 1:
            (key,) = other.primary_key
            if resource.field(key) and (key,) not in said:
                declared.append(ForeignKey((key,), other.name, (key,)))
    return declared


def reference_names(engine: Engine, package: Package, resource: Resource, lang: str) -> Names:
    names: Names = {}
    for key in references(package, resource):
        if len(key.fields) != 1 or len(key.reference_fields) != 1:
            continue
        field_name, stem = key.fields[0], key.fields[0].removesuffix("_id")
        if resource.field(f"{stem}_name"):
            continue  # the table names it itself
        referenced = package.resource(key.reference_resource) if key.reference_resource else resource
        label = _name_field(referenced, stem, lang) if referenced else None
        if referenced is None or label is None:
            continue
        query = RowQuery(fields=(key.reference_fields[0], label))
        names[field_name] = {
            identifier: str(name)
            for identifier, name in engine.iter_records(package, referenced, query)
            if name is not None
        }
    return names
