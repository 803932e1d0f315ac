"""A big segment's LSH band terms in a sorted table beside it: written by mergers and segment
builders, read by family lookups, and the same documents as Whoosh's own postings."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as windex
from whoosh.fields import ID, KEYWORD, Schema
from whoosh.reading import SegmentReader

from archive import band_file, families, merges, ranking, segment_builder, segment_files
from archive.home import Archive
from archive.index import Index
from benchmarks.generator import generate, read_corpus, write_corpus
from conftest import AUTHOR

DATA = Path(__file__).resolve().parent / "data" / "versions"
KZ = (DATA / "letter.txt").read_text()
KG = (DATA / "letter-kg.txt").read_text()   # the same template sent to another government


def _texts() -> list[str]:
    # Three near-copies share most bands (terms of three documents), the other country's letter
    # some of them; the generated letters have bands of their own (terms of one document).
    return [KZ, KZ + "\nWith copies to the press.", KZ.replace("Minister", "Deputy Minister"), KG] + \
        [g.text() for g in generate(8, 5)]


def _bands(text: str) -> str:
    return " ".join(families.bands(families.signature(text)))


@pytest.fixture
def merged(tmp_path, monkeypatch):
    """A plain index of one-letter segments with the archive's `family` field, merged by a merger
    into one segment that gets a band file."""
    monkeypatch.setattr(band_file, "MIN_DOCS", 5)
    monkeypatch.setattr(band_file.Collector, "CHUNK", 7)   # keys made a few chunks at a time
    path = tmp_path / "index"
    path.mkdir()
    ix = windex.create_in(str(path), Schema(id=ID(stored=True, unique=True),
                                            family=KEYWORD(scorable=False, stored=True)))
    for i, text in enumerate(_texts()):
        w = ix.writer()
        w.add_document(id=f"d{i}", family=_bands(text))
        w.commit(mergetype=merges.deferred_merge)
    index = Index(path)
    merge = merges.Merge(index)
    assert merge.prepare() and merge.swap()
    merge.close()
    [segment] = windex.open_dir(str(path))._segments()
    segment_files.forget()
    yield ix, path, segment
    ix.close()


def _files(folder: Path) -> list:
    return sorted(folder.glob(f"*.{band_file.EXTENSION}"))


def _whoosh_docs(reader, term: bytes) -> list:
    if (band_file.FIELD, term) not in reader:
        return []
    return sorted(reader.postings(band_file.FIELD, term).all_ids())


def test_the_band_file_holds_every_band_term_with_its_documents(merged):
    ix, path, segment = merged
    [bnd] = _files(path)
    assert bnd.name == f"{segment.segment_id()}.{band_file.EXTENSION}"
    assert windex.TOC._segment_pattern(ix.indexname).match(bnd.name)   # cleaned up with its segment
    reader = SegmentReader(ix.storage, ix.schema, segment)
    try:
        terms = [t for t in reader.lexicon(band_file.FIELD)]
        counts = Counter(len(_whoosh_docs(reader, t)) for t in terms)
        assert counts[1] and counts[2] and max(counts) >= 3   # every way the documents are read
        for term in terms:
            got = band_file.lookup(reader, [term.decode()])
            assert got.dtype == np.int64 and sorted(got.tolist()) == _whoosh_docs(reader, term), term
        # several terms at once: each term's documents, a document once per term it holds
        some = [t.decode() for t in terms[::7]] + ["00-000000000000", "not a band"]
        want = sorted(d for t in some for d in _whoosh_docs(reader, t.encode()))
        assert sorted(band_file.lookup(reader, some).tolist()) == want
        assert band_file.lookup(reader, []).tolist() == []
    finally:
        reader.close()


def test_a_damaged_or_missing_band_file_is_not_used(merged):
    ix, path, segment = merged
    [bnd] = _files(path)
    reader = SegmentReader(ix.storage, ix.schema, segment)
    try:
        term = next(iter(reader.lexicon(band_file.FIELD))).decode()
        assert band_file.lookup(reader, [term]) is not None
        good = bnd.read_bytes()
        for damaged in [b"", b"ALA", b"not a band file at all", good[:-4], good + b"\0",
                        b"ALA-BNDX" + good[8:]]:
            bnd.write_bytes(damaged)
            segment_files.forget()
            assert band_file.lookup(reader, [term]) is None
        bnd.unlink()
        segment_files.forget()
        assert band_file.lookup(reader, [term]) is None
        # ... and the ranking reads the terms from Whoosh's own files instead
        assert ranking.term_doc_array(reader, band_file.FIELD, term).tolist() == \
            _whoosh_docs(reader, term.encode())
    finally:
        reader.close()


def test_band_keys_are_computed_in_bulk_as_one_at_a_time():
    bands = [b for text in _texts() for b in families.bands(families.signature(text))]
    keys = families.band_keys("".join(bands).encode())
    assert keys.dtype == np.uint64 and keys.tolist() == [families.band_key(b) for b in bands]
    assert sorted(bands) == [bands[i] for i in np.argsort(keys, kind="stable")]   # same order
    for bad in ["0a-0123456789ab", "01_0123456789ab", "01-0123456789aG", "01-0123456789a",
                "01-0123456789abc", "/1-0123456789ab", "01-0x23456789ab", "01- 123456789ab"]:
        assert families.band_key(bad) is None, bad
        assert families.band_keys(("".join(bands[:3]) + bad).encode()) is None, bad
    assert families.band_keys(b"").tolist() == []


@pytest.mark.parametrize("odd", ["odd-term", "00-not-hex-at-a"])
def test_small_segments_and_terms_of_another_format_get_no_band_file(tmp_path, monkeypatch, odd):
    monkeypatch.setattr(band_file, "MIN_DOCS", 5)
    monkeypatch.setattr(band_file.Collector, "CHUNK", 4)
    path = tmp_path / "index"
    path.mkdir()
    ix = windex.create_in(str(path), Schema(id=ID(stored=True, unique=True), family=KEYWORD(stored=True)))
    for i, text in enumerate(_texts()[:merges.MERGE_FAN_IN]):
        w = ix.writer()
        # one letter's band field holds a term that is not a band key: a lookup by keys would miss it
        w.add_document(id=f"d{i}", family=_bands(text) + (f" {odd}" if i == 3 else ""))
        w.commit(mergetype=merges.deferred_merge)
    assert _files(path) == []   # one-letter segments: under MIN_DOCS
    merge = merges.Merge(Index(path))
    assert merge.prepare() and merge.swap()
    merge.close()
    assert _files(path) == []
    ix.close()


def test_letters_deleted_after_the_file_was_written_are_not_candidates(merged):
    ix, path, segment = merged
    w = ix.writer()
    w.delete_by_term("id", "d1")
    w.commit(mergetype=merges.deferred_merge)
    with ix.searcher() as s:
        reader = s.reader()
        bands = families.bands(families.signature(KZ))
        found = {s.stored_fields(d)["id"] for d in ranking.terms_doc_array(reader, band_file.FIELD, bands).tolist()}
        assert {"d0", "d2", "d3"} <= found and "d1" not in found
        [(seg, _)] = reader.leaf_readers()
        assert band_file.lookup(seg, bands) is not None   # read from the file


def test_families_are_found_through_band_files_as_through_whoosh(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 30, seed=12)
    items = read_corpus(corpus) + [(t.encode(), f"template-{i}.txt", {}) for i, t in enumerate(_texts()[:4])]
    a = Archive.init(tmp_path / "a", AUTHOR)
    try:
        assert all(r["ok"] for r in a.ingest_many(items, AUTHOR))
        ids = sorted(a.index.ids())
        monkeypatch.setenv("LETTERS_BAND_FILE_MIN", "5")   # for the builders
        monkeypatch.setattr(segment_builder, "BUILD_ASIDE_FROM", 10)
        assert a.reindex() == len(ids)
        files = _files(a.home / "index")
        assert files
        used, real = [], band_file.lookup

        def counting(*args):
            found = real(*args)
            used.append(found is not None)
            return found
        monkeypatch.setattr(band_file, "lookup", counting)
        ranking.forget_postings()
        with_files = {i: a.family(i) for i in ids}
        assert any(used) and sum(len(f) for f in with_files.values()) >= 6   # the template's letters
        for f in files:
            f.unlink()
        ranking.forget_postings()
        used.clear()
        assert {i: a.family(i) for i in ids} == with_files
        assert not any(used)
    finally:
        a.close()
