"""The authority files: legal instruments and organisations, kept as TEI lists.

The archive keeps its own copies of these files in its git repository (so corrections are
versioned like letters); the package ships the initial versions in archive/data/authority/,
which `letters init` copies into a new archive (see BUNDLED_FILES).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .errors import IngestError
from .safexml import parse

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_NS = {"t": TEI_NS}

_DATA_DIR = Path(__file__).resolve().parent / "data" / "authority"

# repository path -> file shipped with the package
BUNDLED_FILES = {
    "authority/instruments.xml": str(_DATA_DIR / "instruments.xml"),
    "authority/organisations.xml": str(_DATA_DIR / "organisations.xml"),
}

TRANSLATION_LANGS = ("fr", "es", "ru")


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def _read_instruments(root) -> list[dict]:
    out = []
    for bibl in root.iterfind(".//t:listBibl/t:bibl", _NS):
        ident = bibl.get(XML_ID)
        if not ident:
            raise IngestError("instruments.xml: a <bibl> has no xml:id")
        name, shorts, titles = "", [], {}
        for title in bibl.iterfind("t:title", _NS):
            kind, lang, text = title.get("type"), title.get(XML_LANG), _text(title)
            if not text:
                continue
            if kind == "main" and not name:
                name = text
            elif kind == "short":
                shorts.append(text)
            elif lang in TRANSLATION_LANGS and lang not in titles:
                titles[lang] = text
        date = bibl.find("t:date", _NS)
        wikidata = bibl.find("t:idno[@type='wikidata']", _NS)
        out.append({
            "id": ident,
            "name": name,
            "short": shorts[0] if shorts else "",
            # every other way of writing the title, for recognition in letters
            "aliases": shorts + [t for t in titles.values()],
            "titles": titles,
            "adopted": (date.get("when") or "") if date is not None else "",
            "wikidata": _text(wikidata) if wikidata is not None else "",
        })
    return out


def _read_organisations(root) -> list[dict]:
    out = []
    for org in root.iterfind(".//t:listOrg/t:org", _NS):
        ident = org.get(XML_ID)
        if not ident:
            raise IngestError("organisations.xml: an <org> has no xml:id")
        name, abbr, aliases = "", "", []
        for el in org.iterfind("t:orgName", _NS):
            kind, text = el.get("type"), _text(el)
            if not text:
                continue
            if kind == "full" and not name:
                name = text
            elif kind == "abbr" and not abbr:
                abbr = text
            else:
                aliases.append(text)
        wikidata = org.find("t:idno[@type='wikidata']", _NS)
        out.append({"id": ident, "name": name, "abbr": abbr, "aliases": aliases,
                    "wikidata": _text(wikidata) if wikidata is not None else ""})
    return out


class Authority:
    """The instruments and organisations the archive knows, with look-ups by id and name."""

    def __init__(self, instruments: list[dict], organisations: list[dict]):
        self.instruments = instruments
        self.organisations = organisations
        self._instruments = {i["id"]: i for i in instruments}
        self._orgs = {o["id"]: o for o in organisations}
        self._org_names = {}
        for o in organisations:
            for n in [o["name"], o["abbr"], *o["aliases"]]:
                # first entry wins, so a shared abbreviation keeps pointing at one org
                if n:
                    self._org_names.setdefault(_org_key(n), o)

    @classmethod
    def from_xml(cls, instruments_xml: bytes, organisations_xml: bytes) -> "Authority":
        """Build from the bytes of the two TEI authority files (parsed with the hardened parser)."""
        return cls(_read_instruments(parse(instruments_xml, "instruments.xml")),
                   _read_organisations(parse(organisations_xml, "organisations.xml")))

    @classmethod
    def bundled(cls) -> "Authority":
        """The authority files shipped with the package (loaded once)."""
        return _bundled()

    def instrument(self, ident: str) -> dict | None:
        """The instrument with this id, or None."""
        return self._instruments.get(ident)

    def org(self, ident: str) -> dict | None:
        """The organisation with this id, or None."""
        return self._orgs.get(ident)

    def find_instrument(self, name: str) -> dict | None:
        """The instrument whose id, title (any language), short name or alias is `name`."""
        if not hasattr(self, "_instrument_names"):
            names = {}
            for i in self.instruments:
                for n in [i["id"], i["name"], i.get("short", ""), *i.get("aliases", []),
                          *i.get("titles", {}).values()]:
                    if n:
                        names.setdefault(_org_key(n), i)
            self._instrument_names = names
        return self._instrument_names.get(_org_key(name or ""))

    def find_org(self, name: str) -> dict | None:
        """The organisation whose full name, abbreviation or alias is `name` (case-insensitive)."""
        return self._org_names.get(_org_key(name or ""))

    def derived(self, key: str, build):
        """`build(self)`, computed once per Authority and kept: look-up structures derived from
        the entries (the extractors' matchers), which are never changed after loading."""
        cache = self.__dict__.setdefault("_derived", {})
        if key not in cache:
            cache[key] = build(self)
        return cache[key]


def _org_key(name: str) -> str:
    key = " ".join(name.split()).casefold()
    return key[4:] if key.startswith("the ") else key


@lru_cache(maxsize=1)
def _bundled() -> Authority:
    return Authority.from_xml(Path(BUNDLED_FILES["authority/instruments.xml"]).read_bytes(),
                              Path(BUNDLED_FILES["authority/organisations.xml"]).read_bytes())
