"""Relevance ranking from whole posting blocks (archive/ranking.py) against Whoosh scoring every
match itself, on a real index of several segments with deleted (replaced) documents."""
from __future__ import annotations

import pytest

from archive import ranking
from archive.authority import Authority
from archive.index import Index
from benchmarks.fastbuild import to_letter
from benchmarks.generator import make_letter

QUERIES = ["torture", "torture detention", "journalists asylum", "asylum OR refugees OR evictions",
           "torture country:UZ", "detention year:2010", "refugees instrument:refugee-convention",
           "country:UZ instrument:iccpr", "official:Karimov", "Erdoğan^2 torture",
           "(torture OR detention) journalists^3", "lawyers country:RU", "surveillance", "instrument:cat",
           "article:iccpr/19", "nosuchwordanywhere", "torture nosuchwordanywhere",
           '"fair trial"', '"freedom of expression"', '"human rights defenders" country:UZ',
           '"pre-trial detention" OR torture', 'text:"torture detention"~3', '"detention of journalists"',
           '"penal colony"^2 asylum', 'title:"letter from"', '"nosuchword fair"',
           '"freedom of expression" journalists country:UZ', "torture country:UZ year:2010",
           "(asylum OR torture) (detention OR lawyers) instrument:iccpr",
           "date:[2005 TO 2010]", "date:[1995-01-01 TO 1999-12-31]", "torture date:[2015 TO 2016]",
           "asylum NOT detention", "torture -country:UZ -year:2010", "(asylum OR torture) NOT \"fair trial\""]
NOT_RANKED = ["tort*", "asylum OR (torture NOT detention)", ""]
WITH_NOT = ("NOT", " -")


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """~260 generated letters in a large segment, small segments after it, and letters written
    again (Whoosh deletes the old document and adds a new one)."""
    auth = Authority.bundled()
    ix = Index(tmp_path_factory.mktemp("ranking") / "index")
    ix.create()
    letters = [to_letter(g, list(g.blocks), f"2010-01-01-l{i:04d}", auth)
               for i, g in enumerate(make_letter(7, i) for i in range(260))]
    batches = [letters[:200]] + [letters[k:k + 6] for k in range(200, 260, 6)] + [letters[5:9], letters[203:204]]
    for n, batch in enumerate(batches):
        _commit(ix, batch, n)
    s = ix.searcher()
    assert len(list(s.reader().leaf_readers())) > 1 and s.reader().has_deletions()
    yield ix
    ix.close()


def _commit(ix, letters, n: int) -> None:
    """One index commit (one segment) of these letters, as the n-th commit of the repository."""
    with ix.writer_lock():
        b = ix.batch()
        for letter in letters:
            b.add(letter, f"letters/{letter.id}.xml")
        b.commit(f"{n:040x}")


def _whoosh_ranking(s, query):
    """Whoosh scoring every match (no limit), best first, ties in document order."""
    return sorted(((hit.docnum, hit.score) for hit in s.search(query, limit=None)), key=lambda p: (-p[1], p[0]))


@pytest.mark.parametrize("q", QUERIES)
def test_every_match_scored_as_whoosh_scores_it(index, q):
    s = index.searcher()
    query = index.parse(q)
    found = ranking.scores(query, s)
    assert found is not None, repr(query)
    scored = found.as_dict()
    expected = _whoosh_ranking(s, query)
    assert sorted(scored) == sorted(d for d, _ in expected)
    # Whoosh adds a constant for each NOT to every match (its inverse matcher's weight), or
    # not, depending on the shape of its matcher tree: the same for every match either way.
    offset = expected[0][1] - scored[expected[0][0]] if expected and any(w in q for w in WITH_NOT) else 0.0
    for d, score in expected:
        assert scored[d] + offset == pytest.approx(score, rel=1e-12)
    got = ranking.top(found, 25)
    assert [d for d, _ in got] == [d for d, _ in expected[:25]]
    if q in ("torture", "torture detention", "asylum OR refugees OR evictions", '"fair trial"'):
        assert len(scored) > 50


@pytest.mark.parametrize("q", NOT_RANKED)
def test_queries_it_does_not_rank_are_left_to_whoosh(index, q):
    assert ranking.scores(index.parse(q), index.searcher()) is None


def test_term_docs_leave_deleted_documents_out(index):
    s = index.searcher()
    reader = s.reader()
    live = {d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)}
    docs = ranking.term_docs(reader, "text", "tortur")
    assert docs and docs <= live
    assert docs == set(s.docs_for_query(index.parse("text:torture")))


def test_archive_search_pages_follow_the_ranking(index):
    first = index.search("torture detention", limit=10)
    second = index.search("torture detention", limit=10, offset=10)
    both = index.search("torture detention", limit=20)
    assert [h["id"] for h in first["hits"] + second["hits"]] == [h["id"] for h in both["hits"]]
    scores = [h["score"] for h in both["hits"]]
    assert scores == sorted(scores, reverse=True) and first["total"] == both["total"] > 20


def test_top_keeps_ties_in_document_order_across_the_cut():
    import numpy as np
    found = ranking.Scores(np.array([3, 5, 8, 9, 12, 20]), np.array([2.0, 1.0, 2.0, 3.0, 2.0, 2.0]))
    assert ranking.top(found, 3) == [(9, 3.0), (3, 2.0), (8, 2.0)]
    assert ranking.top(found, 10) == [(9, 3.0), (3, 2.0), (8, 2.0), (12, 2.0), (20, 2.0), (5, 1.0)]
    assert ranking.top(found, 0) == [] and ranking.top(ranking.Scores(), 5) == []


@pytest.mark.parametrize("q", ["torture", "country:UZ", '"fair trial"', "asylum OR refugees", "tort*"])
def test_facet_counts_are_those_of_whoosh_s_postings(index, q):
    """Facets counted from arrays (archive/facets.py) against a count made letter by letter
    from Whoosh's own posting iterators and matcher."""
    from collections import Counter
    from archive.index import FACETS
    s = index.searcher()
    reader = s.reader()
    query = index.parse(q)
    matches = set(s.docs_for_query(query))
    total, got = index.facet_counts(query)
    assert total == len(matches) > 0
    for name, field in FACETS.items():
        per_doc: dict = {}
        for term in reader.lexicon(field):
            value = term.decode("utf-8")
            if value:
                value = value.split("(", 1)[0] if name == "article" else value
                for d in reader.postings(field, term).all_ids():
                    per_doc.setdefault(d, set()).add(value)
        counts = Counter(v for d in matches for v in per_doc.get(d, ()))
        expected = sorted(counts.items(), key=lambda vc: (-vc[1], vc[0]))
        assert [(f["value"], f["count"]) for f in got[name]] == expected, name


def test_facets_are_the_same_whichever_path_found_the_matches(index):
    """Sorted by date, Whoosh finds a phrase's matches (a set); by relevance, the ranking does
    (an array): the counts must not depend on it."""
    by_rank = index.search('"fair trial"', limit=5)
    index.forget_facet_counts()
    by_date = index.search('"fair trial"', limit=5, sort="date")
    assert by_rank["total"] == by_date["total"] > 0 and by_rank["facets"] == by_date["facets"]


def test_kept_postings_leave_out_documents_deleted_after_they_were_kept(tmp_path):
    """A segment's decoded postings are kept across generations of the index; a document of
    that segment deleted later (its letter written again) must not come back from them."""
    auth = Authority.bundled()
    ix = Index(tmp_path / "index")
    ix.create()
    try:
        letters = [to_letter(g, list(g.blocks), f"2010-01-01-k{i:04d}", auth)
                   for i, g in enumerate(make_letter(8, i) for i in range(40))]
        for n, batch in enumerate([letters, letters[3:5]]):
            if n:   # the postings of the first segment are decoded and kept by now
                assert ranking.term_docs(ix.searcher().reader(), "text", "tortur")
            _commit(ix, batch, n)
        s = ix.searcher()
        reader = s.reader()
        assert reader.has_deletions()
        live = {d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)}
        docs = ranking.term_docs(reader, "text", "tortur")
        assert docs and docs <= live
        assert docs == set(s.docs_for_query(ix.parse("text:torture")))
    finally:
        ix.close()


def test_several_terms_at_once_ask_a_segment_only_for_the_terms_it_holds(index, monkeypatch):
    """A letter's 32 bands against many small segments: once a segment's band terms are kept as
    a set, only the terms in it are looked up, and the documents are those of each term."""
    ranking.forget_postings()
    reader = index.searcher().reader()
    held = [t.decode() for t in reader.lexicon("family")]
    texts = held[::7][:40] + ["00-000000000000", "31-ffffffffffff"] + held[:3]   # absent ones, repeats
    kept_docs = ranking.LEXICON_KEPT_DOCS
    monkeypatch.setattr(ranking, "LEXICON_KEPT_DOCS", 0)   # first every term probed, no set made
    want = sorted(d for t in dict.fromkeys(texts) for d in ranking.term_doc_array(reader, "family", t).tolist())
    assert sorted(ranking.terms_doc_array(reader, "family", texts).tolist()) == want
    assert not ranking._lexicons and len(want) >= len(set(texts)) - 2   # each held term has a letter
    monkeypatch.setattr(ranking, "LEXICON_KEPT_DOCS", kept_docs)
    monkeypatch.setattr(ranking, "LEXICON_AFTER_PROBES", 0)
    for seg, _ in reader.leaf_readers():   # every small segment's set is made by a probe
        ranking._has_term(seg, "family", texts[0])
    asked = []
    real = ranking._segment_blocks
    monkeypatch.setattr(ranking, "_segment_blocks",
                        lambda seg, f, t, *a, **k: asked.append((seg, t)) or real(seg, f, t, *a, **k))
    assert sorted(ranking.terms_doc_array(reader, "family", texts).tolist()) == want
    small = [seg for seg, _ in reader.leaf_readers() if seg.doc_count_all() <= ranking.LEXICON_KEPT_DOCS]
    assert small
    for seg in small:
        terms = set(seg.lexicon("family"))
        mine = [t for s, t in asked if s is seg]
        assert mine and all(seg._text_to_bytes("family", t) in terms for t in mine)
