"""Wire formats: marshmallow schemas for arguments and for the OpenAPI document."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import RAISE, validate

from opendata.exports.csv_export import ENCODINGS, NEWLINES
from opendata.numbers import INT64_MAX, parse_int


class AsciiInteger(ma.fields.Integer):
    """An integer parameter read by the one parser: ASCII digits only (not `１０`, `1_0` or ` 1`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_int(value) if isinstance(value, str) else super()._deserialize(value, attr, data)
        except ValueError as error:
            raise ma.ValidationError(str(error)) from None


class StrictQuery(ma.Schema):
    class Meta:
        unknown = RAISE  # a misspelt parameter is a 400, not silently ignored


class CatalogQuery(StrictQuery):
    q = ma.fields.String(metadata={"description": "Words to find, Japanese or English (all must match)."})
    keyword = ma.fields.String(
        metadata={"description": "Only datasets with this keyword (exact, else every keyword it begins)."}
    )
    theme = ma.fields.String(
        metadata={"description": "Only datasets of this theme (exact, else every theme it begins)."}
    )
    publisher = ma.fields.String(
        metadata={
            "description": "Only datasets of this publisher (its name, kanagawa-prefecture, or its code)."
        }
    )
    modified_since = ma.fields.String(
        metadata={
            # date-time documents the form (RFC 3339); a date alone (2026-11-01) is accepted too.
            "format": "date-time",
            "description": "Only datasets whose current release was published at or after this "
            "ISO 8601 date-time (or date).",
        }
    )
    limit = AsciiInteger(
        load_default=20,
        validate=validate.Range(1, 100),
        metadata={"description": "Datasets per page (1-100)."},
    )
    offset = AsciiInteger(
        load_default=0, validate=validate.Range(0, INT64_MAX), metadata={"description": "Datasets to skip."}
    )


class CsvQuery(StrictQuery):
    encoding = ma.fields.String(
        load_default="utf-8",
        validate=validate.OneOf(sorted(ENCODINGS)),
        metadata={
            "description": "utf-8 (no BOM, byte-faithful), utf-8-sig (BOM, for Excel) or cp932 (Shift_JIS as "
            "Japanese Excel saves it; shift_jis is an alias). The Excel flavours neutralise "
            "formula-like text cells."
        },
    )
    header = ma.fields.String(
        validate=validate.OneOf(["name", "title"]),
        metadata={
            "description": "Header row of field names or Japanese titles; default title for the "
            "Excel flavours (utf-8-sig, cp932), name for utf-8."
        },
    )
    newline = ma.fields.String(
        validate=validate.OneOf(sorted(NEWLINES)),
        metadata={"description": "Line endings; default lf for utf-8, crlf for the Excel flavours."},
    )


class Links(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    self = ma.fields.String()


class ResourceSummary(ma.Schema):
    name = ma.fields.String()
    title = ma.fields.String()
    title_english = ma.fields.String()
    rows = ma.fields.Integer()
    url = ma.fields.String()


class Dataset(ma.Schema):
    name = ma.fields.String()
    id = ma.fields.String(metadata={"description": "Stable UUID."})
    title = ma.fields.String()
    title_english = ma.fields.String()
    description = ma.fields.String(metadata={"description": "In Japanese."})
    description_english = ma.fields.String(metadata={"description": "In English."})
    keywords = ma.fields.List(ma.fields.String())
    theme = ma.fields.String()
    version = ma.fields.String()
    created = ma.fields.String()
    modified = ma.fields.String()
    coverage = ma.fields.Dict()
    license = ma.fields.Dict()
    source = ma.fields.Dict()
    organization = ma.fields.Dict(
        allow_none=True, metadata={"description": "The publishing body it belongs to (see /publishers)."}
    )
    resources = ma.fields.List(ma.fields.Nested(ResourceSummary))
    links = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    digest = ma.fields.String(metadata={"description": "sha256 of the content; changes with the data."})
    matched = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "In search results: per term, the word found, where, and a snippet."},
    )


class ResourceDetail(ma.Schema):
    name = ma.fields.String()
    dataset = ma.fields.String()
    title = ma.fields.String()
    title_english = ma.fields.String()
    description = ma.fields.String(metadata={"description": "In Japanese."})
    description_english = ma.fields.String(metadata={"description": "In English."})
    sources = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "Where the table is printed: section, page, caption, order."},
    )
    pivot = ma.fields.Dict(
        allow_none=True, metadata={"description": "How the long table pivots back to the printed layout."}
    )
    rows = ma.fields.Integer()
    format = ma.fields.String()
    mediatype = ma.fields.String()
    bytes = ma.fields.Integer(allow_none=True)
    hash = ma.fields.String(allow_none=True)
    schema = ma.fields.Dict(metadata={"description": "Frictionless Table Schema."})
    links = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class DatasetDetail(Dataset):
    contributors = ma.fields.List(ma.fields.Dict())
    update_frequency = ma.fields.Dict(
        allow_none=True,
        metadata={"description": "更新頻度: a code of the EU frequency table, its titles and URI."},
    )
    language = ma.fields.List(ma.fields.String(), metadata={"description": "BCP 47 language tags."})
    publisher = ma.fields.Dict(
        metadata={"description": "Who publishes the dataset: this service's operator."}
    )
    source_creator = ma.fields.Dict(metadata={"description": "Who issued the report the data come from."})
    contact_point = ma.fields.Dict(metadata={"description": "連絡先: only the details the operator set."})
    versions = ma.fields.List(ma.fields.Dict())
    release = ma.fields.Dict(
        metadata={"description": "The release shown: id, published, digest, its URL and the releases list."}
    )
    resources = ma.fields.List(ma.fields.Nested(ResourceDetail))


class DatasetList(ma.Schema):
    total = ma.fields.Integer()
    offset = ma.fields.Integer()
    limit = ma.fields.Integer()
    datasets = ma.fields.List(ma.fields.Nested(Dataset))
    links = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(allow_none=True))


class RowsPage(ma.Schema):
    """Documentation only: rows are serialised directly, for speed."""

    dataset = ma.fields.String()
    resource = ma.fields.String()
    # Not named `fields`, which would hide marshmallow's own Schema.fields.
    field_names = ma.fields.List(ma.fields.String(), data_key="fields")
    rows = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "Objects keyed by field name, typed by the schema."}
    )
    total = ma.fields.Integer(metadata={"description": "Rows matching the filters, on every page."})
    limit = ma.fields.Integer()
    next = ma.fields.String(allow_none=True, metadata={"description": "Opaque cursor for the next page."})
    next_url = ma.fields.String(allow_none=True)


class DiffQuery(StrictQuery):
    from_release = ma.fields.String(
        data_key="from",
        metadata={"description": "The older release's id (default: the release before `to`)."},
    )
    to_release = ma.fields.String(
        data_key="to", metadata={"description": "The newer release's id (default: the current release)."}
    )


class ReleaseList(ma.Schema):
    dataset = ma.fields.String()
    current = ma.fields.String()
    releases = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "Newest first: id, version, published, digest, changes, bytes, links."},
    )


class Facet(ma.Schema):
    name = ma.fields.String()
    datasets = ma.fields.Integer(metadata={"description": "Datasets with this theme or keyword."})
    url = ma.fields.String(metadata={"description": "The catalog filtered by it."})


class FacetList(ma.Schema):
    themes = ma.fields.List(ma.fields.Nested(Facet))
    keywords = ma.fields.List(ma.fields.Nested(Facet))
