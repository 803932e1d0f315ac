"""Differences between two versions of a letter (or two related letters), as data.

`diff_letters(old, new)` returns a list of change dicts; formatters (CLI, web) only render
them. Every change has "kind", "before", "after" and "field" (the stable contract of
DESIGN.md). Text changes (insert/delete/replace/move, see archive/textdiff.py for how blocks
are aligned and what counts as invisible) also carry "block" (index in the new letter, or in
the old one for a delete), "block_kind", "from_block"/"to_block" (old/new indexes, None where
there is no such side) and, for a replace, "words": [op, text] pairs with op in
equal/delete/insert. Metadata changes carry a dotted "field" ("date", "addressees[0].role",
"instruments.iccpr.articles", "countries") and display strings (None when empty).

Decisions:
- Typographic quotes, whitespace reflow and NFC/NFD are not changes (see textdiff).
- A block whose text stays but whose kind changes (say "p" -> "closing") is reported as one
  metadata change, field "blocks[<new index>].kind": the reader sees the text unchanged but
  placed differently (opener, body, closer).
- Ordered lists (addressees, signatories, sender organisations) are compared by position when
  their length is the same (so a corrected spelling is "addressees[0].name"), as a whole
  otherwise. Derived sets (countries, officials, instruments, organisations) ignore order and
  are matched by code, name or id; a member added or removed is one change of the whole list.
- Not compared: id, source.file, source.sha256, source.format, provenance and mentions
  (inline markup offsets are not a reader-visible change by themselves).
"""
from __future__ import annotations

import re
from collections import Counter

from archive.letter import Letter, paragraphs_to_blocks
from archive.textdiff import (apply_changes, compare_key, diff_blocks, display_form,
                              word_list, words_changed)

__all__ = ["diff_letters", "diff_metadata", "diff_texts", "summarize", "shared_ratio", "word_share",
           "apply_changes", "field_label", "TEXT_KINDS"]

TEXT_KINDS = ("insert", "delete", "replace", "move")


def _show(value) -> str | None:
    value = display_form(str(value)) if value is not None else ""
    return value or None


def _same(a, b) -> bool:
    return compare_key(str(a or "")) == compare_key(str(b or ""))


def _meta(field, before, after) -> dict:
    return {"kind": "metadata", "field": field, "before": _show(before), "after": _show(after)}


def _person(p: dict) -> str:
    extra = ", ".join(x for x in (p.get("role"), p.get("country")) if x)
    return f"{p.get('name') or ''} ({extra})" if extra else p.get("name") or ""


def _instrument(i: dict) -> str:
    # The articles are part of what a letter cites: "ICCPR art. 9, 19".
    name = i.get("short") or i.get("name") or i.get("id") or ""
    return f"{name} art. {_articles(i)}" if i.get("articles") else name


def _articles(i: dict) -> str:
    # Citation order inside one instrument carries no meaning; the set of articles does.
    return ", ".join(sorted(set(i.get("articles") or []), key=_article_order))


def _article_order(n: str):
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.findall(r"\d+|\D+", n)]


def _ordered(field, old, new, attrs, label) -> list:
    """Position-by-position compare of an ordered list of dicts."""
    if len(old) != len(new):
        return [_meta(field, ", ".join(map(label, old)), ", ".join(map(label, new)))]
    out = []
    for k, (a, b) in enumerate(zip(old, new)):
        for attr in attrs:
            if not _same(a.get(attr), b.get(attr)):
                out.append(_meta(f"{field}[{k}].{attr}", a.get(attr), b.get(attr)))
    return out


def _keyed(field, old, new, key, attrs, label, path) -> list:
    """Order-free compare of a list of dicts matched by key; path(item, index) names a member."""
    def norm(item):
        return compare_key(str(key(item) or "")).casefold()

    def same(a, b):
        return all(_same(get(a), get(b)) for _, get in attrs)

    out = []
    if Counter(map(norm, old)) != Counter(map(norm, new)):
        out.append(_meta(field, ", ".join(map(label, old)), ", ".join(map(label, new))))
    # Two members may share a key (one person listed with two roles): pair identical members
    # first, then the rest in order, so a reordering never reads as a changed attribute.
    free = list(range(len(old)))
    match = {}
    for k, b in enumerate(new):
        i = next((i for i in free if norm(old[i]) == norm(b) and same(old[i], b)), None)
        if i is not None:
            free.remove(i)
            match[k] = i
    for k, b in enumerate(new):
        if k in match:
            continue
        i = next((i for i in free if norm(old[i]) == norm(b)), None)
        if i is None:
            continue
        free.remove(i)
        for attr, get in attrs:
            if not _same(get(old[i]), get(b)):
                out.append(_meta(f"{field}{path(b, k)}.{attr}", get(old[i]), get(b)))
    return out


def _get(attr):
    return lambda item: item.get(attr) or ""


def _by_index(item, k):
    return f"[{k}]"


def _by_key(attr):
    return lambda item, k: "." + str(item.get(attr) or "")


# Derived sets: field, member key, compared attributes, member label, member name in a field.
_SETS = (
    ("countries", _get("code"), [("name", _get("name"))], _get("code"), _by_key("code")),
    ("officials", _get("name"), [("role", _get("role")), ("country", _get("country"))],
     _person, _by_index),
    ("instruments", _get("id"), [("articles", _articles), ("name", _get("name")),
                                 ("short", _get("short")), ("wikidata", _get("wikidata"))],
     _instrument, _by_key("id")),
    ("organisations", _get("name"), [("ref", _get("ref"))], _get("name"), _by_index),
)


def diff_metadata(old: Letter, new: Letter) -> list:
    """Metadata changes between two letters, one per changed field."""
    out = []
    for name in ("title", "date", "language"):
        if not _same(getattr(old, name), getattr(new, name)):
            out.append(_meta(name, getattr(old, name), getattr(new, name)))
    os_, ns = old.sender or {}, new.sender or {}
    out += _ordered("sender.organisations", os_.get("organisations") or [],
                    ns.get("organisations") or [], ("name", "ref"), _get("name"))
    out += _ordered("sender.signatories", os_.get("signatories") or [],
                    ns.get("signatories") or [], ("name", "role"), _person)
    if not _same(os_.get("place"), ns.get("place")):
        out.append(_meta("sender.place", os_.get("place"), ns.get("place")))
    out += _ordered("addressees", old.addressees or [], new.addressees or [],
                    ("name", "role", "country"), _person)
    for field, key, attrs, label, path in _SETS:
        out += _keyed(field, getattr(old, field) or [], getattr(new, field) or [],
                      key, attrs, label, path)
    old_url, new_url = (old.source or {}).get("url"), (new.source or {}).get("url")
    if not _same(old_url, new_url):
        out.append(_meta("source.url", old_url, new_url))
    return out


def _blocks(letter: Letter) -> list:
    return [(k, b.kind, b.text) for k, b in enumerate(letter.blocks)]


def diff_letters(old: Letter, new: Letter) -> list:
    """All reader-visible changes from `old` to `new`: text changes, then metadata changes."""
    changes, pairs = diff_blocks(_blocks(old), _blocks(new))
    kinds = [_meta(f"blocks[{j}].kind", old.blocks[i].kind, new.blocks[j].kind)
             for i, j in sorted(pairs, key=lambda p: p[1])
             if old.blocks[i].kind != new.blocks[j].kind]
    return changes + diff_metadata(old, new) + kinds


def diff_texts(old_text: str, new_text: str) -> list:
    """Text changes between two plain texts whose paragraphs are separated by blank lines."""
    old = [(k, b.kind, b.text) for k, b in enumerate(paragraphs_to_blocks(old_text or ""))]
    new = [(k, b.kind, b.text) for k, b in enumerate(paragraphs_to_blocks(new_text or ""))]
    return diff_blocks(old, new)[0]


_LABELS = {"addressees": "addressee", "officials": "official", "instruments": "instrument",
           "organisations": "organisation", "sender.signatories": "signatory",
           "sender.organisations": "sender organisation", "countries": "country",
           "blocks": "block"}
_WHOLE = {"sender.organisations": "sender organisations", "sender.signatories": "signatories",
          "sender.place": "sender place", "source.url": "source url"}


def field_label(field: str) -> str:
    """A short human label for a metadata field: 'addressees[0].role' -> 'addressee role'."""
    m = re.match(r"^([a-z_.]+?)(?:\[\d+\]|\.[^.\[]+)?\.([a-z_]+)$", field)
    if m and m.group(1) in _LABELS:
        return f"{_LABELS[m.group(1)]} {m.group(2)}"
    return _WHOLE.get(field, field)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def summarize(changes: list) -> str:
    """One line for a list of changes, e.g. 'text: 1 paragraph added, 2 words changed; metadata: date'."""
    kinds = Counter(c["kind"] for c in changes)
    text = []
    for kind, verb in (("insert", "added"), ("delete", "removed"), ("move", "moved")):
        if kinds[kind]:
            text.append(f"{_count(kinds[kind], 'paragraph')} {verb}")
    words = sum(words_changed(c.get("words") or []) for c in changes if c["kind"] == "replace")
    if words:
        text.append(f"{_count(words, 'word')} changed")
    labels = []
    for c in changes:
        if c["kind"] == "metadata" and field_label(c["field"]) not in labels:
            labels.append(field_label(c["field"]))
    parts = ([f"text: {', '.join(text)}"] if text else []) + \
        ([f"metadata: {', '.join(labels)}"] if labels else [])
    return "; ".join(parts) or "no changes"


def shared_ratio(old: Letter, new: Letter) -> float:
    """Share of words two letters have in common (0..1), order-free, for comparing letters."""
    return word_share(Counter(word_list(old.text)), Counter(word_list(new.text)))


def word_share(a: Counter, b: Counter) -> float:
    """`shared_ratio` on word counts already made (a letter compared with many others)."""
    total = sum(a.values()) + sum(b.values())
    return 1.0 if not total else 2 * sum((a & b).values()) / total
