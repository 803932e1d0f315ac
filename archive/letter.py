"""The Letter: the archive's in-memory model of one letter, and its JSON record.

Everything between a reader and the TEI writer speaks in Letters. A Letter's body
is a list of Blocks (the letter's structure: letterhead, date line, address,
salutation, paragraphs, closing, signature) and a list of Mentions (inline
entities: spans inside one block's text).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, asdict

# Block kinds in the order a letter normally has them. The TEI writer groups them:
# letterhead -> <head>; dateline/address/salute -> <opener>; p -> <p>;
# closing/signed -> <closer>; postscript -> <postscript>.
BLOCK_KINDS = ("letterhead", "dateline", "address", "salute", "p", "closing", "signed", "postscript")
OPENER_KINDS = ("dateline", "address", "salute")
CLOSER_KINDS = ("closing", "signed")
MENTION_KINDS = ("place", "org", "person", "instrument", "article")

# XML 1.0 cannot carry these code points; they never belong in a letter anyway.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")


def clean_text(text: str) -> str:
    """Normalise one block's text: XML-safe characters, LF line ends, no blank lines, trimmed."""
    text = _XML_INVALID.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _BLANK_LINES.sub("\n", text)
    return "\n".join(line.strip() for line in text.strip().split("\n"))


@dataclass
class Block:
    kind: str
    text: str

    def __post_init__(self):
        if self.kind not in BLOCK_KINDS:
            raise ValueError(f"unknown block kind {self.kind!r}")
        self.text = clean_text(self.text)


@dataclass
class Mention:
    """An entity named inside one block: block index, character span, what it is."""
    block: int
    start: int
    end: int
    kind: str
    key: str = ""   # ISO code for places, authority id for instruments/orgs
    n: str = ""     # article number for kind == "article" (canonical form, e.g. "9(1)")

    def __post_init__(self):
        if self.kind not in MENTION_KINDS:
            raise ValueError(f"unknown mention kind {self.kind!r}")


@dataclass
class Letter:
    id: str = ""
    title: str = ""
    date: str | None = None          # ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD
    language: str = "en"
    sender: dict = field(default_factory=lambda: {"organisations": [], "signatories": [], "place": ""})
    addressees: list = field(default_factory=list)    # [{"name", "role", "country"}]
    countries: list = field(default_factory=list)     # [{"code", "name"}]
    officials: list = field(default_factory=list)     # [{"name", "role", "country"}]
    instruments: list = field(default_factory=list)   # [{"id", "name", "short", "wikidata", "articles"}]
    organisations: list = field(default_factory=list)  # [{"name", "ref"}]
    blocks: list = field(default_factory=list)         # [Block]
    mentions: list = field(default_factory=list)       # [Mention]
    source: dict = field(default_factory=dict)         # {"url", "file", "format", "sha256"}
    provenance: dict = field(default_factory=dict)     # field -> "extracted" | "archivist"

    @property
    def text(self) -> str:
        """The letter's text, blocks separated by blank lines."""
        return "\n\n".join(b.text for b in self.blocks if b.text)

    def to_record(self, version: str = "", path: str = "", with_text: bool = True) -> dict:
        """The letter record of DESIGN.md (the JSON shape shared by CLI and web)."""
        rec = {
            "id": self.id,
            "version": version,
            "path": path,
            "title": self.title,
            "date": self.date,
            "language": self.language,
            "sender": {
                "organisations": [dict(o) for o in self.sender.get("organisations", [])],
                "signatories": [dict(s) for s in self.sender.get("signatories", [])],
                "place": self.sender.get("place", ""),
            },
            "addressees": [dict(a) for a in self.addressees],
            "countries": [dict(c) for c in self.countries],
            "officials": [dict(o) for o in self.officials],
            "instruments": [dict(i, articles=list(i.get("articles", []))) for i in self.instruments],
            "organisations": [dict(o) for o in self.organisations],
            "source": dict(self.source),
            "provenance": dict(self.provenance),
            "structure": [{"kind": b.kind, "text": b.text} for b in self.blocks],
        }
        if with_text:
            rec["text"] = self.text
        return rec

    def copy(self) -> "Letter":
        return Letter(**{k: _deepcopy(v) for k, v in asdict(self).items()
                         if k not in ("blocks", "mentions")},
                      blocks=[Block(b.kind, b.text) for b in self.blocks],
                      mentions=[Mention(**asdict(m)) for m in self.mentions])


def _deepcopy(v):
    if isinstance(v, dict):
        return {k: _deepcopy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_deepcopy(x) for x in v]
    return v


def paragraphs_to_blocks(text: str) -> list:
    """Plain text with blank-line-separated paragraphs -> list of 'p' Blocks."""
    parts = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [Block("p", p) for p in parts if p.strip()]


def normalise_structure(blocks: list) -> list:
    """Blocks in an order TEI can hold: letterhead, opener, paragraphs, closer/postscript.

    A salutation or date line that turns up after the body has begun reads as a
    paragraph; a paragraph after the signature is a postscript; consecutive
    letterhead lines are one letterhead.
    """
    out: list = []
    stage = 0  # 0 letterhead, 1 opener, 2 body, 3 closer/postscript
    for b in blocks:
        if not b.text:
            continue
        kind = b.kind
        if kind == "letterhead":
            if stage == 0:
                if out and out[-1].kind == "letterhead":
                    out[-1] = Block("letterhead", out[-1].text + "\n" + b.text)
                    continue
            else:
                kind = "p" if stage < 3 else "postscript"
                stage = max(stage, 2)
        elif kind in OPENER_KINDS:
            if stage <= 1:
                stage = 1
            else:
                kind = "p" if stage == 2 else "postscript"
        elif kind == "p":
            if stage == 3:
                kind = "postscript"
            else:
                stage = 2
        else:  # closing, signed, postscript
            if stage < 2 and not any(x.kind == "p" for x in out):
                kind = "p"
                stage = 2
            else:
                stage = 3
        out.append(b if kind == b.kind else Block(kind, b.text))
    return out


def fingerprint(letter: Letter) -> str:
    """Hash of the letter's text with whitespace and case normalised (duplicate detection)."""
    norm = " ".join(letter.text.lower().split())
    return hashlib.sha256(norm.encode()).hexdigest()
