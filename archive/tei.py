"""Letter <-> TEI P5, an exact round trip.

The TEI file is the archive's source of truth; the encoding is specified in
docs/format.md and constrained by schemas/letter.rng. `to_tei(from_tei(x))` gives the
same Letter back, field for field, including inline mentions.
"""
from __future__ import annotations

import json

from lxml import etree

from .letter import Block, Letter, Mention, OPENER_KINDS, CLOSER_KINDS
from .safexml import parse

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
T = "{%s}" % TEI_NS
XML_LANG = "{%s}lang" % XML_NS
PUBLISHER = "Advocacy Letters Archive"
WIKIDATA = "https://www.wikidata.org/entity/"
AUTHORITY_INSTRUMENTS = "authority/instruments.xml"

# Inline mention kind -> (element, attributes that say what it is)
_MENTION_ELEMENTS = {"place": ("placeName", {}), "org": ("orgName", {}), "person": ("persName", {}),
                     "instrument": ("rs", {"type": "instrument"}), "article": ("rs", {"type": "article"})}


def _el(parent, tag, text=None, **attrs):
    e = etree.SubElement(parent, T + tag, {k: v for k, v in attrs.items() if v})
    if text:
        e.text = text
    return e


def _lang(e, lang):
    if lang:
        e.set(XML_LANG, lang)


def _person(parent, tag, p):
    """A person with a role and a country: <persName><name/><roleName/><country key/></persName>."""
    pn = _el(parent, tag)
    if p.get("name"):
        _el(pn, "name", p["name"])
    if p.get("role"):
        _el(pn, "roleName", p["role"])
    if p.get("country"):
        _el(pn, "country", key=p["country"])
    return pn


def _read_person(pn) -> dict:
    def t(tag):
        e = pn.find(T + tag)
        return (e.text or "") if e is not None else ""
    c = pn.find(T + "country")
    return {"name": t("name"), "role": t("roleName"), "country": c.get("key", "") if c is not None else ""}


def _org(parent, o):
    return _el(parent, "orgName", o.get("name", ""), key=o.get("ref", ""))


def _read_org(e) -> dict:
    return {"name": e.text or "", "ref": e.get("key", "")}


def to_tei(letter: Letter) -> bytes:
    """Serialise a Letter as a TEI document (UTF-8 bytes)."""
    tei = etree.Element(T + "TEI", nsmap={None: TEI_NS})
    _lang(tei, letter.language)
    header = _el(tei, "teiHeader")
    fd = _el(header, "fileDesc")
    _el(_el(fd, "titleStmt"), "title", letter.title)
    ps = _el(fd, "publicationStmt")
    _el(ps, "publisher", PUBLISHER)
    _el(ps, "idno", letter.id, type="archive")
    sd = _el(fd, "sourceDesc")
    bibl = _el(sd, "bibl")
    src = letter.source
    if src.get("url"):
        _el(bibl, "ref", src["url"], target=src["url"])
    if src.get("file"):
        _el(bibl, "title", src["file"], type="file")
    for key in ("format", "sha256"):
        if src.get(key):
            _el(bibl, "idno", src[key], type=key)
    if not len(bibl):
        bibl.text = "No source recorded."

    prof = _el(header, "profileDesc")
    cd = _el(prof, "correspDesc")
    sent = _el(cd, "correspAction", type="sent")
    for o in letter.sender.get("organisations", []):
        _org(sent, o)
    for s in letter.sender.get("signatories", []):
        _person(sent, "persName", s)
    if letter.sender.get("place"):
        _el(sent, "placeName", letter.sender["place"])
    if letter.date:
        _el(sent, "date", letter.date, when=letter.date)
    recv = _el(cd, "correspAction", type="received")
    for a in letter.addressees:
        _person(recv, "persName", a)
    if not len(sent):
        _el(sent, "note", "Sender not recorded.")
    if not len(recv):
        _el(recv, "note", "Addressee not recorded.")
    _el(prof, "langUsage").append(_language(letter.language))
    tc = _el(prof, "textClass")
    kw = _el(tc, "keywords", scheme="#countries") if letter.countries else None
    for c in letter.countries:
        _el(kw, "term", c.get("name", ""), key=c["code"])
    kw = _el(tc, "keywords", scheme="#instruments") if letter.instruments else None
    for i in letter.instruments:
        refs = f"../../{AUTHORITY_INSTRUMENTS}#{i['id']}"
        if i.get("wikidata"):
            refs += " " + WIKIDATA + i["wikidata"]
        term = _el(kw, "term", key=i["id"], ref=refs)
        _el(term, "name", i.get("name", ""), type="full")
        if i.get("short"):
            _el(term, "name", i["short"], type="short")
        for art in i.get("articles", []):
            _el(term, "num", art, type="article")
    if not len(tc):
        prof.remove(tc)
    if letter.officials or letter.organisations:
        pd = _el(prof, "particDesc")
        if letter.officials:
            lp = _el(pd, "listPerson", type="officials")
            for o in letter.officials:
                _person(_el(lp, "person"), "persName", o)
        if letter.organisations:
            lo = _el(pd, "listOrg", type="mentioned")
            for o in letter.organisations:
                _org(_el(lo, "org"), o)
    if letter.provenance:
        rd = _el(header, "revisionDesc")
        _el(rd, "change", json.dumps(letter.provenance, sort_keys=True, ensure_ascii=False),
            type="provenance")
    _body(_el(_el(tei, "text"), "body"), letter)
    _indent(tei)
    return etree.tostring(tei, xml_declaration=True, encoding="UTF-8") + b"\n"


def _language(code):
    e = etree.Element(T + "language", ident=code or "und")
    return e


def _body(body, letter: Letter):
    by_block: dict[int, list[Mention]] = {}
    for m in letter.mentions:
        by_block.setdefault(m.block, []).append(m)
    kinds = [b.kind for b in letter.blocks]
    # The letter's regions: head (letterhead), opener, body paragraphs, closer, postscript.
    container = None
    region = None
    for idx, block in enumerate(letter.blocks):
        k = block.kind
        want = ("head" if k == "letterhead" else "opener" if k in OPENER_KINDS else
                "closer" if k in CLOSER_KINDS else "postscript" if k == "postscript" else "p")
        if want in ("opener", "closer"):
            if region != want:
                container = _el(body, want)
                region = want
            tag = {"dateline": "dateline", "address": "address", "salute": "salute",
                   "closing": "salute", "signed": "signed"}[k]
            e = _el(container, tag)
            if k == "address":
                lines = block.text.split("\n")
                for i, line in enumerate(lines):
                    sub = Block("p", line)  # one addrLine per line; offsets per line
                    start = sum(len(x) + 1 for x in lines[:i])
                    al = _el(e, "addrLine")
                    _inline(al, sub.text, _shift(by_block.get(idx, []), start, start + len(line)))
                continue
        else:
            region = want
            if want == "head":
                e = _el(body, "head", type="letterhead")
            elif want == "postscript":
                e = _el(_el(body, "postscript"), "p")
            else:
                e = _el(body, "p")
        _inline(e, block.text, by_block.get(idx, []))
    if not kinds:
        _el(body, "p")


def _shift(mentions, start, end):
    return [Mention(m.block, m.start - start, m.end - start, m.kind, m.key, m.n)
            for m in mentions if m.start >= start and m.end <= end]


def _inline(e, text: str, mentions):
    """Write text into e, wrapping mention spans in elements and newlines as <lb/>."""
    pos = 0
    last = None
    for m in sorted(mentions, key=lambda m: m.start):
        if m.start < pos or m.end > len(text) or m.start >= m.end:
            continue  # overlapping or out-of-range spans are dropped, never corrupt the text
        last = _append_text(e, last, text[pos:m.start])
        tag, attrs = _MENTION_ELEMENTS[m.kind]
        me = etree.SubElement(e, T + tag, dict(attrs))
        if m.key:
            me.set("key", m.key)
        if m.n:
            me.set("n", m.n)
        _append_text(me, None, text[m.start:m.end])
        last = me
        pos = m.end
    _append_text(e, last, text[pos:])


def _append_text(parent, last, s):
    """Append s after `last` (or as parent's text), turning newlines into <lb/> elements."""
    parts = s.split("\n")
    for i, part in enumerate(parts):
        if i:
            last = etree.SubElement(parent, T + "lb")
        if part:
            if last is None:
                parent.text = (parent.text or "") + part
            else:
                last.tail = (last.tail or "") + part
    return last


def _indent(tei):
    """Indent structural elements only; mixed content is left exactly as written."""
    structural = {T + t for t in ("TEI", "teiHeader", "fileDesc", "titleStmt", "publicationStmt",
                                  "sourceDesc", "bibl", "profileDesc", "correspDesc", "correspAction",
                                  "langUsage", "textClass", "keywords", "particDesc", "listPerson",
                                  "listOrg", "person", "org", "revisionDesc", "text", "body",
                                  "opener", "closer", "postscript", "address", "term", "persName")}

    def walk(e, level):
        if e.tag not in structural or not len(e) or (e.text and e.text.strip()):
            return
        if e.tag == T + "persName" and e.getparent().tag not in structural:
            return
        pad = "\n" + "  " * (level + 1)
        e.text = pad
        for child in e:
            walk(child, level + 1)
            child.tail = pad
        e[-1].tail = "\n" + "  " * level
    walk(tei, 0)


# ---------------------------------------------------------------- reading

def from_tei(data: bytes, name: str = "TEI") -> Letter:
    """Parse a TEI document written by `to_tei` back into a Letter."""
    return from_tree(parse(data, name))


def from_tree(tei) -> Letter:
    """Build a Letter from a parsed TEI root element."""
    def first(path):
        return tei.find(path.replace("t:", T))

    def all_(path):
        return tei.findall(path.replace("t:", T))

    letter = Letter()
    letter.language = tei.get(XML_LANG, "en")
    title = first("t:teiHeader/t:fileDesc/t:titleStmt/t:title")
    idno = first("t:teiHeader/t:fileDesc/t:publicationStmt/t:idno[@type='archive']")
    letter.id = (idno.text or "") if idno is not None else ""
    letter.title = (title.text or "") if title is not None else ""
    bibl = first("t:teiHeader/t:fileDesc/t:sourceDesc/t:bibl")
    src = {}
    if bibl is not None:
        ref = bibl.find(T + "ref")
        if ref is not None:
            src["url"] = ref.get("target", "")
        ft = bibl.find(T + "title[@type='file']")
        if ft is not None:
            src["file"] = ft.text or ""
        for idn in bibl.findall(T + "idno"):
            src[idn.get("type")] = idn.text or ""
    letter.source = src
    sent = first("t:teiHeader/t:profileDesc/t:correspDesc/t:correspAction[@type='sent']")
    recv = first("t:teiHeader/t:profileDesc/t:correspDesc/t:correspAction[@type='received']")
    place = sent.find(T + "placeName")
    letter.sender = {"organisations": [_read_org(e) for e in sent.findall(T + "orgName")],
                     "signatories": [{"name": p["name"], "role": p["role"]} for p in
                                     map(_read_person, sent.findall(T + "persName"))],
                     "place": (place.text or "") if place is not None else ""}
    date = sent.find(T + "date")
    letter.date = date.get("when") if date is not None else None
    letter.addressees = [_read_person(e) for e in recv.findall(T + "persName")]
    letter.countries = [{"code": t.get("key"), "name": t.text or ""}
                        for t in all_("t:teiHeader/t:profileDesc/t:textClass/t:keywords[@scheme='#countries']/t:term[@key]")]
    letter.instruments = []
    for t in all_("t:teiHeader/t:profileDesc/t:textClass/t:keywords[@scheme='#instruments']/t:term[@key]"):
        full = t.find(T + "name[@type='full']")
        short = t.find(T + "name[@type='short']")
        wd = [r[len(WIKIDATA):] for r in t.get("ref", "").split() if r.startswith(WIKIDATA)]
        letter.instruments.append({
            "id": t.get("key"), "name": (full.text or "") if full is not None else "",
            "short": (short.text or "") if short is not None else "",
            "wikidata": wd[0] if wd else "",
            "articles": [n.text or "" for n in t.findall(T + "num[@type='article']")]})
    letter.officials = [_read_person(p) for p in
                        all_("t:teiHeader/t:profileDesc/t:particDesc/t:listPerson[@type='officials']/t:person/t:persName")]
    letter.organisations = [_read_org(o) for o in
                            all_("t:teiHeader/t:profileDesc/t:particDesc/t:listOrg[@type='mentioned']/t:org/t:orgName")]
    prov = first("t:teiHeader/t:revisionDesc/t:change[@type='provenance']")
    letter.provenance = json.loads(prov.text) if prov is not None and prov.text else {}
    body = first("t:text/t:body")
    if body is not None:
        _read_body(body, letter)
    return letter


def _read_body(body, letter: Letter):
    for child in body:
        tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if tag == "head":
            _read_block(child, "letterhead", letter)
        elif tag == "p":
            if len(child) or (child.text or ""):
                _read_block(child, "p", letter)
        elif tag in ("opener", "closer"):
            for part in child:
                ptag = etree.QName(part).localname if isinstance(part.tag, str) else ""
                if ptag == "address":
                    _read_address(part, letter)
                elif ptag == "salute":
                    _read_block(part, "salute" if tag == "opener" else "closing", letter)
                elif ptag in ("dateline", "signed"):
                    _read_block(part, ptag, letter)
        elif tag == "postscript":
            for p in child.findall(T + "p"):
                _read_block(p, "postscript", letter)


def _read_address(addr, letter: Letter):
    idx = len(letter.blocks)
    texts = []
    offset = 0
    for line in addr.findall(T + "addrLine"):
        text, mentions = _read_inline(line, idx)
        for m in mentions:
            m.start += offset
            m.end += offset
        letter.mentions.extend(mentions)
        texts.append(text)
        offset += len(text) + 1
    letter.blocks.append(Block("address", "\n".join(texts)))


def _read_block(e, kind: str, letter: Letter):
    idx = len(letter.blocks)
    text, mentions = _read_inline(e, idx)
    letter.blocks.append(Block(kind, text))
    letter.mentions.extend(mentions)


def _read_inline(e, idx: int):
    """Text of a mixed-content element with <lb/> as newlines, and its mention spans."""
    out: list[str] = []
    mentions = []

    def walk(node):
        if node.text:
            out.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                local = etree.QName(child).localname
                if local == "lb":
                    out.append("\n")
                else:
                    start = sum(len(s) for s in out)
                    walk(child)
                    kind = _mention_kind(local, child.get("type"))
                    if kind:
                        mentions.append(Mention(idx, start, sum(len(s) for s in out), kind,
                                                child.get("key", ""), child.get("n", "")))
            if child.tail:
                out.append(child.tail)
    walk(e)
    return "".join(out), mentions


def _mention_kind(local: str, typ: str | None) -> str | None:
    for kind, (tag, attrs) in _MENTION_ELEMENTS.items():
        if tag == local and ("type" not in attrs or attrs["type"] == typ):
            return kind
    return None
