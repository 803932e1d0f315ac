"""Extraction accuracy on the labelled letters in tests/extraction/: fails below issue 4's bars."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "extraction"))
import evaluate  # noqa: E402


@pytest.fixture(scope="module")
def summary():
    return evaluate.evaluate()


def test_the_labelled_set_covers_every_language_and_format(summary):
    assert summary["letters"] >= 40
    assert set(summary["languages"]) == {"en", "fr", "es", "ru"}
    assert set(summary["formats"]) == {"txt", "html", "docx", "pdf", "eml"}
    assert summary["dates"]["undated"] >= 3


def test_every_field_meets_its_bar(summary):
    assert evaluate.failures(summary) == [], evaluate.table(summary)


def test_the_scorer_can_fail():
    """A wrong extraction scores below the bar: the evaluation is not vacuous."""
    from archive.authority import Authority
    from archive.extract import Extraction

    exp = evaluate.expected("en01-uzbekistan-prosecutor.txt")
    wrong = Extraction(countries=[{"code": "KG", "name": "Kyrgyzstan"}],
                       addressees=[{"name": "Bekzod Yusupov", "role": "Prosecutor General", "country": "KG"}],
                       instruments=[{"id": "iccpr", "articles": ["41"]}],
                       officials=[{"name": "B. Yusupov", "role": "", "country": ""}])
    scores = evaluate.compare(exp, wrong, Authority.bundled())
    assert scores["countries"][0] == 0 and scores["addressees"][0] == 0
    assert scores["instruments"][0] == 1 and scores["articles"][0] == 0
    assert scores["officials"][0] == 1          # "B. Yusupov" is "Bekzod Yusupov"
