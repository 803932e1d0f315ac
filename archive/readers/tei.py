"""TEI files: the archive's own encoding is kept exactly; other TEI is mapped onto it.

A TEI letter from another project keeps what fits the customisation (title, date,
correspondents, paragraphs, opener and closer); what cannot be kept is listed in the
result's warnings so the archivist sees it.
"""
from __future__ import annotations

from lxml import etree

from ..errors import IngestError
from ..letter import Block
from ..safexml import parse
from ..tei import TEI_NS, T, from_tree
from ..validate import schema_errors
from .base import ReadResult


def read_tei(data: bytes, name: str) -> ReadResult:
    """Read a TEI document; a file valid against letter.rng round-trips exactly."""
    root = parse(data, name)
    if root.tag != T + "TEI":
        raise IngestError(f"{name}: not a TEI document (root element is {etree.QName(root).localname!r}, "
                          f"expected TEI in the namespace {TEI_NS})")
    if not schema_errors(root):
        letter = from_tree(root)
        return ReadResult(blocks=letter.blocks, meta={"letter": letter}, format="tei")
    return _map_foreign(root, name)


def _text(e) -> str:
    return " ".join("".join(e.itertext()).split()) if e is not None else ""


def _map_foreign(root, name: str) -> ReadResult:
    warnings = ["the TEI does not follow the archive's customisation; only its title, date, "
                "correspondents and the text of its body were kept"]
    body = root.find(f"{T}text/{T}body")
    if body is None:
        raise IngestError(f"{name}: TEI document without text/body")
    blocks = []
    kinds = {"dateline": "dateline", "salute": "salute", "signed": "signed", "address": "address"}
    for e in body.iter(T + "p", T + "dateline", T + "salute", T + "signed", T + "address", T + "head"):
        local = etree.QName(e).localname
        if local == "address":
            text = "\n".join(_text(line) for line in e.findall(T + "addrLine"))
        else:
            text = _text(e)
        if not text:
            continue
        kind = kinds.get(local, "p")
        parent = etree.QName(e.getparent()).localname
        if local == "salute" and parent == "closer":
            kind = "closing"
        elif local == "head":
            kind = "letterhead" if not blocks else "p"
        elif local == "p" and parent == "postscript":
            kind = "postscript"
        # nested elements are visited too: skip a <p> inside an element already taken
        if any(etree.QName(a).localname in kinds for a in e.iterancestors()):
            continue
        blocks.append(Block(kind, text))
    meta = {}
    title = root.find(f"{T}teiHeader/{T}fileDesc/{T}titleStmt/{T}title")
    if _text(title):
        meta["title"] = _text(title)
    date = root.find(f".//{T}correspAction[@type='sent']/{T}date")
    if date is not None and date.get("when"):
        meta["date"] = date.get("when")
    dropped = {etree.QName(e).localname for e in body.iter() if isinstance(e.tag, str)} - \
        {"body", "div", "p", "dateline", "salute", "signed", "address", "addrLine", "head", "opener",
         "closer", "postscript", "lb", "hi", "placeName", "persName", "orgName", "rs", "name"}
    if dropped:
        warnings.append("markup not kept: " + ", ".join(sorted(dropped)))
    if not blocks:
        raise IngestError(f"{name}: the TEI body has no text")
    return ReadResult(blocks=blocks, meta=meta, format="tei", warnings=warnings)
