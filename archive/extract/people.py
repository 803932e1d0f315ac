"""People: signatories (signature blocks), addressees (address block and salutation) and the
officials a letter names in its paragraphs.

Every function returns records plus the spans of the names it found, as
(block index, start, end), so the caller can mark them inline.
"""
from __future__ import annotations

import re

from .. import countries
from .orgs import is_org_line
from .roles import CLOSING, HONORIFIC, SIGNATORY_LIST

_UP = "A-ZÀ-ÞА-ЯЁ"
_LOW = "a-zß-ÿа-яё'’"
_NAME_WORD = rf"(?:[{_UP}][{_LOW}]+(?:-[{_UP}]?[{_LOW}]+)?|[{_UP}]\.)"
_PARTICLE = r"(?:van|von|der|de|del|da|di|dos|du|la|le|bin|ibn|al|el|ben|ter|y)"
NAME = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+|al-|el-)?{_NAME_WORD}){{0,3}}"
_NAME_LINE = re.compile(rf"^{NAME}$")

ROLE_WORDS = re.compile(
    r"\b(?:director|directrice|directeur|directora|executive|president|présidente?|presidenta?|chair\w*|"
    r"secretary|secrétaire|secretari[oa]|coordinator|coordinat\w+|officer|researcher|advocate|head|manager|"
    r"counsel|programme|program|division|founder|member|deputy|senior|chief|representative|minister|"
    r"ministre|ministr[oa]|advisor|adviser|ambassador|commissioner|rapporteur|prosecutor|procurator|"
    r"general|attorney|governor|mayor|speaker|judge|justice|ombuds\w*|king|queen|emir|sultan|prince|"
    r"директор|председатель|руководитель|президент|министр|генеральный|прокурор|посол|"
    r"office|ministry|government|department|council|parliament)\b", re.I)

# Titles that introduce an official's name in running text: "President Islam Karimov".
TITLES = (r"(?:Acting\s+|Deputy\s+|Vice[- ]|First\s+Deputy\s+|Former\s+|former\s+)?(?:President|Prime\s+Minister|"
          r"Foreign\s+Minister|Interior\s+Minister|Justice\s+Minister|Defen[cs]e\s+Minister|"
          r"Minister(?:\s+(?:of|for)\s+(?:the\s+)?[A-Z][\w-]*(?:\s+(?:and\s+)?[A-Z][\w-]*){0,3})?|"
          r"Prosecutor[- ]General|Procurator[- ]General|Attorney[- ]General|Chief\s+Justice|"
          r"Ambassador|Governor|Mayor|King|Queen|Crown\s+Prince|Emir|Sultan|Speaker|Chairman|Chairperson|"
          r"Ombudsman|Ombudsperson|Secretary\s+of\s+State|Secretary[- ]General|High\s+Commissioner|"
          r"Special\s+Rapporteur(?:\s+on\s+[a-z][\w,-]*(?:\s+(?:and|or|of|on|the|to)?\s*[a-z][\w,-]*){0,5})?|"
          r"Commissioner|General|Colonel|Senator|Judge|Justice)")
_OFFICIAL = re.compile(rf"(?<![\w-])(?:(?P<adj>[A-Z][a-z]+)\s+)?(?P<role>{TITLES})(?:\s*,)?\s+(?P<name>{NAME})")
_OFFICE_ORGS = ("sr-", "un-secretary-general", "coe-commissioner", "wgad", "wgeid")

_SALUTE = re.compile(
    rf"^(?:Dear|My\s+dear|Estimad[oa]|Estimad[oa]s|Distinguid[oa]|Уважаем\w+)\s+"
    rf"(?:(?:Mr|Mrs|Ms|Dr|Sr|Sra|Señor|Señora|господин|госпожа)\.?\s+)?"
    rf"(?P<role>{TITLES}|Presidente|Ministr[oa]|Embajador[a]?|Президент|Министр)?\s*(?P<name>{NAME})?\s*[,:!.]?$")
_SALUTE_FR = re.compile(r"^(?:Monsieur|Madame)\s+(?:le\s+|la\s+)?(?P<role>[A-ZÉ][\w-]+(?:\s+[\w-]+){0,4})\s*[,:]?$")
_GENERIC_SALUTE = re.compile(r"^(?:Dear\s+(?:Sir|Madam|Sirs|Colleagues|Friends)|Your Excellency|Excellency)", re.I)


def _lines(text: str):
    """(start offset, line) for each line of a block's text."""
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def looks_like_name(line: str) -> bool:
    """A line that is a person's name: 2-5 capitalised words, no role word, not a country."""
    line = line.strip().rstrip(",")
    words = line.split()
    if not 2 <= len(words) <= 5 or ROLE_WORDS.search(line) or re.search(r"\d|@", line):
        return False
    return bool(_NAME_LINE.match(line)) and countries.lookup(line) is None


def signatories(blocks, kinds, authority):
    """(signatories [{'name','role'}], sender organisations [{'name','ref'}], name spans)."""
    people, orgs, spans = [], [], []
    for bi, (block, kind) in enumerate(zip(blocks, kinds)):
        if kind not in ("signed", "closing", "letterhead"):
            continue
        current = None
        for li, (off, raw) in enumerate(_lines(block.text)):
            line = raw.strip().strip("•*-– ").strip()
            if not line:
                continue
            if kind == "closing" and (li == 0 or CLOSING.match(line)):
                continue
            if SIGNATORY_LIST.match(line) and line.endswith(":") or SIGNATORY_LIST.fullmatch(line.rstrip(":")):
                continue
            org = is_org_line(line, authority)
            if org:
                _add(orgs, org)
                current = None
                continue
            if kind == "letterhead":
                continue  # a letterhead names the sender organisation, not people
            name, _, role = line.partition(",") if "," in line else (line, "", "")
            if looks_like_name(name):
                current = {"name": name.strip(), "role": role.strip()}
                people.append(current)
                start = off + raw.find(name.strip())
                spans.append((bi, start, start + len(name.strip())))
                org = is_org_line(role, authority) if role else None
                if org:  # "Jane Doe, Amnesty International"
                    current["role"] = ""
                    _add(orgs, org)
            elif current is not None:
                current["role"] = f"{current['role']}, {line}" if current["role"] else line
    return people, orgs, spans


def _add(items: list, item: dict):
    if all(i.get("ref") != item["ref"] or i["name"] != item["name"] for i in items):
        items.append(item)


def addressees(blocks, kinds):
    """(addressees [{'name','role','country'}], name spans) from address blocks and the salutation."""
    found, spans = [], []
    for bi, (block, kind) in enumerate(zip(blocks, kinds)):
        if kind != "address":
            continue
        current = None
        for off, raw in _lines(block.text):
            line = raw.strip()
            hon = HONORIFIC.match(line)
            rest = line[hon.end():].strip() if hon else line
            while hon:  # "H.E. Mr. Kurmanbek Bakiev"
                hon = HONORIFIC.match(rest)
                rest = rest[hon.end():].strip() if hon else rest
            country = countries.lookup(line)
            if (hon is not None or line != rest or (current is None and looks_like_name(line))) and re.match(rf"^{NAME}$", rest):
                current = {"name": rest, "role": "", "country": ""}
                found.append(current)
                start = off + raw.find(rest)
                spans.append((bi, start, start + len(rest)))
            elif country and current is not None:
                current["country"] = current["country"] or country["code"]
            elif current is not None and ROLE_WORDS.search(line) and not line.lower().startswith(("re:", "via")):
                if not (current["role"] and re.match(r"(?i)ministry|office|government", line)):
                    current["role"] = f"{current['role']}, {line}" if current["role"] else line
                if not current["country"]:
                    current["country"] = _country_in(line)
    for block, kind in zip(blocks, kinds):
        if kind == "salute":
            _from_salute(block.text.split("\n", 1)[0].strip(), found)
            break
    return found, spans


def _from_salute(line: str, found: list):
    if _GENERIC_SALUTE.match(line):
        return
    m = _SALUTE.match(line) or _SALUTE_FR.match(line)
    if not m:
        return
    role = " ".join((m.group("role") or "").split())
    name = (m.groupdict().get("name") or "").strip()
    for a in found:
        if name and (a["name"] == name or a["name"].endswith(" " + name)):
            a["role"] = a["role"] or role
            return
        if not name and role and not a["role"]:
            a["role"] = role
            return
    if (name or role) and not found:
        found.append({"name": name, "role": role, "country": _country_in(role)})


def _country_in(text: str) -> str:
    spans = countries.find_all(text)
    return spans[0][2] if spans else ""


def officials(text: str):
    """[(official {'name','role','country'}, (start, end) of the name)] named in one paragraph."""
    out = []
    for m in _OFFICIAL.finditer(text):
        name = m.group("name")
        role = " ".join(m.group("role").split())
        if countries.lookup(name) or ROLE_WORDS.search(name):
            continue
        adj = countries.lookup(m.group("adj")) if m.group("adj") else None
        code = adj["code"] if adj else _country_in(role)
        out.append(({"name": name, "role": role, "country": code}, (m.start("name"), m.end("name"))))
    return out


def office_holders(org_ids: list, authority) -> list[dict]:
    """Offices named without a holder (the Special Rapporteur on Torture): name ''."""
    return [{"name": "", "role": authority.org(i)["name"], "country": ""}
            for i in org_ids if i.startswith(_OFFICE_ORGS) and authority.org(i)]
