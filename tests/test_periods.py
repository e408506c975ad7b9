"""Era, fiscal-year and as-of conversion over every label the report prints."""

from __future__ import annotations

from datetime import date

import pytest

from opendata import periods

FISCAL_YEARS = [
    # label as printed, era hint, fiscal year, start, end, partial
    ("令和2年度", None, 2020, date(2020, 4, 1), date(2021, 3, 31), False),
    ("令和元年度", None, 2019, date(2019, 4, 1), date(2020, 3, 31), False),
    ("令和 2 年度", None, 2020, date(2020, 4, 1), date(2021, 3, 31), False),
    ("平成28年度", None, 2016, date(2016, 4, 1), date(2017, 3, 31), False),
    ("令和3年度(12月末現在)", None, 2021, date(2021, 4, 1), date(2021, 12, 31), True),
    ("令和3年度 (2月末現在)", None, 2021, date(2021, 4, 1), date(2022, 2, 28), True),
    ("令和3年度（1月末時点実績）", None, 2021, date(2021, 4, 1), date(2022, 1, 31), True),
    ("令和2年度実績", None, 2020, date(2020, 4, 1), date(2021, 3, 31), False),
    ("R2年度", None, 2020, date(2020, 4, 1), date(2021, 3, 31), False),
    ("R3年度(1/31時点)", None, 2021, date(2021, 4, 1), date(2022, 1, 31), True),
    ("令和3年度 上期", None, 2021, date(2021, 4, 1), date(2021, 9, 30), True),
    ("令和元年度末", None, 2019, date(2020, 3, 31), date(2020, 3, 31), False),
    ("令和 2 年度末", None, 2020, date(2021, 3, 31), date(2021, 3, 31), False),
    ("28年度", "平成", 2016, date(2016, 4, 1), date(2017, 3, 31), False),
    ("元年度", "令和", 2019, date(2019, 4, 1), date(2020, 3, 31), False),
    ("2年度", "R", 2020, date(2020, 4, 1), date(2021, 3, 31), False),
    ("令和元年度(3月末現在)", None, 2019, date(2019, 4, 1), date(2020, 3, 31), False),
]


@pytest.mark.parametrize(("label", "era", "fiscal_year", "start", "end", "partial"), FISCAL_YEARS)
def test_fiscal_year_labels(label, era, fiscal_year, start, end, partial):
    period = periods.parse_fiscal_year(label, era=era)
    assert (period.fiscal_year, period.start, period.end, period.is_partial) == (
        fiscal_year,
        start,
        end,
        partial,
    )
    assert period.label == label


# The crime-victim and Kanarain tables print years without an era under "(H28～R2年度)".
@pytest.mark.parametrize(
    ("label", "fiscal_year"),
    [
        ("28年度", 2016),
        ("29年度", 2017),
        ("30年度", 2018),
        ("元年度", 2019),
        ("2年度", 2020),
    ],
)
def test_era_less_labels_read_in_the_latest_era_not_after_the_report(label, fiscal_year):
    assert periods.parse_fiscal_year(label, not_after=2021).fiscal_year == fiscal_year


ERA_DATES = [
    ("令和4年1月31日(月)", "2022-01-31"),
    ("令和3年8月26日", "2021-08-26"),
    ("平成24年7月13日", "2012-07-13"),
    ("平成30年2月9日", "2018-02-09"),
    ("令和 3 年 5 月 12 日", "2021-05-12"),
    ("令和4年1月末", "2022-01-31"),
    ("令和4年2月末", "2022-02-28"),
    ("令和元年10月", "2019-10"),
    ("R2年4月", "2020-04"),
    ("S52年", "1977"),
    ("平成16年9月", "2004-09"),
]


@pytest.mark.parametrize(("label", "iso"), ERA_DATES)
def test_era_dates(label, iso):
    assert periods.parse_era_date(label).iso() == iso


def test_month_is_placed_in_its_fiscal_year():
    month = periods.parse_month("令和4年2月")
    assert (month.fiscal_year, month.start, month.end) == (
        2021,
        date(2022, 2, 1),
        date(2022, 2, 28),
    )


@pytest.mark.parametrize(
    ("phrase", "fiscal_year", "expected"),
    [
        ("(12月末現在)", 2021, date(2021, 12, 31)),
        ("(2月末現在)", 2021, date(2022, 2, 28)),
        ("(2月末現在)", 2019, date(2020, 2, 29)),  # leap year
        ("(1/31時点)", 2021, date(2022, 1, 31)),
        ("2月10日現在", 2021, None),
    ],
)
def test_as_of_phrases(phrase, fiscal_year, expected):
    if expected is None:
        with pytest.raises(periods.PeriodError):
            periods.parse_as_of(phrase, fiscal_year)
    else:
        assert periods.parse_as_of(phrase, fiscal_year) == expected


@pytest.mark.parametrize(
    "label",
    [
        "2020年度",  # Western year: not an era label
        "令和年度",  # no year
        "昭和0年度",  # year zero
        "28年度",  # no era and no hint
        "令和3年度(13月末現在)",
        "令和4年2月30日",  # no such day
        "令和4年1月31日(火)",  # wrong weekday
        "大化3年",  # unknown era
    ],
)
def test_unreadable_labels_raise_period_error(label):
    with pytest.raises(periods.PeriodError):
        try:
            periods.parse_fiscal_year(label)
        except periods.PeriodError:
            periods.parse_era_date(label)


SPANS = [
    # label as printed, start, start precision, end, end precision
    ("令和4年1月31日(月)", date(2022, 1, 31), "day", date(2022, 1, 31), "day"),
    ("令和3年10月", date(2021, 10, 1), "month", date(2021, 10, 31), "month"),
    ("S52年", date(1977, 1, 1), "year", date(1977, 12, 31), "year"),
    ("令和5年度", date(2023, 4, 1), "fiscal_year", date(2024, 3, 31), "fiscal_year"),
    ("令和4年2月末", date(2022, 2, 28), "day", date(2022, 2, 28), "day"),
    ("令和3年1月から令和8年3月まで", date(2021, 1, 1), "month", date(2026, 3, 31), "month"),
    ("令和3年1月～令和8年3月", date(2021, 1, 1), "month", date(2026, 3, 31), "month"),
    ("令和元年度から4年度まで", date(2019, 4, 1), "fiscal_year", date(2023, 3, 31), "fiscal_year"),
    ("令和3年7月1日から8月30日", date(2021, 7, 1), "day", date(2021, 8, 30), "day"),
    ("令和3年6月15日（火）～12月24日（金）", date(2021, 6, 15), "day", date(2021, 12, 24), "day"),
    ("令和4年2月から3月", date(2022, 2, 1), "month", date(2022, 3, 31), "month"),
    ("令和4年1月から5月まで", date(2022, 1, 1), "month", date(2022, 5, 31), "month"),
    ("平成30年度から令和4年2月末まで", date(2018, 4, 1), "fiscal_year", date(2022, 2, 28), "day"),
    ("令和3年12月～1月", date(2021, 12, 1), "month", date(2022, 1, 31), "month"),  # runs into the next year
    ("令和4年1月20日～", date(2022, 1, 20), "day", None, None),
    ("令和3年9月17日から", date(2021, 9, 17), "day", None, None),
    ("令和4年度以降", date(2022, 4, 1), "fiscal_year", None, None),
    ("平成30年度より", date(2018, 4, 1), "fiscal_year", None, None),
    ("令和4年1月7日まで", None, None, date(2022, 1, 7), "day"),
    ("令和3年度末までに", None, None, date(2022, 3, 31), "day"),
    ("令和 3 年 5 月 12 日", date(2021, 5, 12), "day", date(2021, 5, 12), "day"),
]


@pytest.mark.parametrize(("label", "start", "start_precision", "end", "end_precision"), SPANS)
def test_spans(label, start, start_precision, end, end_precision):
    span = periods.parse_span(label)
    assert (span.start, span.start_precision, span.end, span.end_precision) == (
        start,
        start_precision,
        end,
        end_precision,
    )


@pytest.mark.parametrize(
    "label",
    [
        "令和3年6月15日（水）～12月24日（金）",  # 2021-06-15 is a Tuesday
        "令和3年7月1日から8月32日",  # no such day
        "令和3年7月から13月",  # no such month
        "同年10月から",  # relative: the data gives the reading instead
        "昨年度",
        "令和4年2月から令和3年3月",  # ends before it starts
        "12月24日～",  # no year to read it in
    ],
)
def test_unreadable_spans_raise_period_error(label):
    with pytest.raises(periods.PeriodError):
        periods.parse_span(label)
