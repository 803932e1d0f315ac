"""People: signatories (signature blocks), addressees (address block and salutation) and the
officials a letter names in its paragraphs.

Every function returns records plus the spans of the names it found, as
(block index, start, end), so the caller can mark them inline.
"""
from __future__ import annotations

import re

from .. import countries
from .orgs import ROMANCE_KEYWORDS, is_org_line
from .roles import CLOSING, HONORIFIC, SIGNATORY_LIST

_UP = "A-ZÀ-ÞА-ЯЁ"
_LOW = "a-zß-ÿа-яё'’"
_NAME_WORD = rf"(?:[{_UP}][{_LOW}]+(?:-[{_UP}]?[{_LOW}]+)?|[{_UP}]\.)"
_PARTICLE = r"(?:van|von|der|de|del|da|di|dos|du|la|le|bin|ibn|al|el|ben|ter|y)"
NAME = rf"{_NAME_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+|al-|el-)?{_NAME_WORD}){{0,3}}"   # never across lines
_NAME_LINE = re.compile(rf"^{NAME}$")

ROLE_WORDS = re.compile(
    r"\b(?:director|directrice|directeur|directora|executive|pr[ée]sident[ea]?|chair\w*|"
    r"secretary|secrétaire|secretari[oa]|coordinator|coordinat\w+|officer|researcher|advocate|head|manager|"
    r"counsel|programme|program|division|founder|member|deputy|senior|chief|representative|minister|"
    r"procurador\w*|fiscal|secretari[oa]|coordinador\w*|coordonnat\w+|convenor|adviser|"
    r"ministre|ministr[oa]|advisor|adviser|ambassador|commissioner|rapporteur|prosecutor|procurator|"
    r"general|attorney|governor|mayor|speaker|judge|justice|ombuds\w*|king|queen|emir|sultan|prince|"
    r"директор|председатель|руководитель|президент|министр|генеральный|прокурор|посол|"
    r"office|ministry|government|department|council|parliament)\b", re.I)

# A closed list, so that "Minister of Foreign Affairs Abdulaziz Kamilov" splits at the name.
_MINISTRIES = (r"(?:Foreign\s+Affairs|Internal\s+Affairs|Home\s+Affairs|Interior|Justice|Defen[cs]e|Health|"
               r"Education|Labou?r|Finance|Economy|Culture|Information|Human\s+Rights|Women|Social\s+Affairs|"
               r"Emergency\s+Situations|Migration|Public\s+Security|State\s+Security|Foreign|Security)")
# Titles that introduce an official's name in running text: "President Islam Karimov".
TITLES = (r"(?:Acting\s+|Deputy\s+|Vice[- ]|First\s+Deputy\s+|Former\s+|former\s+)?(?:President|Prime\s+Minister|"
          r"Foreign\s+Minister|Interior\s+Minister|Justice\s+Minister|Defen[cs]e\s+Minister|"
          rf"Minister(?:\s+(?:of|for)\s+(?:the\s+)?{_MINISTRIES})?|"
          r"Prosecutor[- ]General|Procurator[- ]General|Attorney[- ]General|Chief\s+Justice|"
          r"Ambassador|Governor|Mayor|King|Queen|Crown\s+Prince|Emir|Sultan|Speaker|Chairman|Chairperson|"
          r"Ombudsman|Ombudsperson|Secretary\s+of\s+State|Secretary[- ]General|High\s+Commissioner|"
          r"Special\s+Rapporteur(?:\s+on\s+(?:the\s+)?[A-Za-z][a-z-]*(?:\s+(?:and|or|of|on|the|to)\s+[a-z][a-z-]*){0,4})?|"
          r"Commissioner|Colonel|Senator|Judge)")
_OFFICIAL = re.compile(rf"(?<![\w-])(?:(?P<adj>[A-Z][a-z]+)[ \t]+)?(?P<role>{TITLES})(?:[ \t]*,)?[ \t]+(?P<name>{NAME})"
                       rf"(?:,?[ \t]+of[ \t]+(?:the[ \t]+)?(?P<of>[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){{0,3}}))?")
_OFFICIAL_OF = re.compile(rf"(?<![\w-])(?P<role>{TITLES})[ \t]+of[ \t]+(?:the[ \t]+)?"
                          rf"(?P<of>[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){{0,2}}),[ \t]+(?P<name>{NAME})")
_TITLED_LINE = re.compile(rf"^(?P<role>{TITLES})[ \t]+(?P<name>{NAME})$")
_OFFICE_ORGS = ("sr-", "un-secretary-general", "coe-commissioner", "wgad", "wgeid")

_SALUTE = re.compile(
    rf"^(?:(?:Dear|My\s+dear|Estimad[oa]s?|Distinguid[oa]|Excelentísim[oa]|Уважаем\w+)\s+)?"
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


def strip_honorifics(line: str) -> str:
    """'H.E. Mr. Kurmanbek Bakiev' -> 'Kurmanbek Bakiev'."""
    rest = line.strip()
    hon = HONORIFIC.match(rest)
    while hon:
        rest = rest[hon.end():].strip()
        hon = HONORIFIC.match(rest)
    return rest


def signatories(blocks, kinds, authority):
    """(signatories [{'name','role'}], sender organisations [{'name','ref'}], name spans)."""
    people, orgs, spans = [], [], []
    letter_text = "\n".join(b.text for b in blocks)
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
            if kind == "letterhead":
                if li == 0 and not org:
                    org = letterhead_org(line, letter_text)
                if org:
                    _add(orgs, org)
                continue  # a letterhead names the sender organisation, not people
            if org:
                _add(orgs, org)
                current = None
                continue
            plain = strip_honorifics(line)
            name, _, role = plain.partition(",") if "," in plain else (plain, "", "")
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
                # "Director, Anti-Torture Action Network": the organisation signs too
                tail = line.rsplit(",", 1)[-1].strip() if "," in line else ""
                org = is_org_line(tail, authority) if tail else None
                if org is None and tail and re.match(rf"^(?:{ROMANCE_KEYWORDS})\b", tail):
                    org = {"name": tail, "ref": ""}
                if org:
                    _add(orgs, org)
    return people, orgs, spans


def letterhead_org(line: str, letter_text: str) -> dict | None:
    """The sender organisation named on a letterhead's first line, if it is not an address."""
    if re.search(r"\d|@|www\.|https?:", line) or not 2 <= len(line.split()) <= 12:
        return None
    name = re.sub(r"\s*\([^)]*\)\s*$", "", line)            # "(ODLAC)"
    name = re.sub(r",?\s+(?:A\.C\.|Inc\.?|Ltd\.?|e\.V\.|asbl|ONG)$", "", name).strip(" ,")
    if name.isupper():
        # "CENTRAL ASIAN PRESS FREEDOM WATCH": take the spelling the letter itself uses
        m = re.search(re.escape(name), letter_text.replace(line, ""), re.I)
        name = m.group(0) if m else name.title()
    if countries.lookup(name) or re.search(r"(?i)\b(?:street|avenue|road|rue|calle|floor|suite|box)\b", name):
        return None
    return {"name": name, "ref": ""}


def _add(items: list, item: dict):
    if all(i["name"].casefold() != item["name"].casefold() and (not item["ref"] or i["ref"] != item["ref"])
           for i in items):
        items.append(item)


_SKIP_ADDRESS_LINE = re.compile(r"(?i)^(?:re|subject|objet|asunto|тема|ref)\s*:|^presente$|^via\b|^by (?:fax|e-?mail)")
_OFFICE_LINE = re.compile(r"(?i)\b(?:ministry|office|secretariat|department|ministère|secretaría|министерство|cabinet)\b")


def addressees(blocks, kinds):
    """(addressees [{'name','role','country'}], name spans) from address blocks and the salutation."""
    found, spans = [], []
    for bi, (block, kind) in enumerate(zip(blocks, kinds)):
        if kind != "address":
            continue
        current = None
        for off, raw in _lines(block.text):
            line = raw.strip()
            if not line or _SKIP_ADDRESS_LINE.search(line):
                continue
            plain = strip_honorifics(line)
            titled = _TITLED_LINE.match(plain)
            if titled and len(titled.group("name").split()) >= 2 and not countries.lookup(titled.group("name")):
                # "President Roza Otunbayeva"
                name, role = titled.group("name"), " ".join(titled.group("role").split())
                current = {"name": name, "role": role, "country": _country_in(role)}
                found.append(current)
                spans.append((bi, off + raw.find(name), off + raw.find(name) + len(name)))
                continue
            if plain != line and re.match(rf"^{NAME}$", plain) or current is None and looks_like_name(line):
                current = {"name": plain, "role": "", "country": ""}
                found.append(current)
                spans.append((bi, off + raw.find(plain), off + raw.find(plain) + len(plain)))
            elif plain != line and current is None:
                # "To: Members of the UN Human Rights Council": an office, not a person
                current = {"name": "", "role": plain, "country": _country_in(plain)}
                found.append(current)
            elif current is None:
                continue
            elif ROLE_WORDS.search(line) and not (current["role"] and _OFFICE_LINE.search(line)):
                current["role"] = f"{current['role']}, {line}" if current["role"] else line
                current["country"] = current["country"] or _country_in(line)
            elif not current["country"] and len(line) < 60:
                current["country"] = _country_in(line)   # "Republic of Uzbekistan", "Bishkek, Kyrgyz Republic"
    for block, kind in zip(blocks, kinds):
        if kind == "salute":
            _from_salute(block.text.split("\n", 1)[0].strip(), found)
            break
    return found, spans


def _from_salute(line: str, found: list):
    if _GENERIC_SALUTE.match(line):
        return
    m = _SALUTE_FR.match(line) or _SALUTE.match(line)
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


_NOT_A_NAME = re.compile(r"\b(?:No|Commission|Committee|Council|Court|Network|Union|Republic|Federation|"
                         r"Ministry|Office|Comment|Recommendation|Convention|Covenant|Principles?)\b")


def officials(text: str, allow_comma: bool = True):
    """[(official {'name','role','country'}, (start, end) of the name)] named in one paragraph."""
    out = []
    for m in _OFFICIAL_OF.finditer(text):   # "the Prosecutor General of Uzbekistan, Rashid Kadyrov"
        of = countries.lookup(m.group("of"))
        if of and allow_comma and not ROLE_WORDS.search(m.group("name")) and not _NOT_A_NAME.search(m.group("name")):
            out.append(({"name": m.group("name"), "role": " ".join(m.group("role").split()), "country": of["code"]},
                        (m.start("name"), m.end("name"))))
    taken = [span for _, span in out]
    for m in _OFFICIAL.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        name = m.group("name")
        role = " ".join(m.group("role").split())
        if countries.lookup(name) or ROLE_WORDS.search(name) or _NOT_A_NAME.search(name):
            continue
        if not allow_comma and "," in text[m.end("role"):m.start("name")]:
            continue   # "cc: Repatriation Commissioner, Cox's Bazar": a place follows, not a name
        adj = countries.lookup(m.group("adj")) if m.group("adj") else None
        if m.group("adj") and adj is None:
            role = f"{m.group('adj')} {role}"   # "Foreign Minister", not a demonym
        of = countries.lookup(m.group("of")) if m.group("of") else None
        code = adj["code"] if adj else (of["code"] if of else _country_in(role))
        out.append(({"name": name, "role": role, "country": code}, (m.start("name"), m.end("name"))))
    return out


def office_holders(org_ids: list, authority) -> list[dict]:
    """Offices named without a holder (the Special Rapporteur on Torture): name ''."""
    return [{"name": "", "role": authority.org(i)["name"], "country": ""}
            for i in org_ids if i.startswith(_OFFICE_ORGS) and authority.org(i)]
