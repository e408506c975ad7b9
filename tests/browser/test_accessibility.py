"""Every page type: 0 axe-core violations with every rule axe has (WCAG A/AA/AAA, best practice,
experimental), and a screenshot to look at."""

from __future__ import annotations

import pytest

from tests.browser.conftest import describe_violations, run_axe, screenshot

PAGE_TYPES = [
    ("home", "/"),
    ("home-en", "/?lang=en"),
    ("search-results", "/?q=ひきこもり"),
    ("search-no-results", "/?q=存在しない言葉"),
    ("dataset-ja", "/datasets/hikikomori-consultations"),
    ("dataset-en", "/datasets/hikikomori-consultations?lang=en"),
    ("dataset-paged-sorted", "/datasets/key-figures?sort=-value&page=2"),
    ("dataset-faceted", "/datasets/key-figures?f_figure_type=planned&sort=-value"),
    ("dataset-faceted-en", "/datasets/key-figures?f_figure_type=actual&lang=en"),
    ("dataset-several-tables", "/datasets/mental-health-consultation"),
    ("dataset-several-tables-en", "/datasets/digital-administration?lang=en"),
    ("publisher", "/publishers/kanagawa-prefecture"),
    ("publisher-en", "/publishers/kanagawa-prefecture?lang=en"),
    ("not-found", "/no-such-page"),
    ("dataset-not-found", "/datasets/no-such-dataset?lang=en"),
    ("bad-request", "/datasets/hikikomori-consultations?page=0"),
]
STATUS = {"not-found": 404, "dataset-not-found": 404, "bad-request": 400}


@pytest.mark.parametrize(("name", "path"), PAGE_TYPES, ids=[n for n, _ in PAGE_TYPES])
def test_page_type_has_no_axe_violations(page, axe_source, name, path):
    response = page.goto(path)
    assert response is not None
    assert response.status == STATUS.get(name, 200)
    screenshot(page, name)
    violations = run_axe(page, axe_source)
    assert not violations, describe_violations(violations)


@pytest.fixture(scope="module")
def two_releases_server(tmp_path_factory):
    """A server with two releases of one sample package (test data), for the diff view."""
    from opendata.publish.pipeline import publish_package
    from tests.crafted import write_package
    from tests.server import running_server

    tmp = tmp_path_factory.mktemp("diff-site")
    fields = [
        {"name": "id", "type": "integer", "title": "番号"},
        {"name": "count", "type": "integer", "title": "件数"},
    ]
    publish_package(
        write_package(tmp / "a", "sample-diff", fields, [[1, 10], [2, 20]], ["id"]),
        tmp / "cache" / "releases",
    )
    retitled = [fields[0], {**fields[1], "title": "相談件数"}]
    newer = write_package(tmp / "b", "sample-diff", retitled, [[1, 10], [2, 25], [3, 30]], ["id"])
    with running_server(packages_dir=newer.parent, cache_dir=tmp / "cache") as base:
        yield base


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_diff_view_has_no_wcag_aa_violations(browser, two_releases_server, axe_source, lang):
    context = browser.new_context(base_url=two_releases_server, locale="ja-JP")
    page = context.new_page()
    try:
        response = page.goto(f"/datasets/sample-diff/diff?lang={lang}")
        assert response is not None and response.status == 200
        assert page.locator("h1").count() == 1
        screenshot(page, f"diff-{lang}")
        violations = run_axe(page, axe_source)
        assert not violations, describe_violations(violations)
    finally:
        context.close()
