"""The index follows the repository, including commits made with plain git."""
from __future__ import annotations

import subprocess
from pathlib import Path

from archive.home import Archive
from conftest import AUTHOR, SEED

HINTS = {"date": "2005-05-16", "sender_org": "Human Rights Watch"}


def git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_index_records_commit_and_catches_up_with_plain_git(archive, tmp_path):
    res = archive.ingest(SEED.read_bytes(), SEED.name, HINTS, AUTHOR)
    assert archive.index.commit_id() == archive.reader.head()
    assert archive.search("andijan")["total"] == 1
    assert archive.search("Bishkek OR Tashkent")["total"] == 0

    # an archivist edits the TEI with plain git and pushes
    clone = tmp_path / "clone"
    git("clone", "-q", str(archive.git_dir), str(clone))
    tei = clone / res["letter"]["path"]
    tei.write_text(tei.read_text(encoding="utf-8").replace("Andijan", "Andijan (near Bishkek?)", 1),
                   encoding="utf-8")
    git("-c", "user.name=Git User", "-c", "user.email=g@example.org", "commit", "-qam", "Edit by hand", cwd=clone)
    git("push", "-q", "origin", "main", cwd=clone)

    other = Archive.open(archive.home)  # another process
    assert other.index.commit_id() != other.reader.head()
    assert other.search("Bishkek")["total"] == 1  # caught up before answering
    assert other.index.commit_id() == other.reader.head()

    # a letter deleted with plain git disappears from the index
    git("rm", "-q", res["letter"]["path"], cwd=clone)
    git("-c", "user.name=Git User", "-c", "user.email=g@example.org", "commit", "-qm", "Remove", cwd=clone)
    git("push", "-q", "origin", "main", cwd=clone)
    assert other.search("andijan")["total"] == 0
    other.close()


def test_facets_count_every_match_not_just_the_page(archive):
    for i, country in enumerate(["Uzbekistan", "Kazakhstan", "Uzbekistan"]):
        text = (f"Dear Minister,\n\nWe write about {i + 2} detained journalists in {country}, contrary to "
                f"article 19 of the International Covenant on Civil and Political Rights.\n\n"
                f"Sincerely,\n\nAna Example\nDirector")
        archive.ingest(text.encode(), f"l{i}.txt", {"date": f"201{i}-01-0{i + 1}", "sender_org": "Example Watch"},
                       AUTHOR)
    res = archive.search("journalists", limit=1)
    assert res["total"] == 3 and len(res["hits"]) == 1
    countries = {f["value"]: f["count"] for f in res["facets"]["country"]}
    assert countries == {"UZ": 2, "KZ": 1}
    assert {f["value"]: f["count"] for f in res["facets"]["year"]} == {"2010": 1, "2011": 1, "2012": 1}
    assert res["facets"]["instrument"][0]["value"] == "iccpr"
    assert archive.search("article:ICCPR/19")["total"] == 3
    assert archive.search("country:Uzbekistan")["total"] == 2
    assert [h["date"] for h in archive.search("", sort="-date")["hits"]] == ["2012-01-03", "2011-01-02", "2010-01-01"]


def test_duplicate_ingest_commits_nothing(archive):
    first = archive.ingest(SEED.read_bytes(), SEED.name, HINTS, AUTHOR)
    head = archive.reader.head()
    again = archive.ingest(SEED.read_bytes(), "copy.txt", HINTS, AUTHOR)
    assert again["duplicate"] and again["id"] == first["id"]
    assert archive.reader.head() == head


def _analysed_texts() -> list:
    root = Path(__file__).resolve().parent
    texts = [p.read_text(errors="replace") for p in sorted((root / "extraction" / "letters").rglob("*"))
             if p.suffix in (".txt", ".html", ".eml")]
    texts += ["Erdoğan, U.N. co-operation; the 19(3) *wild* cards of ИГИЛ and 北京 at 2,000 — I a"]
    assert len(texts) > 20
    return texts


def test_the_one_pass_word_analyzer_gives_the_chain_s_tokens_exactly():
    from archive.index import WordAnalyzer, chained_word_analyzer
    fused, chain = WordAnalyzer(), chained_word_analyzer()
    texts = _analysed_texts()

    def tokens(analyzer, text, **kw):
        return [(t.text, getattr(t, "pos", None), getattr(t, "startchar", None),
                 getattr(t, "endchar", None), t.stopped, getattr(t, "original", None))
                for t in analyzer(text, **kw)]
    for kw in (dict(positions=True, chars=True, mode="index"),
               dict(positions=True, chars=True, keeporiginal=True, removestops=False, start_pos=3, start_char=7),
               dict(mode="query"), dict(mode="query", tokenize=False)):
        for text in texts:
            assert tokens(fused, text, **kw) == tokens(chain, text, **kw)


def test_word_positions_are_whoosh_s_postings_exactly():
    """The text fields' one-pass postings: the terms, frequencies, weights and position bytes
    Whoosh's own Positions format makes from the chained analyzer."""
    from whoosh.formats import Positions
    from archive.index import WordAnalyzer, WordPositions, chained_word_analyzer, _schema
    texts = _analysed_texts() + ["", "the of and", "a b c Torture torture TORTURE tortured", "x " * 50 + "detention"]
    for boost in (1.0, 2.0):
        fast, plain = WordPositions(field_boost=boost), Positions(field_boost=boost)
        for text in texts:
            got = list(fast.word_values(text, WordAnalyzer(), mode="index"))
            assert got == list(plain.word_values(text, chained_word_analyzer(), mode="index"))
    assert isinstance(_schema()["text"].format, WordPositions)
    assert _schema()["title"].format.field_boost == 2.0


def test_tiered_merge_merges_a_size_tier_only_when_it_is_full(tmp_path):
    """Single writes leave small segments; they merge ten at a time, never the big one."""
    from whoosh import index as windex
    from whoosh.fields import ID, Schema
    from archive.merges import MERGE_FAN_IN, tiered_merge
    ix = windex.create_in(str(tmp_path), Schema(id=ID(stored=True)))
    w = ix.writer()
    for i in range(150):
        w.add_document(id=f"big{i}")
    w.commit()
    sizes = []
    for i in range(MERGE_FAN_IN + 3):
        w = ix.writer()
        w.add_document(id=f"one{i}")
        w.commit(mergetype=tiered_merge)
        sizes.append(sorted(s.doc_count_all() for s in ix._segments()))
    assert sizes[MERGE_FAN_IN - 1] == [1] * MERGE_FAN_IN + [150]  # a full tier waits for the next write
    # The next write merges the full tier into its own new segment, and keeps the big one.
    assert sizes[MERGE_FAN_IN] == [MERGE_FAN_IN + 1, 150]
    assert sizes[-1] == [1, 1, MERGE_FAN_IN + 1, 150]
    with ix.searcher() as s:
        assert s.doc_count() == 150 + MERGE_FAN_IN + 3


def test_a_write_far_behind_on_merges_merges_only_small_tiers_inline(tmp_path, monkeypatch):
    """With too many segments a write merges inline, but only the small tiers: a batch's large
    segments are the background merger's, or one ingest would wait for them."""
    from whoosh import index as windex
    from whoosh.fields import ID, Schema
    from archive import merges
    monkeypatch.setattr(merges, "MAX_SEGMENTS", 15)
    monkeypatch.setattr(merges, "INLINE_TIER_MAX", 1)
    ix = windex.create_in(str(tmp_path), Schema(id=ID(stored=True)))
    for i in range(merges.MERGE_FAN_IN):  # a full tier of "large" segments (tier 2)
        w = ix.writer()
        for j in range(20):
            w.add_document(id=f"big{i}-{j}")
        w.commit(mergetype=lambda writer, segments: list(segments))
    for i in range(merges.MERGE_FAN_IN):  # and a full tier of one-letter segments
        w = ix.writer()
        w.add_document(id=f"one{i}")
        w.commit(mergetype=lambda writer, segments: list(segments))
    w = ix.writer()
    w.add_document(id="last")
    w.commit(mergetype=merges.deferred_merge)
    sizes = sorted(seg.doc_count_all() for seg in ix._segments())
    assert sizes == [merges.MERGE_FAN_IN + 1] + [20] * merges.MERGE_FAN_IN
    with ix.searcher() as s:
        assert s.doc_count() == 21 * merges.MERGE_FAN_IN + 1


def test_segments_merged_by_reindexing_stored_fields_search_like_a_rebuilt_index(tmp_path):
    """Single ingests leave one-letter segments; a full tier is indexed again from its stored
    fields. Every search and facet must then be what a rebuild from git gives."""
    from archive.home import Archive
    from archive.merges import MERGE_FAN_IN, merge_all
    from conftest import AUTHOR
    from test_guarantees import letter_text
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        for i in range(MERGE_FAN_IN + 3):
            assert a.ingest(letter_text(i).encode(), f"l{i}.txt", {}, AUTHOR)["ok"]
        merge_all(a.index.path, wait=True)  # the merger a write started, and what is left due
        sizes = sorted(s.doc_count_all() for s in a.index._open()._segments())
        assert max(sizes) > 1  # a tier was merged
        queries = ["detention", "country:" + a.search("")["facets"]["country"][0]["value"],
                   "instrument:cat", "article:cat/3", "official:Minister", "date:2012..2016",
                   '"human rights defenders"', "Example Rights Monitor", "case", "ICCPR"]
        before = [a.search(q, limit=100) for q in queries]
        a.reindex()
        after = [a.search(q, limit=100) for q in queries]
        for b, c in zip(before, after):
            assert sorted(h["id"] for h in b["hits"]) == sorted(h["id"] for h in c["hits"])
            assert b["facets"] == c["facets"] and b["total"] == c["total"]
        assert all(r["total"] for r in before[:4]) and before[-1]["total"]  # ICCPR: only in entities
    finally:
        a.close()


def test_a_searcher_reads_on_while_another_writer_replaces_its_segments(tmp_path):
    """Whoosh opens some of a segment's files only when first needed; a commit elsewhere
    that replaces the segment must not delete them from under a searcher still reading."""
    from archive.home import Archive
    from archive.index import Index
    from conftest import AUTHOR
    from test_guarantees import letter_text
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        for i in range(3):
            assert a.ingest(letter_text(i).encode(), f"l{i}.txt", {}, AUTHOR)["ok"]
        reader = Index(a.index.path)
        s = reader.searcher()  # opened on the current generation; nothing stored read yet
        a.index._open().optimize()  # another writer merges every segment into a new one
        assert sorted(f["id"] for f in s.all_stored_fields()) == sorted(
            r["id"] for r in a.list())
        reader.close()
    finally:
        a.close()


def test_a_searcher_after_a_write_keeps_the_readers_of_unchanged_segments(tmp_path):
    """Only the segments a write added or deleted from are opened again, and a segment that
    lost a letter to a new version is read afresh (the old version must not be found)."""
    from archive.home import Archive
    from conftest import AUTHOR
    from test_guarantees import letter_text
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        ids = [a.ingest(letter_text(i).encode(), f"l{i}.txt", {}, AUTHOR)["id"] for i in range(3)]

        def leaves():
            return {r.segment().segment_id(): r for r, _ in a.index.searcher().reader().leaf_readers()}
        before = leaves()
        assert len(before) == 3
        a.ingest(letter_text(7).encode(), "l7.txt", {}, AUTHOR)
        after = leaves()
        assert len(after) == 4 and all(after[seg] is r for seg, r in before.items())
        a.edit(ids[0], {"title": "A corrected title"}, author=AUTHOR)
        edited = leaves()
        changed = [seg for seg, r in before.items() if edited[seg] is not r]
        assert len(changed) == 1  # the segment holding the old version, now with a deletion
        s = a.index.searcher()
        assert [s.stored_fields(d)["title"] for d in s.document_numbers(id=ids[0])] == ["A corrected title"]
        assert a.search("", limit=100)["total"] == 4
    finally:
        a.close()


def test_a_searcher_sees_merges_done_elsewhere_and_skips_listing_when_nothing_changed(tmp_path, monkeypatch):
    """The latest generation is found from the table of contents after the one last seen: an
    optimise by another writer (one or two commits, at the same git commit) is seen, and a
    searcher on an unchanged index does not list the index folder."""
    import os

    from archive.index import Index
    from test_guarantees import letter_text
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        for i in range(3):
            assert a.ingest(letter_text(i).encode(), f"l{i}.txt", {}, AUTHOR)["ok"]
        reader = Index(a.index.path)
        assert len(list(reader.searcher().reader().leaf_readers())) == 3
        listed = []
        real = os.listdir
        monkeypatch.setattr(os, "listdir", lambda path=".": listed.append(path) or real(path))
        reader.searcher()
        assert listed == []   # two file checks, no listing
        monkeypatch.setattr(os, "listdir", real)
        for commits in (1, 2):   # the next generation's TOC is there; then neither is
            for _ in range(commits):
                w = a.index._open().writer()
                w.commit(optimize=True)
            s = reader.searcher()
            assert reader._searcher_key[1] == a.index._open().latest_generation()
            assert len(list(s.reader().leaf_readers())) == 1
            assert sorted(f["id"] for f in s.all_stored_fields()) == sorted(r["id"] for r in a.list())
        reader.close()
    finally:
        a.close()
