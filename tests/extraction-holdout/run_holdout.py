"""Score the extractor on the held-out letters with `tests/extraction/evaluate.py`, unchanged.

evaluate.py reads its letters from module-level paths (`LETTERS`, `SOURCES`) and builds binary
letters with the `make_binaries.py` next to `HERE`. This runner loads a private copy of that
module (so the development-set test, which imports `evaluate`, is not affected), points the
three paths at this folder, and reuses everything else: the pipeline, the scorer, the table.

    .venv/bin/python tests/extraction-holdout/run_holdout.py            # the table
    .venv/bin/python tests/extraction-holdout/run_holdout.py --errors   # plus every miss
    .venv/bin/python tests/extraction-holdout/run_holdout.py --json     # everything
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def load_evaluate():
    """evaluate.py as a separate module whose paths point at the held-out set."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location("evaluate_holdout", HERE.parent / "extraction" / "evaluate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.HERE = HERE                   # load() builds binaries with HERE / "make_binaries.py"
    mod.LETTERS = HERE / "letters"
    mod.SOURCES = HERE / "sources"
    mod.CRASHES = {}
    real = mod.run_extraction

    def run_extraction(name, data, authority):
        # A letter the pipeline crashes on scores as an empty extraction (no date, nothing
        # found) and is reported, so one crash does not hide the numbers for the others.
        try:
            return real(name, data, authority)
        except Exception as exc:  # noqa: BLE001 - reported, not hidden
            from archive.extract import Extraction
            mod.CRASHES[name] = f"{type(exc).__name__}: {exc}"
            return Extraction()

    mod.run_extraction = run_extraction
    return mod


def evaluate() -> dict:
    """evaluate.py's summary for the held-out set, plus `crashed`: {file: error} for letters
    the pipeline raised on (scored as empty extractions)."""
    ev = load_evaluate()
    summary = ev.evaluate()
    summary["crashed"] = dict(ev.CRASHES)
    return summary


def report(summary: dict) -> str:
    """evaluate.py's table, plus the letters the pipeline crashed on."""
    ev = load_evaluate()
    text = ev.table(summary)
    crashed = summary.get("crashed", {})
    text += f"\n\npipeline crashed on {len(crashed)} of {summary['letters']} letters"
    for name, err in sorted(crashed.items()):
        text += f"\n  {name}: {err}"
    return text


def error_lines(summary: dict) -> list[str]:
    return [f"{letter['file']}\t{field}\t{kind}\t{item}"
            for letter in summary["per_letter"]
            for field, errs in letter["errors"].items()
            for kind, item in errs]


def main(argv: list[str]) -> None:
    summary = evaluate()
    if "--json" in argv:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    print("Held-out set (never tuned on; bars shown for reference only)\n")
    print(report(summary))
    if "--errors" in argv:
        print()
        print("\n".join(error_lines(summary)))


if __name__ == "__main__":
    main(sys.argv[1:])
