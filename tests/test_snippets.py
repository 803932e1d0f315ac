"""Search snippets (archive/snippets.py): the words the query looks for, found as the index
would find them (stemmed, accent-folded), in windows cut at word boundaries."""
from __future__ import annotations

from archive import snippets
from archive.index import highlight_terms, index_form, parse_query, _schema
from archive.snippets import GAP

LETTER = ("We write concerning the detention of Mr Erdoğan, who was detained on 3 May. " * 1
          + "Filler words about the weather and other matters. " * 12
          + "Detainees report torture; the detention centre refuses visits. "
          + "More filler about nothing in particular at all. " * 12
          + "We urge you to release every person detained for peaceful speech.")


def marked(snippet, spans):
    return [snippet[s:e] for s, e in spans]


def test_stemmed_and_folded_words_are_marked_where_they_are():
    terms = frozenset({index_form("detention"), index_form("erdogan")})
    text, spans = snippets.make(LETTER, terms, index_form, top=3)
    words = marked(text, spans)
    assert "detention" in words and "detained" in words and "Detainees" in words
    assert "Erdoğan" in words  # accents folded as the index folds them
    assert "weather" not in words and all(w.lower().startswith(("det", "erd")) for w in words)


def test_windows_are_the_densest_in_reading_order_and_never_cut_words():
    terms = frozenset({index_form("detention")})
    text, spans = snippets.make(LETTER, terms, index_form, top=2, maxchars=120, surround=30)
    pieces = text.split(GAP)
    assert len(pieces) == 2
    assert LETTER.index(pieces[0].strip()) < LETTER.index(pieces[1].strip())
    for piece in pieces:
        assert piece in LETTER  # no word cut: every piece is text of the letter as it is
        start = LETTER.index(piece)
        assert start == 0 or LETTER[start - 1] == " "
        end = start + len(piece)
        assert end == len(LETTER) or LETTER[end] in " .;,"


def test_no_match_gives_the_opening_unmarked():
    text, spans = snippets.make(LETTER, frozenset({"zzz"}), index_form)
    assert spans == [] and LETTER.startswith(text) and len(text) == 240


def test_query_terms_exclude_negated_words_and_expand_wildcards(tmp_path):
    from whoosh import index as windex
    ix = windex.create_in(str(tmp_path), _schema())
    w = ix.writer()
    w.add_document(id="a", text="detention and torture of journalists; journalism")
    w.commit()
    with ix.searcher() as s:
        q = parse_query("journ* NOT torture", s.schema, reader=s.reader())
        terms = highlight_terms(q, s.reader())
    assert index_form("torture") not in terms
    assert {index_form("journalists"), index_form("journalism")} <= terms and "journ" not in terms
