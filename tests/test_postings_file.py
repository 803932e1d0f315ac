"""Long posting lists decoded once into a file beside their segment: written by segment builders
and mergers, read by searches, and the same answers as reading Whoosh's blocks."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from whoosh import index as windex
from whoosh.reading import SegmentReader

from archive import merges, postings_file, ranking, segment_builder, segment_files
from archive.home import Archive
from benchmarks.generator import read_corpus, write_corpus
from conftest import AUTHOR
from test_merges import small  # noqa: F401 - a fixture
from test_segment_builder import QUERIES, _state

MIN = 5


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus")
    write_corpus(corpus, 40, seed=11)
    return read_corpus(corpus)


def _files(index_dir: Path) -> list:
    return sorted(index_dir.glob(f"*.{postings_file.EXTENSION}"))


def _whoosh_lists(storage, schema, segment, at_least: int) -> dict:
    """{(field, term): (ids, weights)} of every term of `at_least` postings, from Whoosh's blocks."""
    reader = SegmentReader(storage, schema, segment)
    try:
        out = {}
        for key, info in reader._terms.items():
            if info.doc_frequency() >= at_least:
                ids, weights, values = [], [], []
                for block in postings_file.blocks(reader.postings(*key), True):
                    ids += block[0]
                    weights += block[1]
                    values += block[2]
                out[key] = (np.array(ids), np.array(weights, dtype=np.float32), values)
        return out
    finally:
        reader.close()


def test_a_rebuild_through_builders_writes_the_files_and_searches_answer_as_before(
        items, tmp_path, monkeypatch):
    a = Archive.init(tmp_path / "a", AUTHOR)
    try:
        assert all(r["ok"] for r in a.ingest_many(items, AUTHOR))
        assert _files(a.home / "index") == []   # segments written in this process: none
        want = _state(a)
        monkeypatch.setenv("LETTERS_POSTINGS_FILE_MIN", str(MIN))   # for the builders
        monkeypatch.setattr(segment_builder, "BUILD_ASIDE_FROM", 10)
        assert a.reindex() == 40
        assert _files(a.home / "index")
        used, real = [], postings_file.lookup

        def counting(*args, **kwargs):
            found = real(*args, **kwargs)
            used.append((found is not None, kwargs.get("with_values", False)))
            return found
        monkeypatch.setattr(postings_file, "lookup", counting)
        ranking.forget_postings()
        assert _state(a) == want
        assert used.count((True, False)) > len(QUERIES)   # the answers came from the files,
        assert used.count((True, True)) >= 2              # the phrase's positions too
    finally:
        a.close()


def test_the_file_holds_every_long_list_exactly_and_nothing_else(small, monkeypatch):  # noqa: F811
    ix, index = small
    monkeypatch.setattr(postings_file, "MIN_POSTINGS", 3)
    segment = ix._segments()[0]
    assert postings_file.write_for(ix.storage, ix.schema, segment) == 0   # one letter: no list that long
    assert _files(index.path) == []
    merge = merges.Merge(index)   # a merger writes one for the segment it merges
    assert merge.prepare() and merge.swap()
    merge.close()
    [merged] = [s for s in windex.open_dir(str(index.path))._segments() if s.doc_count_all() > 1]
    assert [f.name for f in _files(index.path)] == [f"{merged.segment_id()}.{postings_file.EXTENSION}"]
    assert windex.TOC._segment_pattern(ix.indexname).match(_files(index.path)[0].name)   # cleaned with it
    assert _files(index.path)[0].stat().st_mode & 0o777 == 0o644   # readable by a web server's user
    expected = _whoosh_lists(ix.storage, ix.schema, merged, 3)
    assert ("body", b"detention") in expected and ("body", b"0") not in expected
    reader = SegmentReader(ix.storage, ix.schema, merged)
    try:
        segment_files.forget()
        for (field, term), (ids, weights, values) in expected.items():
            got = postings_file.lookup(reader, field, term)
            assert got is not None and got[0].dtype == np.int64 and got[1].dtype == np.float32
            assert np.array_equal(got[0], ids) and np.array_equal(got[1], weights), (field, term)
            with_values = postings_file.lookup(reader, field, term, with_values=True)
            if field == "body":   # a field with positions: the stored values too
                assert with_values[2].pick(np.arange(len(values))) == values
                assert with_values[2].pick(np.array([len(values) - 1, 0])) == [values[-1], values[0]]
            else:
                assert with_values is None
        assert postings_file.lookup(reader, "body", b"letter") is not None
        assert postings_file.lookup(reader, "body", b"zzz") is None
        # a damaged file is not used: the blocks are read instead
        good = _files(index.path)[0].read_bytes()
        for damaged in [b"not a postings file at all", b"ALA", good[:len(good) // 2], good[:-5],
                        good[:16] + b"\0" * (len(good) - 16)]:
            _files(index.path)[0].write_bytes(damaged)
            segment_files.forget()
            assert postings_file.lookup(reader, "body", b"detention") is None
    finally:
        reader.close()


def test_search_leaves_out_letters_deleted_after_the_file_was_written(small, monkeypatch):  # noqa: F811
    ix, index = small
    monkeypatch.setattr(postings_file, "MIN_POSTINGS", 3)
    merge = merges.Merge(index)
    assert merge.prepare() and merge.swap()
    merge.close()
    assert _files(index.path)
    w = ix.writer()
    w.delete_by_term("id", "d4")
    w.commit(mergetype=merges.deferred_merge)
    ranking.forget_postings()
    from whoosh.qparser import QueryParser
    live = {f"d{i}" for i in range(merges.MERGE_FAN_IN)} - {"d4"}
    with ix.searcher() as s:
        docs = ranking.term_docs(s.reader(), "body", "detention")
        assert {s.stored_fields(d)["id"] for d in docs} == live
        phrase = ranking.scores(QueryParser("body", ix.schema).parse('"about detention"'), s)
        assert {s.stored_fields(d)["id"] for d in phrase.as_dict()} == live
