"""The full-text index (Whoosh): schema, writing and searching. With ranking.py (scores from
posting arrays) and merges.py (segment merges), the only modules that import the search engine.

The index is derived and disposable: it records the commit it reflects in
`COMMIT`, catches up from `git diff` when the repository is ahead, and can be
rebuilt whole. Readers never wait for writers: a searcher sees the last committed
index generation.
"""
from __future__ import annotations

import bisect
import fcntl
import functools
import itertools
import json
import os
import re
import shutil
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
from whoosh import index as windex
from whoosh import sorting
from whoosh.analysis import (STOP_WORDS, CharsetFilter, LowercaseFilter, RegexTokenizer,
                             StandardAnalyzer, StemFilter, StopFilter, Token, Tokenizer)
from whoosh.analysis.tokenizers import default_pattern
from whoosh.lang import porter2
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.support.charset import accent_map
from whoosh import query as wq
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.qparser import MultifieldParser, FieldAliasPlugin, TaggingPlugin, syntax
from .errors import InvalidQuery

from . import facets as facet_counts
from . import families, merges, ranking, segment_builder, snippets
from .letter import Letter, fingerprint

# Facet name -> the keyword field whose exact values it counts (and that its links search).
FACETS = {"country": "country", "instrument": "instrument", "article": "article",
          "official": "official_exact", "addressee": "addressee_exact",
          "organisation": "org_exact", "year": "year", "language": "lang"}
# Bumped whenever analysis or fields change, so an older index is rebuilt, not misread.
SCHEMA_VERSION = "8"
# Porter2 leaves a noun and its verb apart when their spellings diverge (detention/detained);
# these joins were chosen from the words of advocacy letters (tests/test_search.py measures them).
STEM_JOINS = {"detent": "detain", "detaine": "detain", "expuls": "expel", "suspens": "suspend",
              "decis": "decid", "exclus": "exclud", "inclus": "includ", "conclus": "conclud",
              "retent": "retain", "admiss": "admit", "permiss": "permit", "submiss": "submit",
              "intervent": "interven", "abolit": "abolish", "extens": "extend", "compuls": "compel",
              "descript": "describ", "prescript": "prescrib", "represent": "repres"}
# Researchers say "interior minister" where letters say "Minister of Internal Affairs".
ROLE_SYNONYMS = {"internal affairs": "interior", "home affairs": "interior",
                 "interior": "internal affairs", "attorney general": "justice"}


@functools.lru_cache(maxsize=100_000)  # highlighting re-analyses each hit's text: stem once
def stem(word: str) -> str:
    """The Porter2 stem of a word, with derived nouns joined to their verbs."""
    s = porter2.stem(word)
    return STEM_JOINS.get(s, s)


@functools.lru_cache(maxsize=200_000)
def index_form(token: str) -> str:
    """What `word_analyzer` makes of one token (for snippets): lowercased, folded, stemmed."""
    return stem(token.lower().translate(accent_map))


def chained_word_analyzer():
    """Free text: accents folded before stemming, so "Erdogan" and "Erdoğan" meet."""
    return (RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter()
            | StemFilter(stemfn=stem))


class WordAnalyzer(Tokenizer):
    """`chained_word_analyzer` in one pass, token for token the same (tests/test_index.py
    compares them): the chain's five generators were a fifth of the time of indexing."""

    def __init__(self):
        self.expression = re.compile(default_pattern)
        self.stops = STOP_WORDS

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stops, pos = self.stops, None
        matches = self.expression.finditer(value) if tokenize else [None]
        for i, m in enumerate(matches):
            original = m.group(0) if m is not None else value
            text = original.lower().translate(accent_map)
            t.boost = 1.0
            if keeporiginal or m is None:
                t.original = original
            if chars:
                t.startchar = start_char + (m.start() if m is not None else 0)
                t.endchar = start_char + (m.end() if m is not None else len(value))
            if len(text) < 2 or text in stops:
                if removestops:
                    continue
                t.text, t.stopped = text, True
                if positions:
                    t.pos = start_pos + i
                yield t
                continue
            if positions:  # stop words removed, positions renumbered (as StopFilter does)
                pos = start_pos + i if pos is None else pos + 1
                t.pos = pos
            t.text, t.stopped = stem(text), False
            yield t


    def positions(self, value: str) -> dict:
        """{term: [positions]} of a text, as the tokens of `self(value, positions=True)` give
        them (stop words skipped, later positions renumbered), without making a token each."""
        out: dict = {}
        pos = None
        term_of = _term_of
        for i, m in enumerate(self.expression.finditer(value)):
            term = term_of(m.group(0))
            if term is None:
                continue
            pos = i if pos is None else pos + 1
            seen = out.get(term)
            if seen is None:
                out[term] = [pos]
            else:
                seen.append(pos)
        return out


@functools.lru_cache(maxsize=200_000)
def _term_of(token: str) -> str | None:
    """The indexed term of one token of `WordAnalyzer`, or None for a stop word or a single letter."""
    text = token.lower().translate(accent_map)
    return None if len(text) < 2 or text in STOP_WORDS else stem(text)


class WordPositions(Positions):
    """Whoosh's Positions format, the postings of `WordAnalyzer` text counted in one pass.

    Whoosh made a token object per word and summed float boosts; this yields the same terms,
    frequencies, weights and encoded positions (tests/test_index.py compares them), so the
    index reads exactly as before."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, WordAnalyzer) or not isinstance(value, str) \
                or kwargs.get("mode", "index") != "index" or kwargs.get("start_pos"):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        fb = self.field_boost
        for term, poslist in analyzer.positions(value).items():
            yield term, len(poslist), len(poslist) * fb, self.encode(poslist)


def _words_field(**options) -> TEXT:
    field = TEXT(analyzer=word_analyzer(), **options)
    field.format = WordPositions(field_boost=field.format.field_boost)
    return field


class StoredColumn(COLUMN):
    """A stored field also kept as a column: one letter's value is read alone, without the
    letter's stored fields (a pickle holding its whole text); stored too, so a small segment
    can be indexed again from its stored fields (merges.py)."""
    stored = True

    def to_bytes(self, v):
        return v.encode("utf-8") if isinstance(v, str) else v

    def from_bytes(self, b):
        return b.decode("utf-8")


def word_analyzer():
    """Free text: accents folded before stemming, so "Erdogan" and "Erdoğan" meet."""
    return WordAnalyzer()


def _schema() -> Schema:
    names = StandardAnalyzer(stoplist=None) | CharsetFilter(accent_map)
    tags = dict(commas=True, lowercase=True, stored=True, scorable=True)
    exact = dict(commas=True, stored=True)
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),   # a column too: family candidates' ids
        path=ID(stored=True),
        title=_words_field(stored=True, field_boost=2.0),
        text=_words_field(stored=True),
        entities=_words_field(stored=True),
        country=KEYWORD(**tags),
        instrument=KEYWORD(**tags),
        article=KEYWORD(**tags),
        official=TEXT(analyzer=names, stored=True), official_exact=KEYWORD(**exact),
        addressee=TEXT(analyzer=names, stored=True), addressee_exact=KEYWORD(**exact),
        org=TEXT(analyzer=names, stored=True), org_exact=KEYWORD(**exact),
        sender=TEXT(analyzer=names, stored=True), sender_exact=KEYWORD(**exact),
        lang=ID(stored=True),
        date=ID(stored=True, sortable=True),
        day=NUMERIC(int, bits=32, stored=True),  # the date as yyyymmdd (00 for an unknown part): ranges
        year=ID(stored=True),
        summary=STORED,
        fingerprint=ID(stored=True),
        family=KEYWORD(scorable=False, stored=True),  # MinHash LSH bands: letters sharing one are family candidates
        minhash=StoredColumn(),
    )


def _column(seg, fieldname: str, docnum: int):
    """One document's value of a column in one segment reader. The column readers are kept with
    the segment reader, which is itself reused while its segment is unchanged."""
    kept = seg.__dict__.setdefault("_archive_columns", {})
    col = kept.get(fieldname)
    if col is None:
        col = kept[fieldname] = seg.column_reader(fieldname)
    return col[docnum]


def day_number(date: str) -> int | None:
    """A date (YYYY, YYYY-MM, YYYY-MM-DD) as the number yyyymmdd; an unknown month or day is
    00, or 99 after a trailing "~" (the search module's "end of that prefix")."""
    end = date.endswith("~")
    date = date.rstrip("~")
    try:
        parts = [int(p) for p in date.split("-")][:3]
    except ValueError:
        return None
    parts += [99 if end else 0] * (3 - len(parts))
    return parts[0] * 10000 + parts[1] * 100 + parts[2]


class _DayRange(wq.NumericRange):
    """A date range searched on the numeric `day` field, remembering the dates as typed."""

    def __init__(self, low, high, low_excl=False, high_excl=False):
        # Open ends as explicit bounds (Whoosh mis-reads open or zero starts on unsigned fields).
        super().__init__("day", day_number(low) if low else 0, day_number(high) if high else 99_999_999,
                         startexcl=low_excl, endexcl=high_excl, constantscore=True)
        self.shown = (low or "", high or "")


def _tag(values) -> str:
    return ",".join(v.replace(",", " ").strip() for v in values if v and v.strip())


def _country_name(letter: Letter, code: str) -> str:
    return next((c.get("name", "") for c in letter.countries if c.get("code") == code), code)


def text_fields(letter: Letter) -> dict:
    """The index fields computed from the letter's text alone: fingerprint, family bands, MinHash.

    A worker process may have computed them ahead (`compute_text_fields_ahead`); they are used
    only if the text is still the one they were computed from."""
    text = letter.text
    ready = letter.__dict__.pop("ready_text_fields", None)   # used once: a batch keeps its letters
    if ready is not None and ready[0] == text:
        return ready[1]
    sig = families.signature(text)
    return {"fingerprint": fingerprint(letter), "family": " ".join(families.bands(sig)),
            "minhash": families.encode(sig)}


def compute_text_fields_ahead(letter: Letter) -> None:
    letter.ready_text_fields = (letter.text, text_fields(letter))


def document(letter: Letter, path: str) -> dict:
    """The index document for a letter."""
    orgs = [o["name"] for o in letter.sender.get("organisations", [])] + \
           [o["name"] for o in letter.organisations]
    officials = [o["name"] or o.get("role", "") for o in letter.officials]
    addressees = [a["name"] or a.get("role", "") for a in letter.addressees]
    signatories = [s["name"] for s in letter.sender.get("signatories", [])]
    entity_words = [c.get("name", "") for c in letter.countries]
    for i in letter.instruments:
        entity_words += [i.get("name", ""), i.get("short", "")]
    entity_words += orgs + officials + [a.get("role", "") for a in letter.addressees]
    summary = {
        "title": letter.title, "date": letter.date, "language": letter.language,
        "sender": [o["name"] for o in letter.sender.get("organisations", [])] or signatories,
        "addressees": addressees,
        "countries": [c["code"] for c in letter.countries],
        "country_names": {c["code"]: c.get("name", "") for c in letter.countries},
        "instruments": [i["id"] for i in letter.instruments],
        "instrument_names": {i["id"]: i.get("short") or i.get("name", "") for i in letter.instruments},
        "articles": [f"{i['id']}/{a}" for i in letter.instruments for a in i.get("articles", [])],
    }
    roles = [a.get("role", "") for a in letter.addressees]
    to_words = addressees + roles + [_country_name(letter, a.get("country", "")) for a in letter.addressees]
    to_words += [syn for role in roles for key, syn in ROLE_SYNONYMS.items() if key in role.lower()]
    return {
        "id": letter.id, "path": path, "title": letter.title, "text": letter.text,
        "entities": " \n".join(w for w in entity_words if w),
        "country": _tag(c["code"] for c in letter.countries),
        "instrument": _tag(i["id"] for i in letter.instruments),
        "article": _tag(f"{i['id']}/{a}" for i in letter.instruments for a in i.get("articles", [])),
        "official": " \n".join(officials), "official_exact": _tag(officials),
        "addressee": " \n".join(w for w in to_words if w),
        "addressee_exact": _tag(addressees),
        "org": " \n".join(orgs), "org_exact": _tag(orgs),
        "sender": " \n".join(orgs[:len(letter.sender.get("organisations", []))] + signatories),
        "sender_exact": _tag(o["name"] for o in letter.sender.get("organisations", [])),
        "lang": letter.language or "und",
        "date": letter.date or "", "year": (letter.date or "")[:4],
        **({"day": day_number(letter.date)} if letter.date else {}),
        "summary": json.dumps(summary, ensure_ascii=False),
        **text_fields(letter),
    }


DEFAULT_FIELDS = ["title", "text", "entities"]
ALIASES = {"org": ["organisation", "organization"], "official": ["person"]}
MAX_EXPANSION = 200   # index terms one wildcard may stand for before it is refused
NOWHERE = "\x00"      # a term no letter has: a known value that nothing cites finds nothing


class _ResolvedPlugin(TaggingPlugin):
    """`field:value` for fields whose values are looked up (names to codes, date ranges)."""
    priority = -10

    class Node(syntax.SyntaxNode):
        def __init__(self, query):
            self.q = query

        def r(self):
            return repr(self.q)

        def query(self, parser):
            return self.q

    def __init__(self, fields, resolver):
        names = "|".join(sorted(fields, key=len, reverse=True))
        super().__init__(r'(?i:(?P<field>%s)):(?![\[{])(?P<value>"[^"]*"|[^\s()"]+(?:\(\w+\))*)' % names)
        self.resolver = resolver

    def create(self, parser, match):
        field, items = self.resolver(match.group("field").lower(), match.group("value").strip('"'))
        subs = [(_DayRange(*item) if field == "date" else
                 wq.TermRange(field, *item[:2], startexcl=item[2], endexcl=item[3]))
                if isinstance(item, tuple) else wq.Term(field, item) for item in items]
        return self.Node(subs[0] if len(subs) == 1 else wq.Or(subs) if subs else wq.Term(field, NOWHERE))


def parse_query(q: str, schema, resolver=None, resolved=(), reader=None):
    """Parse the archive's query language into a Whoosh query.

    `resolver(field, value)` maps a value typed in one of the `resolved` fields to
    `(indexed_field, [term or (low, high, low_excl, high_excl), ...])`, raising InvalidQuery
    for values it does not know. With a `reader`, wildcards are checked against the index.
    """
    q = _minus_as_not((q or "").strip())
    if not q:
        return wq.Every()
    parser = MultifieldParser(DEFAULT_FIELDS, schema)
    parser.add_plugin(FieldAliasPlugin(ALIASES))
    if resolver is not None and resolved:
        parser.add_plugin(_ResolvedPlugin(resolved, resolver))
    try:
        query = parser.parse(q).accept(_numeric_date)
    except InvalidQuery:
        raise
    except Exception as exc:  # whoosh raises assorted errors on odd syntax
        raise InvalidQuery(f"could not understand the query {q!r}: {exc}") from None
    understood = describe(query)
    problem = _syntax_problem(q)
    if problem:
        raise InvalidQuery(f"{problem}. Understood so far: {understood or 'nothing'}")
    if query is wq.NullQuery or isinstance(query, type(wq.NullQuery)):
        raise InvalidQuery(f"the query {q!r} has no words to search for (common words like "
                           "'the' are not indexed; operators need words on both sides)")
    if not _positive(query):
        raise InvalidQuery("a query made only of NOT (or OR NOT) matches almost everything; "
                           f"add a term to search for. Understood: {understood}")
    for sub in _leaves(query):
        if isinstance(sub, (wq.Wildcard, wq.Prefix)):
            _check_wildcard(sub, reader)
    return query


_MINUS = re.compile(r'(?:^|(?<=[\s(]))-(?=[\w"(])')


def _minus_as_not(q: str) -> str:
    """`-word`, `-field:value`, `-"a phrase"` and `-(...)` mean NOT, as in web search engines
    (Whoosh's parser dropped the minus, so `torture -detention` found both words). A hyphen
    inside a word (`pre-trial`) or inside quotes is left alone."""
    if "-" not in q:
        return q
    parts = q.split('"')
    for i in range(0, len(parts), 2):   # the even parts are outside quotes
        part = _MINUS.sub("NOT ", parts[i])
        if i + 1 < len(parts) and part.endswith("-") and part[-2:-1] in ("", " ", "\t", "\n", "("):
            part = part[:-1] + "NOT "   # -"a phrase"
        parts[i] = part
    return '"'.join(parts)


def _numeric_date(query):
    """Whoosh's own range syntax on dates (`date:[2005 TO 2010]`) searched on the numeric
    `day` field too: as text it is an OR of every date in the range. Day numbers order dates
    as their text does ("2010" before "2010-01-01"), so the meaning is the same."""
    if isinstance(query, wq.TermRange) and query.fieldname == "date":
        low, high = query.start or None, query.end or None
        if all(day_number(end) is not None for end in (low, high) if end):
            found = _DayRange(low, high, query.startexcl, query.endexcl)
            found.bracketed = True  # described in the syntax it was typed in (text order)
            return found
    return query


def _syntax_problem(q: str) -> str:
    if q.count('"') % 2:
        return "a double quote is not closed"
    depth = 0
    for ch in re.sub(r'"[^"]*"', "", q):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return "a closing bracket ')' has no opening '('"
    return "an opening bracket '(' is not closed" if depth else ""


def _leaves(query):
    subs = getattr(query, "subqueries", None)
    if subs is None and isinstance(query, wq.Not):
        subs = [query.query]
    if subs is None:
        yield query
    else:
        for sub in subs:
            yield from _leaves(sub)


def _positive(query) -> bool:
    """Whether a query needs at least one thing to be present (a pure NOT does not)."""
    if isinstance(query, wq.Not):
        return False
    if isinstance(query, (wq.AndNot, wq.AndMaybe, wq.Require)):
        return _positive(query.a)
    if isinstance(query, wq.And):
        return any(_positive(s) for s in query.subqueries)
    if isinstance(query, wq.CompoundQuery):
        return all(_positive(s) for s in query.subqueries)
    return True


def _check_wildcard(query, reader):
    text = query.text + ("*" if isinstance(query, wq.Prefix) else "")
    if len(re.split(r"[*?]", text, maxsplit=1)[0]) < 2:
        raise InvalidQuery(f"a wildcard at the start of a word ({text!r}) would scan every word "
                           "in the index; start with at least two letters")
    if reader is not None:
        found = sum(1 for _ in itertools.islice(query._btexts(reader), MAX_EXPANSION + 1))
        if found > MAX_EXPANSION:
            raise InvalidQuery(f"the wildcard {text!r} matches more than {MAX_EXPANSION} words; "
                               "make it longer")


def describe(query) -> str:
    """The query as the index understood it, in the query language (words shown stemmed)."""
    if isinstance(query, wq.Every):
        return "every letter"
    if isinstance(query, wq.Or) and _same_word(query):
        return describe(query.subqueries[0]).split(":", 1)[1]
    if isinstance(query, wq.Not):
        return "NOT " + describe(query.query)
    if isinstance(query, wq.CompoundQuery):
        op = " OR " if isinstance(query, wq.Or) else " AND "
        return "(" + op.join(describe(s) for s in query.subqueries) + ")"
    if isinstance(query, wq.Phrase):
        return f'{query.fieldname}:"{" ".join(query.words)}"'
    if getattr(query, "bracketed", False):
        low, high = query.shown
        return (f"date:{'{' if query.startexcl else '['}{low} TO {high}"
                f"{'}' if query.endexcl else ']'}")
    if isinstance(query, (wq.TermRange, _DayRange)):
        low, high = getattr(query, "shown", None) or (query.start or "", query.end or "")
        fieldname = "date" if isinstance(query, _DayRange) else query.fieldname
        high = high.rstrip("~")
        if low and low.rstrip("~") == high:
            return f"{fieldname}:{high.rstrip('(')}{'(…)' if high.endswith('(') else ''}"
        return f"{fieldname}:{'>' if low.endswith('~') else ''}{low.rstrip('~')}..{high}"
    if isinstance(query, (wq.Term, wq.Wildcard, wq.Prefix)):
        star = "*" if isinstance(query, wq.Prefix) else ""
        return f"{query.fieldname}:{query.text}{star}" if query.text != NOWHERE else f"{query.fieldname}:(nothing)"
    return str(query) if query is not wq.NullQuery else ""


def _same_word(query) -> bool:
    """A word searched in every default field (the parser's expansion of a plain word)."""
    subs = query.subqueries
    return (len(subs) > 1 and all(isinstance(s, (wq.Term, wq.Phrase, wq.Prefix, wq.Wildcard))
                                  and type(s) is type(subs[0]) and s.fieldname in DEFAULT_FIELDS
                                  for s in subs)
            and len({describe(s).split(":", 1)[1] for s in subs}) == 1)


def highlight_terms(query, reader, fieldname: str = "text") -> frozenset:
    """The indexed words a query looks for in one field (wildcards expanded; not under NOT)."""
    found = set()

    def walk(q):
        if isinstance(q, wq.Not):
            return
        subs = q.subqueries if isinstance(q, wq.CompoundQuery) else getattr(q, "children", lambda: [])()
        if isinstance(q, (wq.Term, wq.Phrase, wq.Prefix, wq.Wildcard, wq.FuzzyTerm)):
            subs = []
            for field, text in q.existing_terms(reader, phrases=True, expand=True):
                if field == fieldname:
                    found.add(text.decode("utf-8") if isinstance(text, bytes) else text)
        for sub in subs:
            walk(sub)
    walk(query)
    return frozenset(found)


def matching_docs(query, searcher) -> set:
    """Every document number the query matches, without scoring.

    Terms read their posting lists and And/Or combine them as sets (in C); Whoosh's own
    `docs_for_query` walks a union matcher in Python, three times slower for a plain word
    (which the parser turns into an Or over three fields)."""
    if isinstance(query, wq.Term):
        reader = searcher.reader()
        if (query.fieldname, query.text) not in reader:
            return set()
        return ranking.term_docs(reader, query.fieldname, query.text)
    if isinstance(query, (wq.Or, wq.And)) and query.subqueries:
        sets = [matching_docs(sub, searcher) for sub in query.subqueries]
        return set().union(*sets) if isinstance(query, wq.Or) else set.intersection(*sets)
    return set(searcher.docs_for_query(query))


windex.clean_files = merges.clean_files_later  # Whoosh's writer looks it up here at each commit


class Index:
    """A Whoosh index directory plus the commit it reflects."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._ix = None
        self._searcher = None
        self._searcher_key = None
        self._generation = None    # the generation self._searcher reads
        self._table = None         # (generation, facet -> docnum -> values)
        self._facet_cache = OrderedDict()

    # ------------------------------------------------------------ state
    def exists(self) -> bool:
        """An index of the current schema is there (an older one counts as missing: rebuild)."""
        try:
            stamp = (self.path / "SCHEMA").read_text().strip()
        except FileNotFoundError:
            return False
        # An index this object already opened needs no second opening on every search.
        return stamp == SCHEMA_VERSION and (self._ix is not None or windex.exists_in(str(self.path)))

    def commit_id(self) -> str | None:
        try:
            return (self.path / "COMMIT").read_text().strip() or None
        except FileNotFoundError:
            return None

    def _set_commit(self, sha: str | None):
        tmp = self.path / "COMMIT.tmp"
        tmp.write_text((sha or "") + "\n")
        os.replace(tmp, self.path / "COMMIT")

    def _open(self):
        if self._ix is None:
            if not self.exists():
                self.create()
            ix = windex.open_dir(str(self.path))
            if set(ix.schema.names()) != set(_schema().names()):
                # An index from an older version of the archive: it is derived, so rebuild it.
                ix.close()
                self.create()
                ix = windex.open_dir(str(self.path))
            self._ix = ix
        return self._ix

    def create(self):
        """Start an empty index (replacing any old one)."""
        self.close()
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        (self.path / "SCHEMA").write_text(SCHEMA_VERSION + "\n")
        windex.create_in(str(self.path), _schema())
        self._set_commit(None)

    def writer_lock(self, blocking: bool = True):
        """Serialise index writers across processes (readers never take it)."""
        return _FileLock(self.path.parent / "index.lock", blocking)

    # ------------------------------------------------------------ writing
    def batch(self) -> "IndexBatch":
        """A writer fed letter by letter, committed with the commit it reflects or cancelled.

        The caller holds `writer_lock`; nothing is visible to searchers before `commit`."""
        return IndexBatch(self)

    def apply(self, upserts, deletes: list, commit: str | None, unique: bool = False, many: bool = False):
        """Add/replace documents and delete ids, then record `commit` as reflected.

        `upserts` may be a generator (that adds to `deletes`); with `unique` (each letter once,
        as when catching up from git) it is indexed as it streams, never all held in memory.
        `many` (a rebuild, a large catch-up): the postings are written by a segment builder
        process while this one reads and parses the letters.
        """
        batch = self.batch()
        try:
            if many:
                batch.build_aside(min(os.cpu_count() or 1, 2), roll=False)
            if not unique:
                # update_document only replaces committed documents: a letter given twice in
                # one batch (a version chain) would be indexed twice, so the last version wins.
                upserts = {letter.id: (letter, path) for letter, path in upserts}.values()
            for letter, path in upserts:
                batch.add(letter, path)
            for letter_id in deletes:
                batch.delete(letter_id)
            batch.commit(commit)
        except BaseException:
            batch.cancel()
            raise

    def ids(self) -> set:
        with self._open().searcher() as s:
            return {fields["id"] for fields in s.all_stored_fields()}

    def family_candidates(self, bands: list, limit: int = 50, searcher=None) -> list[dict]:
        """{"id", "minhash", "docnum"} of the letters sharing the most LSH bands; "docnum" in
        `searcher` (the caller's, whose documents it goes on reading; else the index's own)."""
        if not bands:
            return []
        # Counted straight from the bands' posting lists (a scored Whoosh search over them
        # took ~180 ms at 100,000 letters), which the ranking keeps decoded per segment: the
        # first `limit` share the most bands, ties in document order. Their ids and signatures
        # are read from columns: the stored fields of 50 letters (each a pickle with the whole
        # text) were most of the time of finding a new letter's family at 100,000 letters.
        s = searcher or self.searcher()
        reader = s.reader()
        found = ranking.terms_doc_array(reader, "family", bands)
        if not len(found):
            return []
        docs, shared = np.unique(found, return_counts=True)
        leaves = list(reader.leaf_readers())
        starts = [offset for _, offset in leaves]
        out = []
        for docnum in docs[np.lexsort((docs, -shared))[:limit + 1]].tolist():
            seg, offset = leaves[bisect.bisect_right(starts, docnum) - 1]
            local = docnum - offset
            out.append({"id": _column(seg, "id", local), "minhash": _column(seg, "minhash", local),
                        "docnum": docnum})
        return out

    def find_fingerprint(self, fp: str) -> str | None:
        """The id of an indexed letter with this text fingerprint, if any."""
        hit = self.searcher().document(fingerprint=fp)
        return hit["id"] if hit else None

    def doc_count(self) -> int:
        with self._open().searcher() as s:
            return s.doc_count()

    # ------------------------------------------------------------ reading
    def searcher(self):
        """A searcher on the latest committed generation (reused while the index is unchanged)."""
        ix = self._open()
        # Whoosh's own refresh() misses deletion-only commits, so key on the commit we record.
        # A background merge changes the generation, not the commit: key on both.
        key = (self.commit_id(), self._latest_generation(ix))
        if self._searcher is None or self._searcher_key != key:
            self._searcher, self._generation = self._open_searcher(ix)
            self._searcher_key = key
            self._facet_cache.clear()
        return self._searcher

    def _latest_generation(self, ix) -> int:
        """The index's latest generation. Whoosh finds it by listing the folder, which holds
        thousands of files while a burst of writes leaves replaced segments in their grace
        period; while the table of contents of the generation last seen is still there and
        the next one is not, that generation is still the latest (two file checks)."""
        known = self._searcher_key[1] if self._searcher_key else -1
        if known >= 0 and (self.path / windex.TOC._filename(ix.indexname, known)).exists() \
                and not (self.path / windex.TOC._filename(ix.indexname, known + 1)).exists():
            return known
        return ix.latest_generation()

    def _open_searcher(self, ix, tries: int = 5):
        """Open a searcher (and its generation), retrying when a writer retires the
        generation being opened.

        A writer deletes the files of generations no reader holds; a reader opening at
        that instant finds one gone (or, listing the directory while a new TOC is renamed in
        and the old one deleted, finds none). The newer generation is complete: try again.
        """
        for attempt in range(tries):
            try:
                return self._reopen(ix)
            except (OSError, windex.EmptyIndexError):
                if attempt == tries - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))
                ix.close()
                ix = self._ix = windex.open_dir(str(self.path))

    def _reopen(self, ix):
        """A searcher on the latest generation that keeps the previous searcher's readers of
        unchanged segments. Opening a segment costs ~1-2 ms and a write changes one or two of
        the dozens an index holds, so a searcher after a write opens only those."""
        toc = ix._read_toc()
        kept = {}
        if self._searcher is not None:
            for r, _ in self._searcher.reader().leaf_readers():
                seg = r.segment()  # None for the reader of an empty index
                # Deletions only ever add: the same count is the same set of deleted letters.
                if seg is not None:
                    kept[(seg.segment_id(), seg.deleted_count())] = r
        readers = []
        for seg in toc.segments:
            reader = kept.pop((seg.segment_id(), seg.deleted_count()), None)
            readers.append(reader or SegmentReader(ix.storage, toc.schema, seg, generation=toc.generation))
        for reader in kept.values():
            reader.close()
        if not readers:
            joined = EmptyReader(toc.schema)
        elif len(readers) == 1:
            joined = readers[0]
        else:
            joined = MultiReader(readers, generation=toc.generation)
        return Searcher(joined, fromindex=ix), toc.generation

    def parse(self, q: str, resolver=None, resolved=()):
        """The Whoosh query for `q`, checked (wildcards against this index)."""
        s = self.searcher()
        return parse_query(q, s.schema, resolver, resolved, reader=s.reader())

    def search(self, q: str, limit: int = 20, offset: int = 0, sort: str = "relevance",
               resolver=None, resolved=(), facet_limit: int | None = None) -> dict:
        """Run a query; hits for one page, facet counts over all matches.

        `facet_limit` keeps the most frequent values of each facet; `facet_sizes` still gives
        how many distinct values each facet has among the matches."""
        s = self.searcher()
        query = parse_query(q, s.schema, resolver, resolved, reader=s.reader())
        kwargs = {}
        if sort in ("date", "-date"):
            # Ties (same day) in id order, so pages never shuffle between requests.
            kwargs["sortedby"] = [sorting.FieldFacet("date", reverse=(sort == "-date")),
                                  sorting.FieldFacet("id")]
        docs = None
        scored = ranking.scores(query, s) if sort == "relevance" else None
        if scored is not None:  # every match scored from whole posting lists (archive/ranking.py)
            docs = scored.ids
            page = [(s.stored_fields(d), score) for d, score in ranking.top(scored, offset + limit)[offset:]]
        else:
            if (self._searcher_key, repr(query)) not in self._facet_cache and \
                    any(isinstance(leaf, wq.Phrase) for leaf in _leaves(query)):
                # Verifying a phrase in every candidate is the cost: do it once for the page and
                # the facet counts, rather than once for each.
                results = s.search(query, limit=None, **kwargs)
                docs = {docnum for _, docnum in results.top_n}
            else:
                results = s.search(query, limit=offset + limit, **kwargs)
            page = [(hit.fields(), hit.score) for hit in results[offset:offset + limit]]
        words = highlight_terms(query, s.reader())
        hits = []
        for hit, score in page:
            summ = json.loads(hit["summary"])
            snippet, spans = snippets.make(hit["text"], words, index_form)
            hits.append({"id": hit["id"], "title": hit["title"], "date": summ["date"],
                         "score": round(score, 4) if score is not None and sort == "relevance"
                         and not isinstance(query, wq.Every) else None,
                         "snippet": snippet, "highlights": spans,
                         "sender": summ["sender"], "addressees": summ["addressees"],
                         "countries": summ["countries"], "instruments": summ["instruments"],
                         "language": summ["language"]})
        total, pairs = self._facet_pairs(query, docs, s)
        return {"total": total, "query": q, "parsed": str(query), "understood": describe(query),
                "hits": hits, "facets": _shown(pairs, facet_limit),
                "facet_sizes": {name: len(values) for name, values in pairs.items()}}

    def facet_counts(self, query, docs=None, s=None, limit: int | None = None) -> tuple[int, dict]:
        """(matches, facet -> [{"value", "count"}]) over every match (`docs`, if the caller
        has them), most frequent first; with a `limit`, only the first values of each facet
        (every year is always kept)."""
        total, pairs = self._facet_pairs(query, docs, s)
        return total, _shown(pairs, limit)

    def forget_facet_counts(self) -> None:
        """Drop the cached facet counts and decoded postings (benchmarks use it to time a
        first, uncached search)."""
        self._facet_cache.clear()
        ranking.forget_postings()

    def _facet_pairs(self, query, docs=None, s=None) -> tuple[int, dict]:
        """(matches, facet -> [(value, count)]), cached per index generation."""
        # The caller's searcher: another process may commit meanwhile, and a fresh searcher
        # would close the one the caller's results read from.
        s = s or self.searcher()
        key = (self._searcher_key, repr(query))
        cached = self._facet_cache.get(key)
        if cached is not None:
            self._facet_cache.move_to_end(key)
            return cached
        docs = matching_docs(query, s) if docs is None else docs
        facets = facet_counts.count(self._facet_table(s), docs, s.reader().doc_count_all())
        cached = self._facet_cache[key] = (len(docs), facets)
        if len(self._facet_cache) > 256:
            self._facet_cache.popitem(last=False)
        return cached

    def _facet_table(self, s) -> dict:
        """facet -> facets.Facet (its values and the documents holding each), read once per
        index generation."""
        if self._table is None or self._table[0] != self._searcher_key:
            reader, table = s.reader(), {}
            for name, field in FACETS.items():
                values_of: dict = {}
                for term in reader.lexicon(field):
                    value = term.decode("utf-8")
                    if not value:
                        continue  # an undated letter has no year to count
                    if name == "article":  # paragraphs count under their article: 19(3) is 19
                        value = value.split("(", 1)[0]
                    docs = ranking.term_doc_array(reader, field, term)
                    values_of[value] = np.concatenate([values_of[value], docs]) if value in values_of else docs
                table[name] = facet_counts.build(values_of)
            self._table = (self._searcher_key, table)
        return self._table[1]

    def related(self, letter_id: str, fields: dict, limit: int = 6) -> dict:
        """Letters like this one: by text ("text") and by shared entities ("shared")."""
        s = self.searcher()
        docnum = s.document_number(id=letter_id)
        if docnum is None:
            return {"text": [], "shared": []}
        alike = [(h["id"], round(h.score, 3)) for h in s.more_like(docnum, "text", top=limit + 1)
                 if h["id"] != letter_id][:limit]
        terms = [wq.Term(f, v.lower() if f in ("country", "instrument") else v)
                 for f, values in fields.items() for v in values if v]
        shared = []
        if terms:
            hits = s.search(wq.Or(terms), limit=limit, mask=wq.Term("id", letter_id))
            shared = [(h["id"], round(h.score, 3)) for h in hits]
        return {"text": alike, "shared": shared}

    def summary(self, letter_id: str) -> dict | None:
        """The stored summary of one letter (title, date, entities), or None."""
        fields = self.searcher().document(id=letter_id)
        return json.loads(fields["summary"]) if fields else None

    def summaries(self) -> dict:
        """id -> stored summary, for labels (instrument names, country names)."""
        return {f["id"]: json.loads(f["summary"]) for f in self.searcher().all_stored_fields()}

    def close(self):
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._table, self._facet_cache = None, OrderedDict()
        if self._ix is not None:
            self._ix.close()
            self._ix = None


def _shown(pairs: dict, limit: int | None) -> dict:
    """facet -> [{"value", "count"}], the first `limit` of each (every year is always kept)."""
    return {name: [{"value": v, "count": c}
                   for v, c in (values if limit is None or name == "year" else values[:limit])]
            for name, values in pairs.items()}


class IndexBatch:
    def __init__(self, index: Index):
        self.index = index
        # Uncompounded unless small (`merges.compound_if_small`, when it commits).
        self.writer = index._open().writer(compound=False)
        self.builders: list = []
        self.finishing: list = []  # builders writing their segments
        self.roll = False
        self._added = 0

    def build_aside(self, processes: int = 1, roll: bool = True) -> None:
        """Hand the documents added from now on to segment builder processes (a large batch),
        in turn. With `roll`, a builder whose documents reach ROLL_CHARS of text writes its
        segment while a new one takes the next documents, so a batch's segments are written as
        it goes; without (a rebuild), each builder writes one segment at the end, and searches
        find few segments to read."""
        self.roll = roll
        while len(self.builders) < processes:
            self.builders.append(segment_builder.SegmentBuilder(self.index.path))

    def add(self, letter: Letter, path: str) -> None:
        s = self.index.searcher()
        if self.index._generation == self.writer.generation - 1:
            # The replaced version found with the index's own searcher, which reads this very
            # generation: Whoosh's update_document would open a reader on every segment.
            for docnum in s.document_numbers(id=letter.id):
                self.writer.delete_document(docnum)
        else:
            self.writer.delete_by_term("id", letter.id)
        if self.builders:
            turn = self._added % len(self.builders)
            builder = self.builders[turn]
            builder.add(document(letter, path))
            if self.roll and builder.words >= segment_builder.roll_at(len(self.finishing)):
                self.builders[turn] = segment_builder.SegmentBuilder(self.index.path)
                self.finishing.append(builder)
                builder.close_input()
        else:
            self.writer.add_document(**document(letter, path))
        self._added += 1

    def delete(self, letter_id: str) -> None:
        self.writer.delete_by_term("id", letter_id)

    def commit(self, sha: str) -> None:
        builders, self.builders, self.finishing = self.finishing + self.builders, [], []
        try:
            for b in builders:  # all write at once; then their segments are collected
                b.close_input()
            built = [b.result() for b in builders]
        except BaseException:
            for b in builders:
                b.cancel()
            raise
        built = [seg for seg in built if seg.doc_count_all()]

        def policy(writer, segments):
            kept = merges.deferred_merge(writer, segments)
            merges.compound_if_small(writer)
            return kept + built
        self.writer.commit(mergetype=policy)
        self.index._set_commit(sha)
        merges.request(self.index)  # a full tier merges beside the writers

    def cancel(self) -> None:
        builders, self.builders, self.finishing = self.finishing + self.builders, [], []
        for b in builders:
            b.cancel()
        self.writer.cancel()


class _FileLock:
    def __init__(self, path: Path, blocking: bool):
        self.path, self.blocking, self.fd, self.acquired = path, blocking, None, False

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | (0 if self.blocking else fcntl.LOCK_NB))
            self.acquired = True
        except BlockingIOError:
            self.acquired = False
        return self

    def __exit__(self, *exc):
        if self.acquired:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
