"""People: signatories (signature blocks), addressees (address block and salutation) and the
officials a letter names in its paragraphs.

Every function returns records plus the spans of the names it found, as
(block index, start, end), so the caller can mark them inline.
"""
from __future__ import annotations

import re

from .. import countries
from ..readers.literals import guarded
from . import names
from .orgs import ROMANCE_KEYWORDS, is_org_line
from .roles import CLOSING, HONORIFIC, SIGNATORY_LIST

_UP = "A-ZÀ-ÞА-ЯЁĀĂĄĆČĎĐĒĖĘĚĞĢĪĮİĶĹĻĽŁŃŅŇŌŐŒŔŘŚŞŠŢŤŪŮŰŲŸŹŻŽ"
_LOW = "a-zß-ÿа-яё'’\u0100-\u017f"
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
          r"Commissioner|Colonel|Senator|Judge|Inspector[- ]General|Commander-in-Chief|Senior\s+General|"
          r"Home\s+Minister|Chief\s+of\s+(?:Army|Defen[cs]e|General|Naval|Air)\s+Staff)")
# guarded: a paragraph naming no title (most of them) is not searched
_OFFICIAL = guarded(re.compile(rf"(?<![\w-])(?:(?P<adj>[A-Z][a-z]+)[ \t]+)?(?P<role>{TITLES}(?:[ \t]+{TITLES})?)(?:[ \t]*,)?[ \t]+(?P<name>{NAME})"
                       rf"(?:,?[ \t]+of[ \t]+(?:the[ \t]+)?(?P<of>[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){{0,3}}))?"))
_OFFICIAL_OF = guarded(re.compile(rf"(?<![\w-])(?P<role>{TITLES}|Director|Head|Chair(?:man|person)?)[ \t]+of[ \t]+(?:the[ \t]+)?"
                          rf"(?P<of>[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){{0,2}}),[ \t]+"
                          rf"(?:(?:Mr|Mrs|Ms|Dr|Alhaji|Sheikh)\.?[ \t]+)?(?P<name>{NAME})"))
# "le ministre de la Justice, M. Aimé Bigirimana", "la Secretaria de Gobernación, Lorena Treviño Garza"
_OFFICIAL_ROMANCE = guarded(re.compile(
    rf"(?<![\w-])(?:le|la|du|au|à la|de la|al|el|del|a la)\s+(?P<role>(?:[Mm]inistr[eao]|[Ss]ecretari[ao]|[Ff]iscal|"
    rf"[Pp]rocureur|[Pp]rocurador[a]?|[Gg]ouverneur|[Gg]obernador[a]?|[Pp]résident[e]?|[Pp]resident[ea]|"
    rf"[Dd]irecteur|[Dd]irector[a]?|[Dd]éfenseur[e]?|[Dd]efensor[a]?)"
    rf"(?:\s+(?:de\s+la|de\s+l['’]|del|des|du|de|d['’])\s*[\w'’-]+(?:\s+(?:et|y|de|des|du|del)?\s*[\w'’-]+){{0,3}}?)?),\s+"
    rf"(?:(?:M\.|Mme|Sr\.|Sra\.|Dr\.|Dra\.|Me|Maître)\s+)?(?P<name>{NAME})"))
# "поручить Генеральному прокурору Курманбеку Осмонову"
_OFFICIAL_RU = re.compile(rf"(?P<role>{names.RU_DATIVE_ALT})\s+(?P<name>[А-ЯЁ][а-яё]+\s+[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)",
                          re.I)
# A name above begins with a character of this class (same flags): text without one has no match.
_RU_NAME_LETTER = re.compile("[А-ЯЁ]", re.I)
_TITLED_LINE = re.compile(rf"^(?P<role>{TITLES})[ \t]+(?P<name>{NAME})$")
_OFFICE_ORGS = ("sr-", "un-secretary-general", "coe-commissioner", "wgad", "wgeid")

_SALUTE = re.compile(
    rf"^(?:(?:Dear|My\s+dear|Estimad[oa]s?|Distinguid[oa]|Excelentísim[oa]|Уважаем\w+)\s+)?"
    rf"(?:(?:Mr|Mrs|Ms|Dr|Sr|Sra|Señor|Señora|господин|госпожа)\.?\s+)?"
    rf"(?P<role>(?:{TITLES}|Presidente|Ministr[oa]|Embajador[a]?|Президент|Министр)"
    rf"(?:\s+(?:de\s+la|de|del|of\s+the|of)\s+[{_UP}][\w'’ -]+?)?)?\s*(?P<name>{NAME})?\s*[,:!.]?$")
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


_ONLY_HONORIFIC = re.compile(r"(?i)^(?:señor|señora|señores|licenciad[oa]|ciudadan[oa]|presente|p\s?r\s?e\s?s\s?e\s?n\s?t\s?e|"
                             r"su despacho|ciudad|s\.\s?d\.|e\.\s?s\.\s?d\.)[\s.,:;-]*$")
_NAME_THEN_TITLE = re.compile(rf"^(?P<name>{NAME})\s+(?P<role>{TITLES}\b.*)$")


def addressees(blocks, kinds):
    """(addressees [{'name','role','country'}], name spans) from address blocks and the salutation."""
    found, spans = [], []
    for bi, (block, kind) in enumerate(zip(blocks, kinds)):
        if kind != "address":
            continue
        current, dative = None, False

        def add(name, role, off, raw):
            rec = {"name": name, "role": role, "country": _country_in(role)}
            found.append(rec)
            if name and raw.find(name) >= 0:
                spans.append((bi, off + raw.find(name), off + raw.find(name) + len(name)))
            return rec

        for off, raw in _lines(block.text):
            line = raw.strip()
            if not line or _SKIP_ADDRESS_LINE.search(line) or _ONLY_HONORIFIC.match(line):
                continue
            dative = dative or bool(names.RU_DATIVE_HONORIFIC.match(line))
            plain = strip_honorifics(line).strip(" ,;")
            head, _, tail = plain.partition(",")
            titled = _TITLED_LINE.match(plain)
            split = _NAME_THEN_TITLE.match(plain)
            if tail and re.fullmatch(NAME, head.strip()) and len(head.split()) >= 2 and ROLE_WORDS.search(tail):
                # "To: Mr. Jonas Reuter, High Representative of the Union ..."
                current = add(head.strip(), names.clean_role(tail), off, raw)
            elif titled and len(titled.group("name").split()) >= 2 and not countries.lookup(titled.group("name")):
                # "President Roza Otunbayeva"
                current = add(titled.group("name"), " ".join(titled.group("role").split()), off, raw)
            elif split and len(split.group("name").split()) >= 2 and not ROLE_WORDS.search(split.group("name")) \
                    and not countries.find_all(split.group("name")):
                # "Anisur Rahman Chowdhury Minister of Home Affairs" (a PDF line joined to the next)
                current = add(split.group("name"), split.group("role"), off, raw)
            elif names.RU_DATIVE_ROLE.match(plain) or (names.ROLE_LINE.match(plain) and not looks_like_name(plain)
                                                        and not (current and current["role"] and _OFFICE_LINE.search(plain))):
                dative = dative or bool(names.RU_DATIVE_ROLE.match(plain))
                if current is not None and current["name"] and not current["role"]:
                    current["role"] = names.clean_role(plain)
                    current["country"] = current["country"] or _country_in(plain)
                elif current is not None and not current["name"] and not _OFFICE_LINE.search(plain[:12]) \
                        and not names.ROLE_LINE.match(plain) and not names.RU_DATIVE_ROLE.match(plain):
                    current["role"] += ", " + plain
                else:
                    current = add("", names.clean_role(plain), off, raw)
            elif ((plain != line and re.fullmatch(NAME, plain)) or looks_like_name(plain)) and \
                    (current is None or plain != line or dative):
                # after the first addressee only an honorific starts a name ("Palacio Nacional" is a place)
                name = names.ru_nominative_name(plain) if dative else plain
                if current is not None and not current["name"] and current is found[-1]:
                    current["name"] = name   # "To the Chairman of ...\nMr. Andrei Pavlovsky"
                    start = off + raw.find(plain)
                    spans.append((bi, start, start + len(plain)))
                elif current is None or current["name"]:
                    before = len(spans)
                    current = add(name, "", off, raw)
                    if name != plain:
                        # the span marks the words as written (dative), not the nominative name
                        span = (bi, off + raw.find(plain), off + raw.find(plain) + len(plain))
                        if len(spans) > before:
                            spans[-1] = span
                        else:
                            spans.append(span)
            elif current is None:
                continue
            elif ROLE_WORDS.search(line) and not (current["role"] and _OFFICE_LINE.search(line)):
                current["role"] = f"{current['role']}, {line}" if current["role"] else line
                current["country"] = current["country"] or _country_in(line)
            elif not current["country"] and len(line) < 60:
                # "Republic of Uzbekistan", "Bishkek, Kyrgyz Republic", "75008 Paris"
                international = names.INTERNATIONAL_ROLE.search(current["role"])
                current["country"] = _country_in(line) or ("" if international else _capital_in(line))
    for block, kind in zip(blocks, kinds):
        if kind == "salute":
            _from_salute(block.text.split("\n", 1)[0].strip(), found)
            break
    return found, spans


def _capital_in(text: str) -> str:
    spans = countries.find_capitals(text)
    return spans[0][2] if spans else ""


def _from_salute(line: str, found: list):
    if _GENERIC_SALUTE.match(line):
        return
    m = _SALUTE_FR.match(line) or _SALUTE.match(line)
    if not m:
        return
    role = " ".join((m.group("role") or "").split())
    name = (m.groupdict().get("name") or "").strip()
    if name and countries.lookup(name):   # "Señor Presidente de la República de Cuba"
        role, name = f"{role} {name}", ""
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
        name = m.group("name")
        if allow_comma and (of or len(name.split()) >= 2) and not ROLE_WORDS.search(name) \
                and not _NOT_A_NAME.search(name) and not countries.lookup(name):
            role = " ".join(m.group("role").split()) + ("" if of else " of " + m.group("of"))
            out.append(({"name": name, "role": role, "country": of["code"] if of else _country_in(m.group("of"))},
                        (m.start("name"), m.end("name"))))
    taken = [span for _, span in out]
    russian = _OFFICIAL_RU.finditer(text) if _RU_NAME_LETTER.search(text) else ()
    for m in [*_OFFICIAL_ROMANCE.finditer(text), *russian]:
        name = m.group("name")
        if len(name.split()) < 2 or ROLE_WORDS.search(name) or _NOT_A_NAME.search(name) or countries.lookup(name) \
                or any(s < m.end() and m.start() < e for s, e in taken):
            continue
        role = names.ru_nominative_role(" ".join(m.group("role").split()))
        if role != m.group("role"):
            name = names.ru_nominative_name(name)
        out.append(({"name": name, "role": role, "country": _country_in(role)}, (m.start("name"), m.end("name"))))
        taken.append((m.start("name"), m.end("name")))
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
