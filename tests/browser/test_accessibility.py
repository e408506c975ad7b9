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
    ("dataset-several-tables", "/datasets/mental-health-consultation"),
    ("dataset-several-tables-en", "/datasets/digital-administration?lang=en"),
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
