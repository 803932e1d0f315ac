"""The full-text index (Whoosh). The only module that imports the search engine.

The index is derived and disposable: it records the commit it reflects in
`COMMIT`, catches up from `git diff` when the repository is ahead, and can be
rebuilt whole. Readers never wait for writers: a searcher sees the last committed
index generation.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path

from whoosh import index as windex
from whoosh import sorting
from whoosh.analysis import CharsetFilter, StemmingAnalyzer, StandardAnalyzer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, Formatter
from whoosh import query as wq
from whoosh.qparser import MultifieldParser, FieldAliasPlugin, WildcardPlugin
from .errors import InvalidQuery
from whoosh.support.charset import accent_map

from .letter import Letter

FACETS = {"country": "country", "instrument": "instrument", "official": "official_f",
          "organisation": "org_f", "year": "year"}


def _schema() -> Schema:
    words = StemmingAnalyzer() | CharsetFilter(accent_map)
    names = StandardAnalyzer(stoplist=None) | CharsetFilter(accent_map)
    tags = dict(commas=True, lowercase=True, stored=True, scorable=True)
    return Schema(
        id=ID(stored=True, unique=True),
        path=ID(stored=True),
        title=TEXT(analyzer=words, stored=True, field_boost=2.0),
        text=TEXT(analyzer=words, stored=True),
        entities=TEXT(analyzer=words),
        country=KEYWORD(**tags),
        instrument=KEYWORD(**tags),
        article=KEYWORD(**tags),
        official=TEXT(analyzer=names), official_f=KEYWORD(commas=True, stored=True),
        addressee=TEXT(analyzer=names), addressee_f=KEYWORD(commas=True, stored=True),
        org=TEXT(analyzer=names), org_f=KEYWORD(commas=True, stored=True),
        sender=TEXT(analyzer=names), sender_f=KEYWORD(commas=True, stored=True),
        lang=ID(stored=True),
        date=ID(stored=True, sortable=True),
        year=ID(stored=True),
        summary=STORED,
    )


def _tag(values) -> str:
    return ",".join(v.replace(",", " ").strip() for v in values if v and v.strip())


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
    }
    return {
        "id": letter.id, "path": path, "title": letter.title, "text": letter.text,
        "entities": " \n".join(w for w in entity_words if w),
        "country": _tag(c["code"] for c in letter.countries),
        "instrument": _tag(i["id"] for i in letter.instruments),
        "article": _tag(f"{i['id']}/{a}" for i in letter.instruments for a in i.get("articles", [])),
        "official": " \n".join(officials), "official_f": _tag(officials),
        "addressee": " \n".join(addressees + [a.get("role", "") for a in letter.addressees]),
        "addressee_f": _tag(addressees),
        "org": " \n".join(orgs), "org_f": _tag(orgs),
        "sender": " \n".join(orgs[:len(letter.sender.get("organisations", []))] + signatories),
        "sender_f": _tag(o["name"] for o in letter.sender.get("organisations", [])),
        "lang": letter.language or "und",
        "date": letter.date or "", "year": (letter.date or "")[:4],
        "summary": json.dumps(summary, ensure_ascii=False),
    }


DEFAULT_FIELDS = ["title", "text", "entities"]
ALIASES = {"org": ["organisation", "organization"], "lang": ["language"],
           "official": ["person"], "instrument": ["treaty"], "country": ["countries"]}
RESOLVED_FIELDS = ("country", "instrument", "article")


def parse_query(q: str, schema, resolver=None):
    """Parse the archive's query language into a Whoosh query.

    `resolver(field, value)` maps what a researcher types to what is indexed
    (country names to ISO codes, instrument aliases to ids); it returns None
    when it does not know the value.
    """
    q = (q or "").strip()
    if not q:
        return wq.Every()
    parser = MultifieldParser(DEFAULT_FIELDS, schema)
    parser.add_plugin(FieldAliasPlugin(ALIASES))
    parser.remove_plugin_class(WildcardPlugin)  # wildcards are expensive; plain words only for now
    try:
        query = parser.parse(q)
    except Exception as exc:  # whoosh raises assorted errors on odd syntax
        raise InvalidQuery(f"could not understand the query {q!r}: {exc}") from None
    if resolver is not None:
        query = _resolve(query, resolver)
    if query is wq.NullQuery or isinstance(query, type(wq.NullQuery)):
        raise InvalidQuery(f"the query {q!r} has no words to search for")
    if isinstance(query, wq.Not):
        raise InvalidQuery("a query made only of NOT matches almost everything; add a term to search for")
    return query


def _resolve(query, resolver):
    if isinstance(query, wq.Term) and query.fieldname in RESOLVED_FIELDS:
        value = resolver(query.fieldname, query.text)
        return wq.Term(query.fieldname, value or query.text, boost=query.boost)
    if isinstance(query, wq.Phrase) and query.fieldname in RESOLVED_FIELDS:
        text = " ".join(query.words)
        value = resolver(query.fieldname, text)
        return wq.Term(query.fieldname, value or text, boost=query.boost)
    if isinstance(query, wq.CompoundQuery):
        return query.__class__([_resolve(sub, resolver) for sub in query.subqueries], boost=query.boost)
    if isinstance(query, wq.Not):
        return wq.Not(_resolve(query.query, resolver))
    return query


class _Marks(Formatter):
    """Marks hits with control characters; the caller turns them into offsets."""
    between = " … "

    def format_token(self, text, token, replace=False):
        return "\x01" + text[token.startchar:token.endchar] + "\x02"


def _snippet(marked: str) -> tuple[str, list]:
    plain, spans, start = [], [], None
    pos = 0
    for ch in marked:
        if ch == "\x01":
            start = pos
        elif ch == "\x02":
            spans.append([start, pos])
        else:
            plain.append(ch)
            pos += 1
    return "".join(plain), spans


class Index:
    """A Whoosh index directory plus the commit it reflects."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._ix = None
        self._searcher = None
        self._searcher_key = None

    # ------------------------------------------------------------ state
    def exists(self) -> bool:
        return windex.exists_in(str(self.path))

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
            self._ix = windex.open_dir(str(self.path))
        return self._ix

    def create(self):
        """Start an empty index (replacing any old one)."""
        self.close()
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        windex.create_in(str(self.path), _schema())
        self._set_commit(None)

    def writer_lock(self, blocking: bool = True):
        """Serialise index writers across processes (readers never take it)."""
        return _FileLock(self.path.parent / "index.lock", blocking)

    # ------------------------------------------------------------ writing
    def apply(self, upserts: list, deletes: list, commit: str | None):
        """Add/replace documents and delete ids, then record `commit` as reflected."""
        ix = self._open()
        writer = ix.writer()
        try:
            for letter_id in deletes:
                writer.delete_by_term("id", letter_id)
            for letter, path in upserts:
                writer.update_document(**document(letter, path))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        self._set_commit(commit)

    def ids(self) -> set:
        with self._open().searcher() as s:
            return {fields["id"] for fields in s.all_stored_fields()}

    def doc_count(self) -> int:
        with self._open().searcher() as s:
            return s.doc_count()

    # ------------------------------------------------------------ reading
    def searcher(self):
        """A searcher on the latest committed generation (reused while the index is unchanged)."""
        ix = self._open()
        # Whoosh's own refresh() misses deletion-only commits, so key on the commit we record.
        key = self.commit_id()
        if self._searcher is None or self._searcher_key != key:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = ix.searcher()
            self._searcher_key = key
        return self._searcher

    def search(self, q: str, limit: int = 20, offset: int = 0, sort: str = "relevance",
               resolver=None) -> dict:
        """Run a query; hits for one page, facet counts over all matches."""
        s = self.searcher()
        query = parse_query(q, s.schema, resolver)
        groups = {name: sorting.FieldFacet(field, allow_overlap=True, maptype=sorting.Count)
                  for name, field in FACETS.items()}
        kwargs = {}
        if sort in ("date", "-date"):
            kwargs["sortedby"] = sorting.FieldFacet("date", reverse=(sort == "-date"))
        results = s.search(query, limit=offset + limit, groupedby=groups, terms=True, **kwargs)
        results.fragmenter = ContextFragmenter(maxchars=240, surround=60)
        results.formatter = _Marks()
        hits = []
        for hit in results[offset:offset + limit]:
            summ = json.loads(hit["summary"])
            marked = hit.highlights("text", top=2) if results.has_matched_terms() else ""
            snippet, spans = _snippet(marked) if marked else (hit["text"][:240], [])
            hits.append({"id": hit["id"], "title": hit["title"], "date": summ["date"],
                         "score": round(hit.score, 4) if hit.score is not None else None,
                         "snippet": snippet, "highlights": spans,
                         "sender": summ["sender"], "addressees": summ["addressees"],
                         "countries": summ["countries"], "instruments": summ["instruments"],
                         "language": summ["language"]})
        facets = {name: sorted(({"value": v, "count": c} for v, c in results.groups(name).items()
                                if v not in ("", None)),
                               key=lambda f: (-f["count"], str(f["value"])))
                  for name in FACETS}
        return {"total": len(results), "query": q, "parsed": str(query), "hits": hits,
                "facets": facets}

    def summaries(self) -> dict:
        """id -> stored summary, for labels (instrument names, country names)."""
        return {f["id"]: json.loads(f["summary"]) for f in self.searcher().all_stored_fields()}

    def close(self):
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None


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
