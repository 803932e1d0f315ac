"""Organisations: those in the authority file, and unknown ones recognised by their shape.

Unknown organisations ("Human Rights Association of Turkey", "Islamic Movement of
Uzbekistan") matter twice: they are organisations the letter mentions, and a country inside
their name is not a country the letter is about.
"""
from __future__ import annotations

import re

from .. import countries
from ..readers.literals import guarded
from .alternation import Alternation

_CAP = r"[A-ZÀ-ÞА-ЯЁ][\w'’-]*"
ORG_KEYWORDS = ("Association|Movement|Committee|Party|Union|Council|Centre|Center|Institute|Foundation|"
                "Society|Front|League|Network|Coalition|Federation|Alliance|Organisation|Organization|"
                "Watch|Initiative|Forum|Fund|Trust|Clinic|Project|Campaign|Brotherhood|Army|Brigade|"
                "Observatory|Bar|Congress|Assembly|Consortium|Collective|Group|Monitor|Defenders|Partnership")
# guarded: a text without an organisation keyword (most paragraphs) is not searched
_UNKNOWN = guarded(re.compile(
    rf"(?<![\w-])(?:{_CAP}\s+(?:(?:in|for|of|on|against|and)\s+)?){{0,5}}{_CAP}\s+(?:{ORG_KEYWORDS})"
    rf"(?:\s+(?:{ORG_KEYWORDS}))*(?![\w-])"
    rf"(?:\s+(?:of|for|on|in|against)\s+(?:the\s+)?{_CAP}(?:\s+(?:and\s+)?{_CAP}){{0,3}})?"))
# French and Spanish names put the keyword first: "Comisión Colombiana de Juristas".
ROMANCE_KEYWORDS = ("Comisión|Comité|Asociación|Fundación|Centro|Corporación|Colectivo|Observatorio|"
                     "Movimiento|Instituto|Federación|Liga|Coordinadora|Red|Unión|Consejo|Association|"
                     "Fédération|Ligue|Collectif|Observatoire|Mouvement|Réseau|Institut|Centre|Union|"
                     "Conseil|Coalition|Coalición|Plataforma|Plateforme|Alianza|Alliance")
_UNKNOWN_ROMANCE = guarded(re.compile(
    rf"(?<![\w-])(?:{ROMANCE_KEYWORDS})(?:\s+(?:(?:de|del|des|du|pour|para|por|y|et|la|las|los|le|les|l'|d')\s+)*{_CAP}){{1,6}}"))
# Capitalised phrases of treaty language that have an org keyword but name no organisation.
_NOT_ORGS = {"state party", "states parties", "working group", "contact group", "the state party",
             "general assembly", "the general assembly", "security council", "the security council"}
_LEADING = re.compile(r"^(?:The|In|On|At|For|By|We|As|And|But|While|With|From|To|Of|Our|Your|This|That)\s+")


def _form_pattern(form: str) -> str:
    if form.lower().startswith("the "):
        return r"(?<=[Tt]he )" + re.escape(form[4:]).replace(r"\ ", r"\s+")
    return re.escape(form).replace(r"\ ", r"\s+")


def _build_matcher(authority) -> tuple:
    """(Alternation, [(org id, form)]): every name, longest first, as one alternation."""
    ordered = sorted(_forms(authority), key=lambda f: len(f[0]), reverse=True)
    # case-sensitive throughout: organisation names are always capitalised in letters
    return Alternation([(_form_pattern(form), False) for form, _ in ordered]), ordered


def _forms(authority) -> tuple:
    forms = []
    for org in authority.organisations:
        for form in [org["name"], org["abbr"], *org["aliases"]]:
            if form and len(form) > 1:
                forms.append((form, org["id"]))
    return tuple(forms)


def find_known(text: str, authority) -> list[tuple[int, int, str]]:
    """Spans (start, end, org id) of authority organisations named in `text`."""
    matcher, keys = authority.derived("extract.orgs", _build_matcher)
    out = []
    for start, end, n in matcher.finditer(text):
        form, ident = keys[n]
        if form == "Article 19" and not _whole_line(text, start, end):
            continue  # "Article 19 of the ICCPR" is an article, not the organisation
        out.append((start, end, ident))
    return out


def _whole_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    return not text[line_start:start].strip(" \t-•*") and not text[end:line_end].strip(" \t,;.")


def find_unknown(text: str) -> list[tuple[int, int, str]]:
    """Spans (start, end, name) of capitalised phrases shaped like organisation names."""
    out = []
    matches = sorted([*_UNKNOWN.finditer(text), *_UNKNOWN_ROMANCE.finditer(text)], key=lambda m: m.start())
    for m in matches:
        start, name = m.start(), m.group(0)
        lead = _LEADING.match(name)
        while lead:  # sentence-initial words are not part of the name
            start += lead.end()
            name = name[lead.end():]
            lead = _LEADING.match(name)
        if len(name.split()) < 2 or name.lower() in _NOT_ORGS:
            continue
        head = re.split(r"\s+(?:of|for|on|in|against)\s+", name)[0]
        if countries.lookup(head) or countries.lookup(name):
            continue   # "the Russian Federation" is a country, not an organisation
        out.append((start, m.end(), name))
    return out


def is_org_line(line: str, authority) -> dict | None:
    """{'name', 'ref'} if a whole line is an organisation's name (signature blocks, letterheads)."""
    line = line.strip().strip(",;").strip()
    if not line or len(line) > 120:
        return None
    org = authority.find_org(line)
    if org:
        return {"name": org["name"], "ref": org["id"]}
    for s, e, ident in find_known(line, authority):
        if s == 0 and e >= len(line.rstrip(" .")):
            return {"name": authority.org(ident)["name"], "ref": ident}
    for s, e, name in find_unknown(line):
        if s == 0 and e == len(line):
            return {"name": name, "ref": ""}
    return None
