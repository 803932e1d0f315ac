"""Extraction on the held-out letters in tests/extraction-holdout/: reports, never gates.

The held-out letters were labelled without looking at the extractor and are not to be tuned
on, so their scores are the honest estimate of accuracy on unseen letters. This test only
checks that the evaluation runs and yields a number for every field; it does not assert the
bars of the development set. Run `pytest -s tests/test_extraction_holdout.py` to see the table.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_RUNNER = Path(__file__).resolve().parent / "extraction-holdout" / "run_holdout.py"
_spec = importlib.util.spec_from_file_location("run_holdout", _RUNNER)
run_holdout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_holdout)


@pytest.fixture(scope="module")
def summary():
    return run_holdout.evaluate()


def test_the_held_out_set_covers_languages_formats_and_undated_letters(summary):
    assert summary["letters"] >= 24
    assert set(summary["languages"]) == {"en", "fr", "es", "ru"}
    assert set(summary["formats"]) == {"txt", "html", "docx", "pdf", "eml"}
    assert summary["dates"]["undated"] >= 3


def test_the_evaluation_produces_a_number_for_every_field(summary):
    ev = run_holdout.load_evaluate()
    print("\n\nHeld-out extraction accuracy (reported, not gated)\n")
    print(run_holdout.report(summary))
    for field in ev.FIELDS:
        scores = summary["fields"][field]
        for key in ("precision", "recall", "f1"):
            assert isinstance(scores[key], float) and 0.0 <= scores[key] <= 1.0, (field, key)
        assert scores["expected"] > 0, f"no labelled {field} in the held-out set"
    dates = summary["dates"]
    assert dates["dated"] > 0 and 0 <= dates["exact"] <= dates["dated"]
    assert 0 <= dates["invented"] <= dates["undated"]


def test_every_held_out_letter_has_a_label(summary):
    letters = Path(__file__).resolve().parent / "extraction-holdout" / "letters"
    files = [entry["file"] for entry in summary["per_letter"]]
    for name in files:
        assert (letters / f"{name.rsplit('.', 1)[0]}.expected.json").exists(), name
