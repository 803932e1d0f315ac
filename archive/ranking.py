"""Relevance ranking of word queries from whole posting blocks (Whoosh's BM25F, not its matchers).

Whoosh scores a query by walking a tree of matchers one document at a time in Python, a few
microseconds per document and field: a word found in most letters of a 100,000-letter archive
took a quarter of a second before any facet was counted. For the queries most searches are
(words and phrases in fields, combined by AND and OR) this module reads each term's posting blocks whole,
scores every matching document with Whoosh's own BM25F formula and statistics (idf and average
field length over the whole index, the field length Whoosh stored for the document), and
combines the scores as Whoosh's matchers do: a union or an intersection sums its parts, a boost
multiplies. The ranking is Whoosh's, ties in document order (tests/test_ranking.py compares the
two on real indexes); the scores may differ in the last bits where Whoosh adds the same parts in
another order. Every match comes out with its score, so facet counts need no second pass.

Phrases are matched as Whoosh's span query matches them (positions decoded only for the
letters that have every word) and scored as it scores them, the sum of their words' scores.
Anything else (wildcards, ranges, NOT, another weighting) gets None: Whoosh runs it.

Reads Whoosh's W3 posting blocks through private attributes of whoosh-reloaded 2.7.5 (pinned);
any other matcher is read through the public matcher interface, one posting at a time.
"""
from __future__ import annotations

import heapq
import threading
from array import array
from collections import OrderedDict
from itertools import accumulate, repeat

from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import NumericColumn
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length

_LENGTHS = [byte_to_length(b) for b in range(256)]
# (segment id, field) -> [field length of each document]. A segment never changes once
# written, so nothing here goes stale; a merged segment is a new id.
_lengths_cache: OrderedDict = OrderedDict()
_LENGTHS_KEPT = 48
_lengths_lock = threading.Lock()


def scores(query, searcher) -> dict | None:
    """{document number: score} of every document `query` matches, or None if this module
    does not rank such a query (Whoosh must)."""
    if type(searcher.weighting) is not scoring.BM25F or not _supported(query):
        return None
    leaves = list(searcher.reader().leaf_readers())
    if not all(isinstance(r, SegmentReader) for r, _ in leaves):
        return None
    return _scores(query, searcher, leaves)


def top(scored: dict, n: int) -> list[tuple[int, float]]:
    """The n best (document, score) pairs: highest score first, ties in document order (as
    Whoosh's collector keeps them)."""
    best = heapq.nlargest(n, zip(scored.values(), map(int.__neg__, scored.keys())))
    return [(-neg, score) for score, neg in best]


def term_docs(reader, fieldname: str, text) -> set:
    """The live document numbers of one term's postings (every segment of `reader`)."""
    out: set = set()
    for seg, offset in reader.leaf_readers():
        for ids, _, _ in _segment_blocks(seg, fieldname, text):
            out.update(ids if not offset else [d + offset for d in ids])
    return out


def _supported(q) -> bool:
    if type(q) is wq.Term:
        return True
    if type(q) is wq.Phrase:
        return q.slop >= 1 and len(q.words) > 0
    if type(q) in (wq.And, wq.Or) and q.subqueries:
        if type(q) is wq.Or and (getattr(q, "scale", None) or getattr(q, "minmatch", 0)):
            return False
        return all(_supported(sub) for sub in q.subqueries)
    return False


def _scores(q, searcher, leaves, within=None) -> dict:
    """Scores of the documents `q` matches (only those in `within`, a set, if given)."""
    if type(q) is wq.Term:
        found = _term_scores(q, searcher, leaves, within)
        boost = q.boost
    elif type(q) is wq.Phrase:
        found = _phrase_scores(q, searcher, leaves, within)
        boost = q.boost
    elif len(q.subqueries) == 1:   # Whoosh uses the one part's matcher, without the boost
        return _scores(q.subqueries[0], searcher, leaves, within)
    elif type(q) is wq.Or:
        found = _union([_scores(sub, searcher, leaves, within) for sub in q.subqueries])
        boost = q.boost
    else:
        # The rarest part first; each next part is scored only where all before it matched.
        reader = searcher.reader()
        parts: dict = {}
        for n in sorted(range(len(q.subqueries)), key=lambda k: q.subqueries[k].estimate_size(reader)):
            parts[n] = _scores(q.subqueries[n], searcher, leaves, within)
            within = set(parts[n])
            if not within:
                return {}
        found = _intersection([parts[n] for n in range(len(q.subqueries))])
        boost = q.boost
    if boost != 1.0:
        found = {d: s * boost for d, s in found.items()}
    return found


def _union(parts: list) -> dict:
    out = dict(parts[0])
    for part in parts[1:]:
        get = out.get
        for d, s in part.items():
            have = get(d)
            out[d] = s if have is None else have + s
    return out


def _intersection(parts: list) -> dict:
    common = set(parts[0]).intersection(*parts[1:])
    out = {}
    for d in common:
        total = parts[0][d]
        for part in parts[1:]:
            total = total + part[d]
        out[d] = total
    return out


def _term_scores(q, searcher, leaves, within=None) -> dict:
    out: dict = {}
    score = _term_scorer(searcher, q.fieldname, q.text)
    if score is None:
        return out
    for seg, offset in leaves:
        for ids, weights, _ in _segment_blocks(seg, q.fieldname, q.text):
            if within is not None:
                keep = [i for i, d in enumerate(ids) if d + offset in within]
                if not keep:
                    continue
                ids, weights = [ids[i] for i in keep], [weights[i] for i in keep]
            values = score(seg, ids, weights)
            out.update(zip(ids if not offset else [d + offset for d in ids], values))
    return out


def _term_scorer(searcher, fieldname: str, text):
    """score(segment, ids, weights) -> the term's scores of those postings (Whoosh's scorer for
    the field: BM25F over the whole index, or the weight for a field that is not scorable), or
    None if no document has the term."""
    if fieldname not in searcher.schema or (fieldname, text) not in searcher.reader():
        return None
    if not searcher.schema[fieldname].scorable:   # Whoosh's WeightScorer: the posting's weight
        return lambda seg, ids, weights: weights
    scorer = searcher.weighting.scorer(searcher, fieldname, text)
    idf, avgfl, K1 = scorer.idf, scorer.avgfl, scorer.K1
    k1p1, base, slope = K1 + 1, 1 - scorer.B, scorer.B

    def score(seg, ids, weights):
        lengths = _field_lengths(seg, fieldname)
        if lengths is None:   # no lengths stored: Whoosh's default length, 1
            return [idf * ((w * k1p1) / (w + K1 * (base + slope * 1 / avgfl))) for w in weights]
        # scoring.bm25, operation for operation
        return [idf * ((w * k1p1) / (w + K1 * (base + slope * lengths[d] / avgfl)))
                for d, w in zip(ids, weights)]
    return score


def _phrase_scores(q, searcher, leaves, within=None) -> dict:
    """A phrase as Whoosh's SpanNear2 matches it (the words in order, each within `slop` of the
    span before it), scored as the intersection of its words' terms."""
    out: dict = {}
    fieldname = q.fieldname
    if fieldname not in searcher.schema:
        return out
    field = searcher.schema[fieldname]
    words = []
    for word in q.words:
        try:
            words.append(field.to_bytes(word))
        except ValueError:
            return out
    scorers = [_term_scorer(searcher, fieldname, w) for w in words]
    if any(sc is None for sc in scorers):
        return out
    decode = field.format.decode_positions
    for seg, offset in leaves:
        postings = []
        for word, score in zip(words, scorers):
            found = {}
            for ids, weights, values in _segment_blocks(seg, fieldname, word, with_values=True):
                found.update(zip(ids, zip(score(seg, ids, weights), values)))
            postings.append(found)
            if not found:
                break
        if len(postings) < len(words) or not postings[-1]:
            continue
        candidates = set(postings[0]).intersection(*postings[1:])
        if within is not None:
            candidates = {d for d in candidates if d + offset in within}
        for d in candidates:
            if _spans_in_order([decode(p[d][1]) for p in postings], q.slop):
                total = _binary_sum([p[d][0] for p in postings])
                out[d + offset] = total
    return out


def _binary_sum(parts: list) -> float:
    """Sum in the order of Whoosh's binary tree of intersection matchers."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _binary_sum(parts[:half]) + _binary_sum(parts[half:])


def _spans_in_order(positions: list, slop: int) -> bool:
    """Whoosh's SpanNear2 (ordered, mindist 1): a span grows word by word, each next word at
    1..slop positions after the span's end, never inside or before it."""
    spans = {(p, p) for p in positions[0]}
    for plist in positions[1:]:
        grown = set()
        for start, end in spans:
            for p in plist:
                if p > end + slop:
                    break
                if p > end:   # 1 <= p - end <= slop
                    grown.add((start, p))
        spans = grown
        if not spans:
            return False
    return True


def _field_lengths(seg, fieldname: str) -> list | None:
    """The length Whoosh stored for `fieldname` of each document of a segment (decoded, as its
    `doc_field_length` reads it), or None if the segment stores none (Whoosh then uses 1)."""
    key = (seg.segment().segment_id(), fieldname)
    with _lengths_lock:
        lengths = _lengths_cache.get(key)
        if lengths is not None:
            _lengths_cache.move_to_end(key)
    if lengths is None:
        column = seg._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            lengths = []
        elif isinstance(column, NumericColumn.Reader) and column._typecode == "B":
            stored = column._dbfile.get(column._basepos, column._count)  # one byte a document
            lengths = [_LENGTHS[b] for b in stored] + [_LENGTHS[column._default]] * (column._doccount - column._count)
        else:
            lengths = [_LENGTHS[b] for b in column]
        with _lengths_lock:
            _lengths_cache[key] = lengths
            while len(_lengths_cache) > _LENGTHS_KEPT:
                _lengths_cache.popitem(last=False)
    return lengths or None


def _segment_blocks(seg, fieldname: str, text, with_values: bool = False):
    """(document ids, weights, values or None) of a term's postings in one segment, a block at
    a time, deleted documents left out."""
    if fieldname not in seg.schema or (fieldname, text) not in seg:
        return
    m = seg.postings(fieldname, text)
    deleted = ()
    if isinstance(m, FilterMatcher):
        deleted, m = m._ids, m.child
    blocks = _w3_blocks(m, with_values) if isinstance(m, W3LeafMatcher) else _generic_blocks(m, with_values)
    for ids, weights, values in blocks:
        if deleted:
            keep = [i for i, d in enumerate(ids) if d not in deleted]
            ids, weights = [ids[i] for i in keep], [weights[i] for i in keep]
            values = [values[i] for i in keep] if values is not None else None
        yield ids, weights, values


def _w3_blocks(m: W3LeafMatcher, with_values: bool):
    while m.is_active():
        if m._data is None:
            m._read_data()
        ids, weights = m._data[0], m._data[1]
        count = m._blocklength
        if not m._byteids:
            ids = list(accumulate(ids))   # the block stores gaps (whoosh's delta_decode)
        if weights is None:
            weights = repeat(1.0, count)
        elif isinstance(weights, float):   # one weight for the block, read back as Whoosh does
            weights = repeat(array("f", [weights])[0], count)
        values = None
        if with_values:
            m._read_values()
            values = list(m._values)
        yield ids, list(weights), values
        m._next_block()


def _generic_blocks(m, with_values: bool):
    ids, weights, values = [], [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        if with_values:
            values.append(m.value())
        m.next()
    yield ids, weights, (values if with_values else None)
