"""A letter's TEI body as HTML, built by walking the lxml tree and escaping every text node.

Only this module turns TEI into markup. It writes tags of its own choosing and passes
letter text through `markupsafe.escape`, so nothing in a letter can become markup.
"""
from __future__ import annotations

from typing import Callable

from lxml import etree
from markupsafe import Markup, escape

from archive.safexml import parse

TEI = "{http://www.tei-c.org/ns/1.0}"

# TEI block element -> (HTML tag, class). Anything not listed is rendered as its text only.
_BLOCKS = {
    "head": ("div", "letterhead"),
    "opener": ("div", "opener"),
    "closer": ("div", "closer"),
    "postscript": ("div", "postscript"),
    "dateline": ("p", "dateline"),
    "address": ("p", "address"),
    "signed": ("p", "signed"),
    "p": ("p", ""),
}
# Kind of inline entity -> (CSS class, label for screen readers and tooltips).
_ENTITY_LABELS = {"place": "Place", "org": "Organisation", "person": "Person",
                  "instrument": "Legal instrument", "article": "Article"}

# search_url(kind, key, text) -> the URL of the search for an entity, or "" for none.
SearchUrl = Callable[[str, str, str], str]
_KINDS = {"placeName": "place", "orgName": "org", "persName": "person"}


def typeset(tei: bytes, search_url: SearchUrl) -> Markup:
    """HTML for the body of a TEI letter; `search_url(kind, key, text)` links inline entities."""
    root = parse(tei, "letter")
    body = root.find(f"{TEI}text/{TEI}body")
    if body is None:
        return Markup("")
    return _children(body, search_url, in_closer=False)


def _local(e) -> str:
    return etree.QName(e).localname if isinstance(e.tag, str) else ""


def _tag(name: str, cls: str = "", **attrs) -> Markup:
    """An opening tag whose attribute values are escaped (names are ours, never the letter's)."""
    parts = [name]
    if cls:
        attrs["class"] = cls
    parts += [f'{k}="{escape(v)}"' for k, v in attrs.items() if v]
    return Markup("<" + " ".join(parts) + ">")


def _children(e, search_url: SearchUrl, in_closer: bool) -> Markup:
    out = Markup("")
    for child in e:
        # A newline between blocks keeps the page source readable; HTML ignores it.
        out += _block(child, search_url, in_closer or _local(e) == "closer") + Markup("\n")
    return out


def _block(e, search_url: SearchUrl, in_closer: bool) -> Markup:
    name = _local(e)
    if name in ("opener", "closer", "postscript"):
        tag, cls = _BLOCKS[name]
        return _tag(tag, cls) + _children(e, search_url, in_closer) + Markup(f"</{tag}>")
    if name == "salute":
        cls = "closing" if in_closer else "salute"
        return _tag("p", cls) + _inline(e, search_url) + Markup("</p>")
    if name == "address":
        lines = [_inline(line, search_url) for line in e if _local(line) == "addrLine"]
        return _tag("p", "address") + Markup("<br>").join(lines) + Markup("</p>")
    if name in _BLOCKS:
        tag, cls = _BLOCKS[name]
        content = _inline(e, search_url)
        if name == "p" and not content:
            return Markup("")
        return _tag(tag, cls) + content + Markup(f"</{tag}>")
    if name:
        # An element this archive does not write: keep its words, drop its markup.
        return _tag("p") + _inline(e, search_url) + Markup("</p>")
    return Markup("")


def _inline(e, search_url: SearchUrl) -> Markup:
    """Mixed content: text escaped, <lb/> as <br>, entities as links to their search."""
    out = escape(e.text or "")
    for child in e:
        name = _local(child)
        if name == "lb":
            out += Markup("<br>")
        elif name:
            out += _entity(child, search_url)
        out += escape(child.tail or "")
    return out


def _text(e) -> str:
    return " ".join("".join(e.itertext()).split())


def _entity(e, search_url: SearchUrl) -> Markup:
    """One inline entity: highlighted, and a link when there is something to search for."""
    name = _local(e)
    kind = _KINDS.get(name, "")
    if name == "rs" and e.get("type") in ("instrument", "article"):
        kind = e.get("type")
    content = _inline(e, search_url)
    if not kind:
        return content
    label = _ENTITY_LABELS[kind]
    if kind == "article" and e.get("n"):
        label = f"Article {e.get('n')}"
    href = search_url(kind, e.get("key", ""), _text(e))
    if not href:
        return _tag("span", f"entity entity-{kind}", title=label) + content + Markup("</span>")
    return _tag("a", f"entity entity-{kind}", href=href, title=label) + content + Markup("</a>")
