"""dlbook.full_mode(): DLBOOK_FULL switches the chapters' full data/epochs; unset, a GPU does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dlbook

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_env_turns_full_mode_on(monkeypatch, value):
    monkeypatch.setenv("DLBOOK_FULL", value)
    assert dlbook.full_mode() is True


@pytest.mark.parametrize("value", ["0", "false", "No", "off"])
def test_env_turns_full_mode_off_even_with_a_gpu(monkeypatch, value):
    monkeypatch.setenv("DLBOOK_FULL", value)
    monkeypatch.setattr("dlbook.device.num_gpus", lambda: 1)
    assert dlbook.full_mode() is False


@pytest.mark.parametrize("gpus, expected", [(0, False), (1, True), (4, True)])
def test_unset_follows_the_gpu(monkeypatch, gpus, expected):
    monkeypatch.delenv("DLBOOK_FULL", raising=False)
    monkeypatch.setattr("dlbook.device.num_gpus", lambda: gpus)
    assert dlbook.full_mode() is expected


def test_bad_value_is_a_clear_vietnamese_error(monkeypatch):
    monkeypatch.setenv("DLBOOK_FULL", "maybe")
    with pytest.raises(ValueError, match="DLBOOK_FULL='maybe' không hợp lệ"):
        dlbook.full_mode()


def test_every_chapter_with_a_cpu_budget_uses_full_mode():
    defining = []
    for md in sorted((ROOT / "book").glob("p*/*.md")):
        for line in md.read_text(encoding="utf-8").splitlines():
            if re.match(r"\s*FULL\s*=", line):
                defining.append(md.name)
                assert line.split("#")[0].strip() == "FULL = dlbook.full_mode()", (
                    f"{md.name}: define FULL with dlbook.full_mode() (one switch for the book): {line!r}")
    assert defining, "no chapter defines FULL"
