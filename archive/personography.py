"""The officials personography: one TEI person per official, grown letter by letter.

`merge` adds the officials of one letter to a list (authority/officials/<country>/<initial>.xml in
the archive repository); `match` finds the person an official already is. The same minister written
"Bakhtiyor Mirzaev", "B. Mirzaev", "Mirzayev" or "Бахтиёр Мирзаев" is one person: names are
compared on a transliterated, spelling-folded surname key plus a compatible first initial and
country. Each person keeps every spelling seen (persName variants), each office with the dates
of the letters that name it (occupation/roleName), the country, and the letters (idno).
"""
from __future__ import annotations

import functools
import re
import unicodedata

from lxml import etree

from .safexml import parse

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_T = "{%s}" % TEI_NS
PERSNAME = _T + "persName"
_NS = {"t": TEI_NS}

_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
                      "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
# Transliteration variants that name the same person: Mirzayev/Mirzaev, Yusupov/Jusupov.
_FOLDS = [("yev", "ev"), ("iev", "ev"), ("yov", "ov"), ("iy", "i"), ("yy", "y"), ("kh", "h"), ("dzh", "j"),
          ("zh", "j"), ("ou", "u"), ("ya", "ia"), ("yu", "iu"), ("w", "v"), ("ck", "k"), ("ph", "f")]
_HONORIFIC = re.compile(r"^(?:mr|mrs|ms|dr|h\.?e|sr|sra|m|mme|г-н|г-жа|господин|госпожа)\.?\s+", re.I)


def _latin(text: str) -> str:
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text.lower())
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _fold(word: str) -> str:
    word = re.sub(r"[^a-z]", "", _latin(word))
    for a, b in _FOLDS:
        word = word.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", word)       # doubled letters: Abdullayev / Abdulaev


@functools.lru_cache(maxsize=1 << 16)
def name_key(name: str) -> tuple[str, str]:
    """(folded surname, first initial or '') of a person's name."""
    words = _HONORIFIC.sub("", name.strip()).replace(".", ". ").split()
    if not words:
        return "", ""
    surname = _fold(words[-1])
    first = _fold(words[0])[:1] if len(words) > 1 else ""
    return surname, first


_IDNO, _OCCUPATION, _NATIONALITY = _T + "idno", _T + "occupation", _T + "nationality"


def _head(person) -> list:
    """A person's children before its letters (`idno`, last in the schema's order): an official
    named in thousands of letters has as many `idno`s, which a merge need not look through."""
    head = []
    for child in person:
        if child.tag == _IDNO:
            break
        head.append(child)
    return head


def _people(root) -> list:
    return root.findall(".//t:listPerson/t:person", _NS)


def _compatible(person, official: dict) -> bool:
    surname, first = name_key(official["name"])
    if not surname:
        return False
    head = _head(person)
    keys = [name_key(p.text or "") for p in head if p.tag == PERSNAME]
    if not any(k[0] == surname and (not first or not k[1] or k[1] == first) for k in keys):
        return False
    country = next((c for c in head if c.tag == _NATIONALITY), None)
    have = country.get("key") if country is not None else ""
    return not (have and official.get("country") and have != official["country"])


def _match(root, official: dict) -> str | None:
    return _choose([p for p in _people(root) if _compatible(p, official)], official)


def _choose(candidates: list, official: dict) -> str | None:
    """The xml:id of the person an official is, among the compatible people (document order)."""
    if not candidates:
        return None
    role = (official.get("role") or "").casefold()
    # two ministers with the same surname: the one who held this office wins
    same_role = [p for p in candidates
                 if any((r.text or "").casefold() == role for o in _head(p) if o.tag == _OCCUPATION
                        for r in o.iterfind("t:roleName", _NS))]
    return (same_role or candidates)[0].get(XML_ID)


def match(listperson_xml: bytes | None, official: dict) -> str | None:
    """The xml:id of the person `official` ({'name','role','country'}) already is, or None."""
    if not listperson_xml or not official.get("name"):
        return None
    return _match(parse(listperson_xml, "officials.xml"), official)


def _empty() -> etree._Element:
    root = etree.Element(_T + "TEI", nsmap={None: TEI_NS})
    header = etree.SubElement(root, _T + "teiHeader")
    fd = etree.SubElement(header, _T + "fileDesc")
    etree.SubElement(etree.SubElement(fd, _T + "titleStmt"), _T + "title").text = \
        "Officials named in advocacy letters"
    etree.SubElement(etree.SubElement(fd, _T + "publicationStmt"), _T + "p").text = \
        "Personography of the Advocacy Letters Archive, grown as letters are ingested."
    etree.SubElement(etree.SubElement(fd, _T + "sourceDesc"), _T + "p").text = \
        "Built from the officials extracted from, or set by archivists on, the archived letters."
    body = etree.SubElement(etree.SubElement(root, _T + "text"), _T + "body")
    etree.SubElement(body, _T + "listPerson", type="officials")
    return root


def _new_id(taken, name: str) -> str:
    surname, _ = name_key(name)
    words = [_fold(w) for w in name.split() if _fold(w)]
    base = "-".join([surname] + [w for w in words[:-1]][:2]) or "person"
    base = base if re.match(r"[a-z]", base) else "p-" + base
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    return ident


def _date_range(el, date: str | None) -> None:
    if not date:
        return
    lo, hi = el.get("notBefore"), el.get("notAfter")
    el.set("notBefore", min(lo, date) if lo else date)
    el.set("notAfter", max(hi, date) if hi else date)


def _insert(person, el) -> None:
    """Keep the TEI order the schema needs: persName, occupation, nationality, idno."""
    if el.tag == _IDNO:   # last in the order
        person.append(el)
        return
    order = ["persName", "occupation", "nationality", "idno"]
    rank = order.index(etree.QName(el).localname)
    after = [c for c in _head(person) if order.index(etree.QName(c).localname) <= rank]
    if after:
        after[-1].addnext(el)
    else:
        person.insert(0, el)


class Register:
    """One register file, held parsed while the officials of one or many letters are merged in.

    People are looked up by surname key and by id, and each person's letters by a set: a
    country's register of a large archive holds hundreds of people naming thousands of
    letters, and a bulk ingest merges into it letter after letter."""

    def __init__(self, listperson_xml: bytes | None):
        self.root = parse(listperson_xml, "officials.xml") if listperson_xml else _empty()
        self.listperson = self.root.find(".//t:listPerson", _NS)
        self.by_id: dict = {}       # xml:id -> person
        # folded surname -> xml:ids of the people with a name of it, in file order (a variant
        # joins a person only if its surname is one the person already has)
        self.by_surname: dict = {}
        self.letters: dict = {}     # xml:id -> the letters listed (made when first needed)
        for person in _people(self.root):
            self._remember(person)

    def _remember(self, person) -> None:
        ident = person.get(XML_ID)
        self.by_id[ident] = person
        for name in person.findall("t:persName", _NS):
            idents = self.by_surname.setdefault(name_key(name.text or "")[0], [])
            if ident not in idents:
                idents.append(ident)

    def people(self) -> list:
        return _people(self.root)

    def adopt(self, person) -> None:
        """Move in a person of another register (its xml:id made unique here if it must be)."""
        ident = person.get(XML_ID)
        if ident in self.by_id:
            person.set(XML_ID, _new_id(self.by_id, person.findtext(PERSNAME) or ""))
        self.listperson.append(person)
        self._remember(person)

    def match(self, official: dict) -> str | None:
        """As `match`: the xml:id of the person `official` already is, or None."""
        surname = name_key(official.get("name") or "")[0]
        people = [self.by_id[i] for i in self.by_surname.get(surname, ())]
        return _choose([p for p in people if _compatible(p, official)], official)

    def add(self, officials: list[dict], letter_id: str, date: str | None) -> None:
        """Add or merge in the named officials of one letter."""
        for official in officials:
            name = " ".join((official.get("name") or "").split())
            if not name:
                continue   # an office without a holder is not a person
            ident = self.match(official)
            person = self.by_id.get(ident) if ident else None
            if person is None:
                person = etree.SubElement(self.listperson, _T + "person")
                person.set(XML_ID, _new_id(self.by_id, name))
                etree.SubElement(person, PERSNAME).text = name
                self._remember(person)
            elif name not in [p.text for p in _head(person) if p.tag == PERSNAME]:
                variant = etree.Element(PERSNAME, type="variant")
                variant.text = name
                _insert(person, variant)
            role = " ".join((official.get("role") or "").split())
            if role:
                occ = next((o for o in _head(person) if o.tag == _OCCUPATION
                            and (o.findtext("t:roleName", namespaces=_NS) or "").casefold() == role.casefold()),
                           None)
                if occ is None:
                    occ = etree.Element(_OCCUPATION)
                    etree.SubElement(occ, _T + "roleName").text = role
                    _insert(person, occ)
                _date_range(occ, date)
            if official.get("country") and not any(c.tag == _NATIONALITY for c in _head(person)):
                _insert(person, etree.Element(_NATIONALITY, key=official["country"]))
            if letter_id:
                ident = person.get(XML_ID)
                if ident not in self.letters:
                    self.letters[ident] = {i.text for i in person.iterfind("t:idno", _NS)}
                if letter_id not in self.letters[ident]:
                    self.letters[ident].add(letter_id)
                    idno = etree.SubElement(person, _IDNO, type="letter")  # idno comes last
                    idno.text = letter_id

    def to_bytes(self) -> bytes:
        etree.indent(self.root, space="  ")
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")


def merge(listperson_xml: bytes | None, officials: list[dict], letter_id: str, date: str | None) -> bytes:
    """The personography with the named officials of one letter added or merged in (TEI bytes)."""
    register = Register(listperson_xml)
    register.add(officials, letter_id, date)
    return register.to_bytes()
