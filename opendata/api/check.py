"""POST /api/v1/check: the machine-readability report of an uploaded spreadsheet."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import RAISE

from opendata.check import Limits, check_bytes
from opendata.context import json_response
from opendata.uploads import prepare_upload, read_upload

blp = Blueprint(
    "check",
    __name__,
    url_prefix="/api/v1",
    description="Machine-readability check of a spreadsheet (the Digital Agency's rules).",
)
blp.before_request(prepare_upload)


class CheckQuery(ma.Schema):
    lang = ma.fields.String(
        load_default="ja",
        validate=ma.validate.OneOf(["ja", "en"]),
        metadata={"description": "Language of the messages."},
    )


class CheckUpload(ma.Schema):
    file = Upload(required=True, metadata={"description": ".xlsx, .csv or .tsv (UTF-8 or Shift_JIS)"})


class Violation(ma.Schema):
    sheet = ma.fields.String()
    cell = ma.fields.String(allow_none=True)
    row = ma.fields.Integer(allow_none=True)
    column = ma.fields.Integer(allow_none=True)
    message = ma.fields.String()


class RuleResult(ma.Schema):
    id = ma.fields.String(metadata={"example": "L1-12"})
    oldIds = ma.fields.List(ma.fields.String(), metadata={"description": "総務省 2020 統一ルール ids"})
    level = ma.fields.String(metadata={"example": "L1"})
    title = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["passed", "failed", "not-applicable", "not-judged"]})
    passed = ma.fields.Boolean(allow_none=True, metadata={"description": "null when not judged"})
    reason = ma.fields.String(allow_none=True)
    violationCount = ma.fields.Integer()
    violations = ma.fields.List(ma.fields.Nested(Violation))
    fix = ma.fields.String(allow_none=True)


class Score(ma.Schema):
    L1 = ma.fields.Integer(allow_none=True)
    L2 = ma.fields.Integer(allow_none=True)
    L3 = ma.fields.Integer(allow_none=True)


class CheckReport(ma.Schema):
    file = ma.fields.String()
    format = ma.fields.String(metadata={"enum": ["xlsx", "csv", "tsv"]})
    encoding = ma.fields.String(allow_none=True)
    sheets = ma.fields.List(ma.fields.String())
    lang = ma.fields.String()
    score = ma.fields.Nested(Score)
    rules = ma.fields.List(ma.fields.Nested(RuleResult))
    ruleSource = ma.fields.String()


@blp.route("/check")
class Check(MethodView):
    @blp.arguments(CheckQuery, location="query", unknown=RAISE, as_kwargs=True)
    @blp.arguments(CheckUpload, location="files")
    @blp.response(200, CheckReport)
    # Each error is the problem+json component response of its status (the document says so).
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    @blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, files, lang: str = "ja"):
        """Check a spreadsheet's machine readability

        Send the file as multipart/form-data part `file`. The upload is read in memory and
        never stored. The report lists every rule with passed / failed / not-applicable /
        not-judged, each violation's place, and a score per level.
        """
        data, filename = read_upload(files.get("file"))
        report = check_bytes(data, filename, Limits.from_settings(current_app.config, web=True))
        return json_response(report.to_dict(lang))
