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


def _same_day_letters(folder: Path, n: int) -> None:
    """n different letters of one organisation to one country on one day: their ids collide."""
    folder.mkdir(parents=True)
    topics = ["the detention of journalists", "the closure of a newspaper", "torture in pre-trial detention",
              "the harassment of lawyers", "forced evictions in the capital", "the ban on a peaceful assembly"]
    for i in range(n):
        (folder / f"l{i:03d}.txt").write_text(
            "12 March 2019\n\nPresident Shavkat Mirziyoyev\nTashkent, Uzbekistan\n\nDear President,\n\n"
            f"Human Rights Watch writes to you about {topics[i % len(topics)]} (case {i}). We urge the "
            "government of Uzbekistan to respect Article 19 of the International Covenant on Civil and "
            f"Political Rights and to release everyone held for case number {i * 7 + 3}.\n\n"
            "Sincerely,\n\nJane Doe\nHuman Rights Watch\n", encoding="utf-8")


def test_tei_prepared_in_workers_is_what_the_writer_makes(tmp_path, monkeypatch):
    """Workers serialise each letter under the id it will most likely get; a letter whose id
    then collides is serialised again. Either way the committed files are byte for byte those
    of the single-process path, and so are the index fields computed ahead."""
    folder = tmp_path / "files"
    _same_day_letters(folder, pipeline.PARALLEL_FROM + 6)
    trees, fields = {}, {}
    for workers in (1, 2):
        monkeypatch.setenv("LETTERS_WORKERS", str(workers))
        a = Archive.init(tmp_path / f"w{workers}", AUTHOR)
        try:
            results = a.ingest_many(_items(folder), AUTHOR)
            assert all(r["ok"] for r in results)
            ids = [r["id"] for r in results]
            assert len(set(ids)) == len(ids) and sum(i.endswith(("-2", "-3")) for i in ids) >= 2
            trees[workers] = a.repo.git.ls_tree("-r", "main", "letters", "sources")
            fields[workers] = sorted((d["id"], d["fingerprint"], d["family"], d["minhash"])
                                     for d in a.index.searcher().all_stored_fields())
        finally:
            a.close()
    assert trees[1] == trees[2] and trees[1]
    assert fields[1] == fields[2]
