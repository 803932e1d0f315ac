"""Relevance ranking from whole posting lists (Whoosh's BM25F, not its matchers).

Whoosh scores a query by walking a tree of matchers one document at a time in Python, a few
microseconds per document and field: a word found in most letters of a 100,000-letter archive
took a quarter of a second before any facet was counted. For the queries most searches are
(words and phrases in fields, date ranges, combined by AND, OR and a top-level NOT) this module
reads each term's postings whole into numpy arrays, scores every matching document with
Whoosh's own BM25F formula and statistics (idf and average field length over the whole index,
the field length Whoosh stored for the document) operation for operation, and combines the
scores as Whoosh's matchers do: a union or an intersection sums its parts, a boost multiplies,
a date range gives every match its boost. The ranking is Whoosh's scoring of every match, ties
in document order (tests/test_ranking.py compares the two on real indexes); scores may differ
in the last bits where Whoosh adds the same parts in another order. Every match comes out with
its score, so the facet counts need no second pass.

Phrases are matched as Whoosh's span query matches them (positions decoded only for the
letters that have every word) and scored as it scores them, the sum of their words' scores.
Anything else (wildcards, NOT below the top AND, another weighting) gets None: Whoosh runs it.

Decoded postings are kept per segment (a segment never changes once written) and phrase
matches per index generation: unpickling Whoosh's compressed blocks is a first search's cost.
Reads the W3 posting blocks through private attributes of whoosh-reloaded 2.7.5 (pinned);
any other matcher is read through the public matcher interface, one posting at a time.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.columns import NumericColumn
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.util.numeric import byte_to_length

from . import band_file, positions, postings_file, segment_files

_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
# (segment id, field) -> the field length of each document (array). A segment never changes once
# written, so nothing here goes stale; a merged segment is a new id.
_lengths_cache: OrderedDict = OrderedDict()
_LENGTHS_KEPT = 48
_lengths_lock = threading.Lock()
# (segment id, field, term) -> decoded postings; bounded by the number of postings kept
# (8 bytes each: ~32 MB at the bound).
POSTINGS_KEPT = 4_000_000
_postings_cache: OrderedDict = OrderedDict()
_postings_kept = 0
_postings_lock = threading.Lock()
LEXICON_KEPT_DOCS = 2_000   # segments up to this size keep these fields' terms as a set:
LEXICON_FIELDS = frozenset({"family"})   # a query of many terms (a letter's 32 LSH bands);
# for a query of a few words, reading a field's whole lexicon costs more than probing for them
LEXICONS_KEPT = 512
_lexicons: OrderedDict = OrderedDict()   # (segment id, field) -> frozenset of term bytes
# A segment's terms are read whole only once it has been probed this often (or twice per
# document it holds, if fewer): a process that looks up one letter's family (a single `letters
# ingest`) probes 32 terms per segment, where reading the lexicons of a thousand-letter
# archive's segments took a fifth of a second; the lexicon of the one-letter segment a single
# ingest leaves costs about what two probes cost.
LEXICON_AFTER_PROBES = 96
_lexicon_probes: dict = {}   # (segment id, field) -> probes made before its terms are read
# (index generation, phrase) -> Scores: a phrase's positions are its cost, checked once per
# generation of the index.
PHRASES_KEPT = 64
_phrases: OrderedDict = OrderedDict()
_phrases_lock = threading.Lock()


class Scores:
    """Every matching document and its score: `ids` (global document numbers, ascending) and
    `values`, two numpy arrays of the same length."""

    def __init__(self, ids=None, values=None):
        self.ids = _EMPTY_IDS if ids is None else ids
        self.values = _EMPTY_VALUES if values is None else values

    def __len__(self) -> int:
        return len(self.ids)

    def as_dict(self) -> dict:
        return dict(zip(self.ids.tolist(), self.values.tolist()))


_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_VALUES = np.zeros(0, dtype=np.float64)


def scores(query, searcher) -> Scores | None:
    """Every document `query` matches with its score, or None if this module does not rank
    such a query (Whoosh must)."""
    if type(searcher.weighting) is not scoring.BM25F or not _supported(query, top=True):
        return None
    leaves = list(searcher.reader().leaf_readers())
    if not all(isinstance(r, SegmentReader) for r, _ in leaves):
        return None
    return _scores(query, searcher, leaves)


def top(scored: Scores, n: int) -> list[tuple[int, float]]:
    """The n best (document, score) pairs: highest score first, ties in document order (as
    Whoosh's collector keeps them)."""
    ids, values = scored.ids, scored.values
    if n <= 0 or not len(ids):
        return []
    if len(ids) > n:   # everything at least as good as the n-th best, then ordered exactly
        kth = np.partition(values, len(values) - n)[len(values) - n]
        keep = np.nonzero(values >= kth)[0]
        ids, values = ids[keep], values[keep]
    order = np.lexsort((ids, -values))[:n]
    return list(zip(ids[order].tolist(), values[order].tolist()))


def term_docs(reader, fieldname: str, text) -> set:
    """The live document numbers of one term's postings (every segment of `reader`)."""
    return set(term_doc_array(reader, fieldname, text).tolist())


def term_doc_array(reader, fieldname: str, text) -> np.ndarray:
    """The same, as an ascending array."""
    return terms_doc_array(reader, fieldname, [text])


def terms_doc_array(reader, fieldname: str, texts) -> np.ndarray:
    """The live document numbers of several terms' postings together (a document once per term
    it holds), as `term_doc_array` of each, concatenated. A segment whose terms of the field are
    kept as a set (`_has_term`) is asked only for the terms it holds: a new letter's 32 bands
    against a score of small segments were ~500 probes of a few µs each. A big segment's LSH
    bands are read from its band file (archive/band_file.py), where there is one."""
    texts = list(dict.fromkeys(texts))
    found = []
    for seg, offset in reader.leaf_readers():
        ids = band_file.lookup(seg, texts) if fieldname == band_file.FIELD else None
        if ids is not None:   # a big segment's bands, from the sorted table beside it
            dead = _deleted(seg) if len(ids) else None
            if dead is not None:
                ids = ids[~np.isin(ids, dead)]
            found.append(ids + offset if offset else ids)
            continue
        kept = None
        if fieldname in LEXICON_FIELDS and fieldname in seg.schema:
            with _postings_lock:
                kept = _lexicons.get((seg.segment().segment_id(), fieldname))
        asked = texts if kept is None else [t for t in texts if seg._text_to_bytes(fieldname, t) in kept]
        for text in asked:
            found += [ids + offset if offset else ids for ids, _, _ in _segment_blocks(seg, fieldname, text)]
    return np.concatenate(found) if found else _EMPTY_IDS


def _deleted(seg) -> np.ndarray | None:
    """A segment's deleted document numbers as an array, or None if it has none."""
    deleted = seg.deleted_docs_set
    return np.fromiter(deleted, dtype=np.int64, count=len(deleted)) if deleted else None


def _supported(q, top: bool = False) -> bool:
    if type(q) is wq.Term:
        return True
    if type(q) is wq.Phrase:
        return q.slop >= 1 and len(q.words) > 0
    if isinstance(q, wq.NumericRange):   # date ranges: every match scores the query's boost
        return q.constantscore
    if type(q) is wq.And and q.subqueries:
        # NOT x in the query's top AND: the matches of the other parts without x's. (Whoosh
        # adds a constant per NOT to every match there, which changes no ranking; deeper in
        # the tree it would, so such queries are left to Whoosh.)
        positive = [sub for sub in q.subqueries if type(sub) is not wq.Not]
        if len(positive) < len(q.subqueries) and not top:
            return False
        return bool(positive) and all(_supported(sub.query if type(sub) is wq.Not else sub)
                                      for sub in q.subqueries)
    if type(q) is wq.Or and q.subqueries:
        if getattr(q, "scale", None) or getattr(q, "minmatch", 0):
            return False
        return all(_supported(sub) for sub in q.subqueries)
    return False


def _scores(q, searcher, leaves, within=None) -> Scores:
    """Scores of the documents `q` matches (only those in `within`, an ascending array of
    document numbers, if given)."""
    if type(q) is wq.Term:
        found = _term_scores(q, searcher, leaves, within)
        boost = q.boost
    elif type(q) is wq.Phrase:
        found = _phrase_scores(q, searcher, leaves, within)
        boost = q.boost
    elif isinstance(q, wq.NumericRange):
        return _range_scores(q, searcher, within)
    elif len(q.subqueries) == 1:   # Whoosh uses the one part's matcher, without the boost
        return _scores(q.subqueries[0], searcher, leaves, within)
    elif type(q) is wq.Or:
        found = _union([_scores(sub, searcher, leaves, within) for sub in q.subqueries])
        boost = q.boost
    else:
        # The rarest part first; each next part is scored only where all before it matched.
        reader = searcher.reader()
        positive = [sub for sub in q.subqueries if type(sub) is not wq.Not]
        negative = [sub.query for sub in q.subqueries if type(sub) is wq.Not]
        parts: dict = {}
        for n in sorted(range(len(positive)), key=lambda k: positive[k].estimate_size(reader)):
            parts[n] = _scores(positive[n], searcher, leaves, within)
            within = parts[n].ids
            if not len(within):
                return Scores()
        found = parts[0] if len(positive) == 1 else _intersection([parts[n] for n in range(len(positive))])
        for sub in negative:   # excluded documents; the rest keep their scores
            if not len(found):
                break
            found = _only(found, _scores(sub, searcher, leaves, found.ids).ids, keep=False)
        boost = q.boost
    if boost != 1.0:
        found = Scores(found.ids, found.values * boost)
    return found


def _range_scores(q, searcher, within=None) -> Scores:
    """A constant-score numeric range (Whoosh compiles it to terms of its numeric trie and
    gives every match the query's boost)."""
    reader = searcher.reader()
    compiled = q._compile_query(reader)
    if isinstance(compiled, wq.ConstantScoreQuery):
        compiled = compiled.child
    parts = compiled.subqueries if type(compiled) is wq.Or else [compiled]
    found = []
    for part in parts:
        if type(part) is wq.Term:
            found.append(term_doc_array(reader, part.fieldname, part.text))
        elif isinstance(part, wq.TermRange):
            found += [term_doc_array(reader, part.fieldname, t) for t in part._btexts(reader)]
        elif part is not wq.NullQuery:
            raise ValueError(f"unexpected part of a numeric range: {part!r}")
    ids = _all_ids(found)
    if within is not None:
        ids = ids[np.isin(ids, within, assume_unique=True)]
    return Scores(ids, np.full(len(ids), q.boost, dtype=np.float64))


def _all_ids(arrays: list) -> np.ndarray:
    """Every document number in any of the arrays, ascending."""
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return _EMPTY_IDS
    present = np.zeros(max(int(a.max()) for a in arrays) + 1, dtype=bool)
    for a in arrays:
        present[a] = True
    return np.flatnonzero(present)


def _only(found: Scores, ids: np.ndarray, keep: bool = True) -> Scores:
    """The documents of `found` that are (keep) or are not (keep=False) among `ids`."""
    chosen = np.isin(found.ids, ids, assume_unique=True, invert=not keep)
    return Scores(found.ids[chosen], found.values[chosen])


def _union(parts: list) -> Scores:
    """Each document's scores summed in the order of the parts (as Whoosh's union adds them)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return Scores()
    if len(parts) == 1:
        return parts[0]
    ids = _all_ids([p.ids for p in parts])
    total = np.zeros(len(ids), dtype=np.float64)
    seen = np.zeros(len(ids), dtype=bool)
    for p in parts:
        at = np.searchsorted(ids, p.ids)
        # the first score a document gets is taken as it is (0.0 + x would turn -0.0 into 0.0)
        first = ~seen[at]
        total[at[first]] = p.values[first]
        later = at[~first]
        total[later] = total[later] + p.values[~first]
        seen[at] = True
    return Scores(ids, total)


def _intersection(parts: list) -> Scores:
    ids = parts[0].ids
    for p in parts[1:]:
        ids = np.intersect1d(ids, p.ids, assume_unique=True)
    if not len(ids):
        return Scores()
    total = parts[0].values[np.searchsorted(parts[0].ids, ids)]
    for p in parts[1:]:
        total = total + p.values[np.searchsorted(p.ids, ids)]
    return Scores(ids, total)


def _term_scores(q, searcher, leaves, within=None) -> Scores:
    score = _term_scorer(searcher, q.fieldname, q.text)
    if score is None:
        return Scores()
    all_ids, all_values = [], []
    for seg, offset in leaves:
        for ids, weights, _ in _segment_blocks(seg, q.fieldname, q.text):
            gids = ids + offset if offset else ids
            if within is not None:
                keep = np.isin(gids, within, assume_unique=True)
                ids, weights, gids = ids[keep], weights[keep], gids[keep]
            if len(ids):
                all_ids.append(gids)
                all_values.append(score(seg, ids, weights))
    if not all_ids:
        return Scores()
    return Scores(np.concatenate(all_ids), np.concatenate(all_values))


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
        fl = 1.0 if lengths is None else lengths[ids]   # no lengths stored: Whoosh's default, 1
        # scoring.bm25, operation for operation, in doubles as Python computes it
        return idf * ((weights * k1p1) / (weights + K1 * (base + slope * fl / avgfl)))
    return score


def _phrase_scores(q, searcher, leaves, within=None) -> Scores:
    """A phrase as Whoosh's SpanNear2 matches it (the words in order, each within `slop` of the
    span before it), scored as the intersection of its words' terms."""
    fieldname = q.fieldname
    if fieldname not in searcher.schema:
        return Scores()
    field = searcher.schema[fieldname]
    words = []
    for word in q.words:
        try:
            words.append(field.to_bytes(word))
        except ValueError:
            return Scores()
    scorers = [_term_scorer(searcher, fieldname, w) for w in words]
    if any(sc is None for sc in scorers):
        return Scores()
    key = (_generation(leaves), repr(q))
    with _phrases_lock:
        known = _phrases.get(key)
    if known is None:
        known = _phrase_matches(q, field, words, scorers, leaves)
        with _phrases_lock:
            _phrases[key] = known
            while len(_phrases) > PHRASES_KEPT:
                _phrases.popitem(last=False)
    return _only(known, within) if within is not None else known


def _generation(leaves) -> tuple:
    """What the index holds: its segments and their deletions (a commit changes one or both)."""
    return tuple((seg.segment().segment_id(), seg.segment().deleted_count()) for seg, _ in leaves)


def _phrase_matches(q, field, words, scorers, leaves) -> Scores:
    """Every document holding the phrase, with its score. Positions are decoded only for the
    documents holding every word; with slop 1 (the phrase as typed), for all of them at once
    (archive/positions.py)."""
    fieldname, slop = q.fieldname, q.slop
    in_bulk = slop == 1 and isinstance(field.format, Positions)
    decode = positions.decode_one if isinstance(field.format, Positions) else field.format.decode_positions
    found_ids, found_scores = [], []
    for seg, offset in leaves:
        postings = []   # per word: (ids ascending, scores, values of postings picked by index)
        for word, score in zip(words, scorers):
            found = _word_postings(seg, fieldname, word)
            if found is None:
                break
            ids, weights, pick = found
            postings.append((ids, score(seg, ids, weights), pick))
        if len(postings) < len(words):
            continue
        common = postings[0][0]
        for ids, _, _ in postings[1:]:
            common = np.intersect1d(common, ids, assume_unique=True)
        if not len(common):
            continue
        at = [np.searchsorted(ids, common) for ids, _, _ in postings]
        columns = [pick(where) for (_, _, pick), where in zip(postings, at)]
        if in_bulk:
            hit = positions.consecutive(columns)
        else:
            hit = np.array([_spans_in_order([decode(column[i]) for column in columns], slop)
                            for i in range(len(common))], dtype=bool)
        if hit.any():
            found_ids.append(common[hit] + offset)
            found_scores.append(_binary_sum([scored[where[hit]] for (_, scored, _), where in zip(postings, at)]))
    if not found_ids:
        return Scores()
    return Scores(np.concatenate(found_ids).astype(np.int64), np.concatenate(found_scores).astype(np.float64))


def _word_postings(seg, fieldname: str, word):
    """(ids, weights, pick) of a word's live postings in a segment, `pick(indexes)` giving the
    stored values (positions) of those postings; None if the segment does not hold the word.
    From the segment's postings file if it has the word (only the values asked for are read),
    else from Whoosh's blocks."""
    found = postings_file.lookup(seg, fieldname, seg._text_to_bytes(fieldname, word), with_values=True) \
        if hasattr(seg, "deleted_docs_set") and fieldname in seg.schema else None
    if found is not None:
        ids, weights, values = found
        weights = weights.astype(np.float64)
        dead = _deleted(seg)
        if dead is None:
            return ids, weights, values.pick
        live = np.flatnonzero(~np.isin(ids, dead))
        return ids[live], weights[live], lambda where: values.pick(live[where])
    ids, weights, values = [], [], []
    for block_ids, block_weights, block_values in _segment_blocks(seg, fieldname, word, with_values=True):
        ids.append(block_ids)
        weights.append(block_weights)
        values += block_values
    if not ids:
        return None
    return np.concatenate(ids), np.concatenate(weights), lambda where: [values[i] for i in where.tolist()]


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


def _kept(cache: OrderedDict, lock, key, make, limit: int):
    """cache[key], made by make() when missing and kept; past `limit` entries, the least
    recently used go."""
    with lock:
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
    found = make()
    with lock:
        cache[key] = found
        while len(cache) > limit:
            cache.popitem(last=False)
    return found


def _field_lengths(seg, fieldname: str) -> np.ndarray | None:
    """The length Whoosh stored for `fieldname` of each document of a segment (decoded, as its
    `doc_field_length` reads it), or None if the segment stores none (Whoosh then uses 1)."""
    def decode():
        column = seg._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return _EMPTY_VALUES
        if isinstance(column, NumericColumn.Reader) and column._typecode == "B":
            stored = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
            lengths = np.full(column._doccount, _LENGTHS[column._default], dtype=np.float64)
            lengths[:len(stored)] = _LENGTHS[stored]   # one byte a document, decoded by table
            return lengths
        return _LENGTHS[np.array(list(column), dtype=np.int64)]
    lengths = _kept(_lengths_cache, _lengths_lock, (seg.segment().segment_id(), fieldname), decode,
                    _LENGTHS_KEPT)
    return lengths if len(lengths) else None


def _segment_blocks(seg, fieldname: str, text, with_values: bool = False):
    """(document ids, weights, values or None) of a term's postings in one segment, a block at
    a time (without values: all in one, kept decoded in this process or read from the segment's
    postings file), deleted documents left out."""
    if fieldname not in seg.schema or _has_term(seg, fieldname, text) is False:
        return
    kept = None
    if not with_values and hasattr(seg, "deleted_docs_set"):
        # decoded already, in this process or beside the segment: no blocks to read
        kept = _postings_kept_for(seg, fieldname, text) or \
            postings_file.lookup(seg, fieldname, seg._text_to_bytes(fieldname, text))
    if kept is not None:
        deleted, blocks = seg.deleted_docs_set, [kept]
    else:
        try:
            m = seg.postings(fieldname, text)   # the probe, where none was made
        except TermNotFound:
            return
        deleted = ()
        if isinstance(m, FilterMatcher):
            deleted, m = m._ids, m.child
        if with_values:
            blocks = postings_file.blocks(m, True)
        else:
            blocks = [_cached_postings(seg, fieldname, text, m)]
    dead = np.fromiter(deleted, dtype=np.int64, count=len(deleted)) if deleted else None
    for ids, weights, values in blocks:
        ids, weights = np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)
        if dead is not None:
            keep = ~np.isin(ids, dead)
            ids, weights = ids[keep], weights[keep]
            values = [v for v, k in zip(values, keep.tolist()) if k] if values is not None else None
        yield ids, weights, values


def _has_term(seg, fieldname: str, text) -> bool | None:
    """Whether a segment holds a term; None if only a probe in its terms file would tell (the
    caller's making the term's matcher is that probe: probing first, then making the matcher,
    looked the term up twice). A small segment keeps its terms of LEXICON_FIELDS as a set:
    single ingests leave a score of small segments beside the big one, and a probe in each
    (~50 µs) made a query of many terms (a letter's LSH bands, when it is ingested) read
    thousands of probes."""
    if fieldname not in LEXICON_FIELDS or seg.doc_count_all() > LEXICON_KEPT_DOCS:
        return None
    key = (seg.segment().segment_id(), fieldname)
    if key not in _lexicons:
        enough = min(LEXICON_AFTER_PROBES, 2 * seg.doc_count_all())
        with _postings_lock:
            probes = _lexicon_probes.get(key, 0)
            if probes < enough:
                if len(_lexicon_probes) > 4 * LEXICONS_KEPT:
                    _lexicon_probes.clear()
                _lexicon_probes[key] = probes + 1
        if probes < enough:
            return None
    terms = _kept(_lexicons, _postings_lock, key, lambda: frozenset(seg.lexicon(fieldname)), LEXICONS_KEPT)
    return seg._text_to_bytes(fieldname, text) in terms


def _postings_kept_for(seg, fieldname: str, text) -> tuple | None:
    """The decoded postings `_cached_postings` keeps for a term of a segment, if it does."""
    key = (seg.segment().segment_id(), fieldname, text)
    with _postings_lock:
        found = _postings_cache.get(key)
        if found is not None:
            _postings_cache.move_to_end(key)
        return found


def _cached_postings(seg, fieldname: str, text, m) -> tuple:
    """(ids, weights, None) of a term's whole posting list in a segment, deleted documents
    included. A segment never changes once written (its deletions are listed apart), so the
    decoded list is kept: a common word's postings are hundreds of pickled, compressed blocks,
    most of the time of ranking it."""
    found = _postings_kept_for(seg, fieldname, text)
    if found is not None:
        return found
    key = (seg.segment().segment_id(), fieldname, text)
    ids, weights = postings_file.decode(m)
    found = (np.frombuffer(ids, dtype=np.int64), np.frombuffer(weights, dtype=np.float32), None)
    global _postings_kept
    with _postings_lock:
        if key not in _postings_cache:
            _postings_cache[key] = found
            _postings_kept += len(ids)
            while _postings_kept > POSTINGS_KEPT and len(_postings_cache) > 1:
                _, (old_ids, _, _) = _postings_cache.popitem(last=False)
                _postings_kept -= len(old_ids)
    return found


def forget_postings() -> None:
    """Empty the postings and phrase caches (benchmarks time a first search with it)."""
    global _postings_kept
    with _postings_lock:
        _postings_cache.clear()
        _postings_kept = 0
        _lexicons.clear()
        _lexicon_probes.clear()
    with _phrases_lock:
        _phrases.clear()
    segment_files.forget()
