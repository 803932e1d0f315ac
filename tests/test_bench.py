"""The benchmark stays runnable: generator determinism and realism, fast build, a tiny full run."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/ is not installed

from archive.writer import officials_shard
from benchmarks import generator, runner
from benchmarks.fastbuild import build_archive

TINY = dict(bulk_budget=3, bulk_max=100, single_reps=2, single_budget=10, search_reps=2,
            hist_reps=2, web_seconds=1, clients=2, reindex_timeout=120, raw_budget=20)


def test_generator_is_deterministic_and_seed_dependent():
    a, b, c = generator.make_letter(7, 3), generator.make_letter(7, 3), generator.make_letter(8, 3)
    assert a.text() == b.text() and a.versions == b.versions
    assert a.text() != c.text()


def test_generated_letters_look_like_letters():
    letters = list(generator.generate(60, seed=2))
    words = [g.words() for g in letters]
    assert 280 <= min(words) and max(words) <= 1000
    for g in letters:
        text = g.text()
        assert re.search(r"^(January|February|March|April|May|June|July|August|September|October|"
                         r"November|December) \d{1,2}, (199[5-9]|20[0-2]\d)$", text, re.M)
        assert re.search(r"^Dear .+,$", text, re.M)
        assert g.signatory["name"] in text and g.org in text
        assert " of the " in text and g.country[1] in text
    assert any(re.search(r"articles? \d", g.text()) for g in letters)
    chains = [g for g in letters if g.versions]
    assert chains and all(2 <= len(g.all_versions()) <= 5 for g in chains)
    assert all(g.text(g.versions[-1][0]) != g.text() for g in chains)


def test_fast_build_gives_a_valid_archive_with_version_chains(tmp_path):
    from archive.home import Archive
    manifest = build_archive(tmp_path / "home", 30, seed=5)
    a = Archive.open(tmp_path / "home")
    try:
        assert a.validate() == []
        assert a.reindex() == 30
        versioned = manifest["with_versions"][0]
        assert len(a.history(versioned)) >= 2
        assert a.search("country:" + a.record(manifest["ids"][0])["countries"][0]["code"])["total"] >= 1
        # the officials registers hold every letter's officials, as ingests would have left them
        first = a.record(manifest["ids"][0])
        official = first["officials"][0]
        register = a.reader.read(officials_shard(official["country"], official["name"]))
        assert register and official["name"].encode() in register and first["id"].encode() in register
    finally:
        a.close()


def test_tiny_benchmark_run_writes_every_row(tmp_path):
    res = runner.run([30], quick=True, seed=4, out=tmp_path, overrides=TINY)
    names = {r["row"] for r in res["rows"]}
    errors = [r for r in res["rows"] if r["row"].startswith("benchmark error") or "Error" in r["note"]]
    assert not errors, errors
    for expected in ("bulk ingest, end to end from .txt", "full reindex", "single-letter ingest",
                     "search phrase: Archive.search", "search date-range: web /search.json",
                     "read letter at an old version", "web: search page", "peak RSS of web workers"):
        assert any(n.startswith(expected) for n in names), expected
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["rows"] == res["rows"] and saved["machine"]["nproc"] >= 1
    table = (tmp_path / "results.md").read_text()
    assert "| size | row |" in table and "target" in table
    assert all(r["pass"] in (True, False, None) for r in res["rows"])
