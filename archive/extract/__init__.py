"""Metadata extraction: from a letter's blocks to its date, people, countries, instruments,
organisations and inline mentions.

Decisions:
- The date is the letter's own date (date line, or a date-only line in the opener/closer);
  dates inside paragraphs are deadlines or events and are never used. Undated letters: None.
- Countries are those named in paragraphs, address blocks, the salutation and postscripts,
  not in a letterhead or signature, and not inside an organisation's name.
- Officials include the addressees, office-holders named with a title ("President Islam
  Karimov") and offices named without a holder ("the UN Special Rapporteur on Torture"), the
  latter with name "" and the office as role.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import countries
from ..letter import Block
from ..readers.literals import guarded
from . import dates, language as _language, mentions as _mentions, people
from .instruments import find_articles, find_instruments
from .orgs import find_known, find_unknown
from .roles import POSTSCRIPT, effective_kinds

__all__ = ["Extraction", "extract"]

SUBJECT_KINDS = ("p", "address", "salute", "postscript")
_BEHALF = re.compile(r"(?:on behalf of|we at|au nom de|en nombre de|от имени)\s+(?:the\s+|la\s+|de\s+la\s+)?$", re.I)
# Roles whose holder belongs to the country a letter is about (not "Members of the Council").
_GOVERNMENT_ROLE = re.compile(
    r"^(?:(?:deputy|acting|first)\s+)?(?:president|prime minister|minister|king|queen|emir|sultan|governor|"
    r"mayor|prosecutor|procurator|attorney general|speaker|chief justice|pr[ée]sident[ea]?|ministr[eoa]|"
    r"premier ministre|secretari[oa]|fiscal|procureur|procurador|gouverneur|gobernador|chief of|"
    r"inspector general|ombuds|commissioner|defensor|уполномоченн|"
    r"президент|министр|премьер|генеральн)", re.I)
_INTERNATIONAL_ROLE = people.names.INTERNATIONAL_ROLE
_HONORIFIC_NAME = guarded(re.compile(rf"(?<![\w-])(?:Mr|Mrs|Ms|Dr|Mme|Sr|Sra)\.?\s+(?P<name>{people.NAME})"))


@dataclass
class Extraction:
    date: str | None = None
    language: str = "en"
    title: str | None = None
    place: str = ""
    sender_organisations: list = field(default_factory=list)   # [{"name", "ref"}]
    signatories: list = field(default_factory=list)            # [{"name", "role"}]
    addressees: list = field(default_factory=list)             # [{"name", "role", "country"}]
    countries: list = field(default_factory=list)              # [{"code", "name"}]
    officials: list = field(default_factory=list)              # [{"name", "role", "country"}]
    instruments: list = field(default_factory=list)            # [{"id","name","short","wikidata","articles"}]
    organisations: list = field(default_factory=list)          # [{"name", "ref"}]
    mentions: list = field(default_factory=list)               # [Mention]


def extract(blocks: list[Block], authority, language: str | None = None) -> Extraction:
    """Extract a letter's metadata and inline mentions from its blocks."""
    kinds = effective_kinds(blocks)
    body = "\n\n".join(b.text for b, k in zip(blocks, kinds) if k in SUBJECT_KINDS) or \
        "\n\n".join(b.text for b in blocks)
    out = Extraction(language=language or _language.detect(body), date=dates.letter_date(blocks, kinds))
    out.place = _place(blocks, kinds)

    signers, sender_orgs, person_spans = people.signatories(blocks, kinds, authority)
    addressees, addressee_spans = people.addressees(blocks, kinds)
    person_spans += addressee_spans
    text_officials = []
    for bi, (block, kind) in enumerate(zip(blocks, kinds)):
        if kind in ("p", "postscript"):
            for official, (s, e) in people.officials(block.text, allow_comma=not _is_cc(block, kind)):
                text_officials.append(official)
                person_spans.append((bi, s, e))
            for m in _HONORIFIC_NAME.finditer(block.text):
                person_spans.append((bi, m.start("name"), m.end("name")))

    seen_instruments: list[str] = []
    inst_order: dict[str, list] = {}
    org_refs, unknown_names, place_counts, first_seen = [], [], {}, {}
    for bi, (block, kind) in enumerate(zip(blocks, kinds)):
        text = block.text
        before = seen_instruments[-1] if seen_instruments else ""
        inst = find_instruments(text, authority, seen_instruments)
        arts = find_articles(text, inst, before)
        spans = _mentions.resolve(
            text, arts, inst, find_known(text, authority),
            [(s, e) for b, s, e in person_spans if b == bi], find_unknown(text), countries.find_all(text))
        out.mentions += _mentions.to_mentions(bi, spans)
        for sp in spans:
            if sp.kind == "instrument":
                inst_order.setdefault(sp.key, [])
            elif sp.kind == "article":
                arts_of = inst_order.setdefault(sp.key, [])
                if sp.n not in arts_of:
                    arts_of.append(sp.n)
            elif sp.kind == "org" and kind in SUBJECT_KINDS:
                if _BEHALF.search(text[max(0, sp.start - 20):sp.start]):
                    name = authority.org(sp.key)["name"] if sp.key else (sp.name or text[sp.start:sp.end])
                    _add_org(sender_orgs, {"name": name, "ref": sp.key})
                elif sp.key:
                    org_refs.append(sp.key)
                else:
                    unknown_names.append(sp.name or text[sp.start:sp.end])
            elif sp.kind == "place" and kind in SUBJECT_KINDS and sp.subject and not _is_cc(block, kind):
                place_counts[sp.key] = place_counts.get(sp.key, 0) + 1
                first_seen.setdefault(sp.key, (bi, sp.start))

    out.sender_organisations = sender_orgs
    out.signatories = signers
    sender_refs = {o["ref"] for o in sender_orgs if o["ref"]}
    sender_names = {o["name"].casefold() for o in sender_orgs}
    for ref in dict.fromkeys(org_refs):
        if ref not in sender_refs:
            out.organisations.append({"name": authority.org(ref)["name"], "ref": ref})
    for name in dict.fromkeys(unknown_names):
        if name.casefold() not in sender_names:
            out.organisations.append({"name": name, "ref": ""})

    main = sorted(place_counts, key=lambda c: (-place_counts[c], first_seen[c]))
    if not main:
        # a letter that names no country may still name its capital ("à Dakar et à Ziguinchor")
        capitals = [c for b, k in zip(blocks, kinds) if k == "p" for _, _, c in countries.find_capitals(b.text)]
        main = list(dict.fromkeys(capitals))[:1]
    for a in addressees:
        if not a["country"] and main and _GOVERNMENT_ROLE.search(a["role"] or "") \
                and not _INTERNATIONAL_ROLE.search(a["role"] or ""):
            a["country"] = main[0]   # "Dear President ..." in a letter about one country
    out.addressees = addressees
    # 3/4/2020 is 4 March when an English letter writes to the United States or spells dates US-style
    letter_text = "\n".join(b.text for b in blocks)
    if out.language == "en" and (any(a["country"] == "US" for a in addressees) or dates.US_STYLE.search(letter_text)):
        out.date = dates.letter_date(blocks, kinds, month_first=True)
    codes = [a["country"] for a in addressees if a["country"]] + main
    out.countries = [{"code": c, "name": countries.name(c)} for c in dict.fromkeys(codes)]

    for ident, arts in inst_order.items():
        inst = authority.instrument(ident)
        if inst:
            out.instruments.append({"id": ident, "name": inst["name"], "short": inst["short"],
                                    "wikidata": inst["wikidata"], "articles": arts})
    out.officials = _officials(addressees, text_officials, org_refs, authority)
    return out


def _is_cc(block, kind) -> bool:
    # copies to ambassadors name their countries without the letter being about them
    return kind == "postscript" and bool(POSTSCRIPT.match(block.text))


def _add_org(items: list, org: dict):
    if all(o["name"].casefold() != org["name"].casefold() and (not org["ref"] or o["ref"] != org["ref"])
           for o in items):
        items.append(org)


def _place(blocks, kinds) -> str:
    for block, kind in zip(blocks, kinds):
        if kind == "dateline":
            for line in block.text.split("\n"):
                place = dates.dateline_place(line)
                if place:
                    return place
    return ""


def _officials(addressees, text_officials, org_refs, authority) -> list:
    """Addressees first, then officials named in the text, then offices named without a holder."""
    out = []
    for o in [*addressees, *text_officials]:
        o = {"name": o["name"], "role": o["role"], "country": o["country"]}
        same = [x for x in out if x["name"] and o["name"] and
                (x["name"] == o["name"] or x["name"].endswith(" " + o["name"]) or o["name"].endswith(" " + x["name"]))]
        if same:
            for key in ("role", "country"):
                same[0][key] = same[0][key] or o[key]
            continue
        out.append(o)
    roles = {o["role"].casefold() for o in out}
    for office in people.office_holders(list(dict.fromkeys(org_refs)), authority):
        org = authority.find_org(office["role"])
        names = {n.casefold() for n in [org["name"], *org["aliases"]]} if org else set()
        if not (names & roles):
            out.append(office)
    return out
