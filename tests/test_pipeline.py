"""Large batches are prepared in worker processes (archive/pipeline.py): the letters must be
exactly those the single-process path makes, in input order, failures reported per file."""
from __future__ import annotations

from pathlib import Path

from archive import pipeline
from archive.home import Archive
from conftest import AUTHOR
from test_bulk_ingest import mixed_folder


def _items(folder: Path):
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path.read_bytes(), path.name, {}


def _ingest(tmp_path, name, folder, workers, monkeypatch):
    monkeypatch.setenv("LETTERS_WORKERS", str(workers))
    a = Archive.init(tmp_path / name, AUTHOR)
    try:
        results = a.ingest_many(_items(folder), AUTHOR)
        records = {r["id"]: a.record(r["id"]) for r in results if r["ok"]}
    finally:
        a.close()
    return results, records


def test_workers_make_the_same_letters_as_one_process(tmp_path, monkeypatch):
    folder = tmp_path / "files"
    made = mixed_folder(folder, n=60)
    assert len(made) >= pipeline.PARALLEL_FROM  # big enough to use the workers
    one, rec_one = _ingest(tmp_path, "one", folder, 1, monkeypatch)
    two, rec_two = _ingest(tmp_path, "two", folder, 2, monkeypatch)
    assert [(r["file"], r["ok"], r.get("id"), r.get("error")) for r in one] == \
        [(r["file"], r["ok"], r.get("id"), r.get("error")) for r in two]
    assert sum(not r["ok"] for r in two) == sum(made.values()) > 0  # broken files, each reported
    strip = {"version", "latest"}
    assert {k: {f: v for f, v in r.items() if f not in strip} for k, r in rec_one.items()} == \
        {k: {f: v for f, v in r.items() if f not in strip} for k, r in rec_two.items()}


def test_prepared_keeps_input_order_and_small_batches_stay_in_process():
    from archive.authority import Authority
    auth = Authority.bundled()
    texts = [(f"Dear Minister,\n\nWe write about case {i} of arbitrary detention.\n\nSincerely,\nA. B.".encode(),
              f"{i:03d}.txt", {}) for i in range(pipeline.PARALLEL_FROM + 7)]
    out = list(pipeline.prepared(texts, auth, workers=2))
    assert [item[1] for item, _, _ in out] == [t[1] for t in texts]
    assert all(letter is not None and not error for _, letter, error in out)
    assert all(f"case {i} " in letter.text for i, (_, letter, _) in enumerate(out))
    small = list(pipeline.prepared(texts[:3] + [(b"", "empty.txt", {})], auth, workers=2))
    assert small[-1][1] is None and "empty" in small[-1][2]
