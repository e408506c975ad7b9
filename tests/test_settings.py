"""Every setting is documented once in config.py and in the README."""

from __future__ import annotations

import pytest

from opendata import config
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", config.SETTINGS, ids=lambda s: s.name)
def test_every_setting_has_help_and_is_in_the_readme(setting):
    assert setting.help
    assert f"`{setting.name}`" in README


def test_environment_overrides_defaults():
    values = config.from_environment(
        {"OPENDATA_MAX_PAGE_SIZE": "50", "OPENDATA_BASE_URL": "https://x.example"}
    )
    assert values["MAX_PAGE_SIZE"] == 50 and values["BASE_URL"] == "https://x.example"
    assert values["DEFAULT_PAGE_SIZE"] == 100


def test_readme_opens_with_the_two_commands():
    head = README.split("```", 2)[1]
    assert "make run" in head and "make test" in head
