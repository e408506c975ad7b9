"""key-figures and support-services: what the report's prose states, and only that, in two languages."""

from __future__ import annotations

import json

import pytest

from opendata.web import i18n
from tests.conftest import PACKAGES

EVENTS = "/api/v1/datasets/key-figures/resources/events/rows"
PROSE_PACKAGES = ["key-figures", "support-services"]


def descriptor(name: str) -> dict:
    return json.loads((PACKAGES / name / "datapackage.json").read_text(encoding="utf-8"))


def described_parts(name: str):
    package = descriptor(name)
    yield name, package
    for resource in package["resources"]:
        yield f"{name}/{resource['name']}", resource
        for field in resource["schema"]["fields"]:
            yield f"{name}/{resource['name']}.{field['name']}", field


PARTS = [part for name in PROSE_PACKAGES for part in described_parts(name)]


@pytest.mark.parametrize(("where", "part"), PARTS, ids=[p[0] for p in PARTS])
def test_every_part_is_described_in_japanese_and_in_english(where, part):
    assert i18n.is_japanese(part["description"]), f"{where}: description is not Japanese"
    english = part["descriptionEnglish"]
    # English that quotes the Japanese it explains (3万4千, 令和4年度実施予定) is still English.
    ascii_share = sum(c.isascii() for c in english) / max(len(english), 1)
    assert english[:1].isascii() and ascii_share > 0.7, f"{where}: descriptionEnglish is not English"


# (event, what the report prints, start, start precision, end, end precision)
NAMED_EVENTS = [
    ("period-products-facilities", "令和3年9月17日から", "2021-09-17", "day", None, None),
    ("helte-agreement", "令和3年12月23日", "2021-12-23", "day", "2021-12-23", "day"),
    (
        "local-government-dx-plan-period",
        "令和3年1月から令和8年3月まで",
        "2021-01-01",
        "month",
        "2026-03-31",
        "month",
    ),
    ("isms-certification", "平成30年2月9日", "2018-02-09", "day", "2018-02-09", "day"),
    ("next-ksc", "令和5年度から", "2023-04-01", "fiscal_year", None, None),
    ("kokoro-telephone-started", "S52年", "1977-01-01", "year", "1977-12-31", "year"),
    ("internship-applications", "令和4年1月7日まで", None, None, "2022-01-07", "day"),
]


@pytest.mark.parametrize(("event", "label", "start", "start_precision", "end", "end_precision"), NAMED_EVENTS)
def test_dated_events_are_served_with_iso_dates_and_precision(
    client, event, label, start, start_precision, end, end_precision
):
    body = client.get(f"{EVENTS}?event_id={event}").get_json()
    assert body["total"] == 1
    [row] = body["rows"]
    assert (row["date_label"], row["start_date"], row["start_precision"]) == (label, start, start_precision)
    assert (row["end_date"], row["end_precision"]) == (end, end_precision)


def test_events_filter_by_date_range(client):
    """The planned events from FY2022 on: all of them are dated by fiscal year."""
    body = client.get(f"{EVENTS}?status=planned&start_date__gte=2022-04-01&limit=100").get_json()
    assert body["total"] >= 10 and {r["start_precision"] for r in body["rows"]} == {"fiscal_year"}
    assert "young-carer-learning-support" in {r["event_id"] for r in body["rows"]}


def test_young_carer_learning_support_is_listed(client):
    path = "/api/v1/datasets/support-services/resources/support-services/rows"
    [row] = client.get(f"{path}?service_id=young-carer-learning-support").get_json()["rows"]
    assert (row["section"], row["status"], row["since"]) == ("1(4)イ(イ)d", "planned", "2022")


CHANNELS = ["phone", "sns", "email", "in_person", "outreach", "web"]


def test_a_channel_the_report_does_not_mention_is_unknown_not_false(client):
    """The report names channels for some services and never says one is not offered, so every
    channel cell is true (named) or empty (unknown)."""
    path = "/api/v1/datasets/support-services/resources/support-services/rows?limit=100"
    rows = {r["service_id"]: r for r in client.get(path).get_json()["rows"]}
    values = {r[f"channel_{c}"] for r in rows.values() for c in CHANNELS}
    assert values == {True, None}
    named = {c for c in CHANNELS if rows["womens-worries-consultation-room"][f"channel_{c}"]}
    assert named == {"email", "phone", "in_person"}  # メールや電話、面接による相談
    assert all(rows["infertility-consultation"][f"channel_{c}"] is None for c in CHANNELS)


def test_the_ambiguous_count_gives_the_printed_text_and_the_reading(client):
    path = "/api/v1/datasets/key-figures/resources/key-figures/rows"
    [row] = client.get(f"{path}?figure_id=e-government-joint-organisations").get_json()["rows"]
    assert row["value"] == 32 and "県と県内市町村等32団体で構成" in row["note"]
    assert "県を含めて32団体" in row["note"] and "33" in row["note"]
    resource = descriptor("key-figures")["resources"][0]
    assert "県と県内市町村等32団体で構成" in resource["description"]
    assert "including the prefecture" in resource["descriptionEnglish"]


@pytest.mark.parametrize("name", ["asunaro-support-station", "key-figures"])
def test_the_asunaro_chart_is_said_to_be_left_out(name):
    package = descriptor(name)
    assert "あすなるの相談実績" in package["description"]
    assert "not" in package["descriptionEnglish"] and "あすなるの相談実績" in package["descriptionEnglish"]
