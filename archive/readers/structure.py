"""A letter's plain text -> structure Blocks, with web-page clutter removed.

The text is cut into units: a line, or a run of hard-wrapped lines re-joined into one
paragraph. Each unit is tagged (salutation, closing, date line, prose, name-like ...)
and the letter is then found by position: the opener sits before the salutation (or
before the first paragraph), the body runs to the closing word or to the signature
(short name-like lines after the last paragraph), and only cc/P.S. lines survive after
the signature. Clutter before the opener and after the signature goes.

A 'Re:'/'Subject:' line before the salutation is kept as the first line of the salute
block (the opener has no subject kind, and a paragraph there would end the opener);
after the salutation, or with no salutation, it is an ordinary paragraph.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive.letter import Block
from archive.readers.clutter import CLUTTER_PATTERNS, clutter_name, clutter_names  # noqa: F401 (re-exported)

_I = re.IGNORECASE
_MONTHS = (
    r"jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|aug(?:ust|\.)?"
    r"|sep(?:t(?:ember)?|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?"
    r"|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
    r"|januar|februar|märz|juni|juli|oktober|dezember"
    r"|январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|сентябр[ья]|октябр[ья]"
    r"|ноябр[ья]|декабр[ья]")
_DATE_CORE = (rf"(?:\d{{1,2}}(?:st|nd|rd|th|er|º|°|\.)?\s+(?:de\s+)?(?:{_MONTHS})\.?,?\s+(?:de\s+|del\s+)?\d{{4}}"
              rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|(?:{_MONTHS})\s+\d{{4}}"
              r"|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4})")
DATELINE = re.compile(rf"(?:(?:date|fecha|дата)\s*:\s*)?(?:[^\d\n]{{2,40}}?[,\s]\s*)?"
                      rf"(?:(?:le|den|el|a)\s+)?{_DATE_CORE}\s*(?:г\.|года|г)?\.?", _I)
SALUTE = re.compile(
    r"(?:my )?dear\b.*|(?:your|their) (?:excellency|excellencies|majesty|highness|hono(?:u)?r)\b.*"
    r"|excellenc(?:y|ies)\b.*|(?:hono(?:u)?rable|distinguished|esteemed)\b.*[,:]"
    r"|(?:mr\.?|madam|madame|mister) (?:president|chair\w*|secretary|minister|prime minister"
    r"|ambassador|speaker|governor|prosecutor|attorney|commissioner|high commissioner|director)\b.*"
    r"|to whom it may concern\W*|(?:dear )?sir(?: or madam)?\W*|(?:hello|greetings)\b.*[,:!]"
    r"|(?:monsieur|madame|mesdames|messieurs|cher|chère|chers|chères|excellence)\b.*"
    r"|(?:estimad|querid|distinguid|apreciad|excelentísim)[oa]s?\b.*|(?:excelencia|señora?|señores)\b.*"
    r"|(?:уважаем|многоуважаем|глубокоуважаем|дорог)\w*\b.*|(?:ваше превосходительство|господин|госпожа)\b.*"
    r"|(?:sehr geehrte|liebe)\w*\b.*", _I)
_STRONG_SALUTE = re.compile(r"(?:my )?dear\b|(?:estimad|querid)|уважаем|многоуважаем|sehr geehrte", _I)
CLOSING = re.compile(
    r"(?:(?:yours|very) )*(?:sincerely|faithfully|truly|respectfully|cordially)(?: yours)?"
    r"|respectfully (?:submitted|yours)|(?:with )?(?:kind |best |warm |warmest )?(?:regards|wishes)"
    r"|with (?:respect|thanks|appreciation)|in solidarity|thank you"
    r"|cordialement|bien (?:cordialement|à vous)|(?:très )?respectueusement"
    r"|(?:avec )?(?:nos|mes)? ?(?:sincères |respectueuses |meilleures )?salutations(?: \w+)?"
    r"|(?:veuillez|je vous prie|nous vous prions|recevez|daignez)\b.{0,250}"
    r"(?:agréer|recevoir|expression|salutations|considération|respect).{0,80}"
    r"|(?:muy )?atentamente|cordialmente|respetuosamente|saludos(?: cordiales| atentos)?"
    r"|un (?:cordial|atento) saludo|les? saluda(?:mos)? atentamente|sin otro particular.{0,120}"
    r"|reciban? (?:un )?(?:cordial|atento) saludo.{0,80}"
    r"|с (?:глубоким )?уважением|искренне ваш[аи]?|с наилучшими пожеланиями"
    r"|mit freundlichen grüßen|hochachtungsvoll|mit besten grüßen"
    # A joint letter often introduces its list of signatories like this.
    r"|(?:signed(?: by)?|signatories|signatory organi[sz]ations|co-?signed(?: by)?"
    r"|the undersigned(?: organi[sz]ations)?|(?:organisations )?signataires"
    r"|(?:organizaciones )?firmantes|подписали|подписи)", _I)
_CLOSING_LINE = re.compile(rf"(?:{CLOSING.pattern})[\s,.;:!…]*", _I)
POSTSCRIPT = re.compile(r"(?:cc|c\.c\.|bcc|copy to|copies to|copies?|copie à|con copia a|c\.c\.p\.|копи[яи]"
                        r"|enclosures?|encl|annex(?:es)?|pièces? jointes?|anexos?)\s*[:.]"
                        r"|(?:p\.\s?p\.\s?s|p\.\s?s|pps|ps)\s*[.:-]|p\.\s?s\.", _I)
SUBJECT = re.compile(r"(?:re|subject|subj|objet|object|asunto|ref|référence|тема)\s*[:.]\s*\S", _I)
ADDRESSEE = re.compile(
    r"(?:to:|attn|attention|h\.\s?e\.|(?:his|her|their) excellenc|excellenc|the (?:right )?hono(?:u)?rable"
    r"|hon\.|mr\b|mrs\b|ms\b|dr\b|prof\b|president|prime minister|minister|ministry|secretary"
    r"|ambassador|permanent representative|members of|government|office of|à l'attention"
    r"|monsieur|madame|m\.\s|mme\b|son excellence|s\.\s?e\.|excm[oa]|sr\.|sra\.|señora?\b|presidente"
    r"|ministr[oa]\b|embajador|al? (?:señor|presidente|ministro)|господину|госпоже|г-ну|г-же"
    r"|президенту|министру|председателю|генеральному|прокурору|послу|уважаемому)", _I)
_BULLET = re.compile(r"(?:[-*•·–]|\d{1,2}[.)]|\(?[a-z]\))\s")
_HONORIFIC = {"dr", "prof", "mr", "mrs", "ms", "sir", "dame", "m", "mme", "mlle", "sr", "sra", "dra",
              "rev", "hon", "h.e", "г-н", "г-жа"}
_PARTICLES = {"de", "da", "das", "do", "dos", "del", "della", "di", "du", "des", "van", "von", "der",
              "den", "ter", "le", "la", "bin", "ibn", "al", "el", "y", "e", "zu", "ben", "abu"}
# Words that make a short line a role or an organisation, not a person's name.
_ROLE_ORG = set("""director directrice directeur directora executive president présidente président presidente
chair chairman chairperson chairwoman secretary secrétaire secretario secretaria general coordinator
coordinateur coordinatrice coordinador coordinadora officer researcher chercheur chercheuse investigador
investigadora advisor adviser counsel lawyer avocat avocate abogado abogada head manager deputy senior
associate fellow representative représentant représentante representante founder fondateur fondatrice
fundador fundadora member membre miembro program programme programa division department office bureau
oficina team campaign campagne unit project watch rights droits derechos human humains humanos
international internationale internacional amnesty federation fédération federación foundation fondation
fundación institute institut instituto centre center centro committee comité comisión commission council
conseil consejo association asociación society société sociedad network réseau league ligue liga union
coalition coalición alliance alianza forum foro organisation organization organización group groupe grupo
movement mouvement movimiento defenders défenseurs defensores initiative iniciativa partnership trust fund
fonds observatory observatoire observatorio clinic action ngo ong helsinki pen article reporters
journalists journalistes periodistas university université universidad ministry ministère ministerio
government gouvernement gobierno embassy ambassade embajada minister ministre ministro ambassador
ambassadeur embajador""".split())
_ROLE_ORG_STEMS = ("директор", "председател", "президент", "руководител", "координатор", "правозащит",
                   "центр", "фонд", "комитет", "обществ", "ассоциац", "организац", "движени", "союз",
                   "сеть", "групп", "программ", "отдел", "советник", "юрист", "адвокат", "эксперт")


@dataclass
class Unit:
    text: str
    chunk: int                          # index of the blank-line-separated chunk it came from
    tags: set = field(default_factory=set)


@dataclass
class Segmentation:
    blocks: list[Block]
    dropped: list[str]                  # units removed as clutter, in order


def segment(text: str) -> list[Block]:
    """Turn a letter's plain text into structure Blocks (clutter removed)."""
    return analyse(text).blocks


def analyse(text: str) -> Segmentation:
    """Segment `text` and also report which units were dropped as clutter."""
    units = _units(text)
    sizes: dict[int, int] = {}
    for u in units:
        sizes[u.chunk] = sizes.get(u.chunk, 0) + 1
    for u in units:
        _tag(u, sizes[u.chunk] == 1)
    return _assemble(units)


# -- units -----------------------------------------------------------------------------

def _units(text: str) -> list[Unit]:
    chunks, cur = [], []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip()
        if line:
            cur.append(line)
        elif cur:
            chunks.append(cur)
            cur = []
    if cur:
        chunks.append(cur)
    width = _wrap_width([ln for c in chunks for ln in c])
    units = []
    for ci, lines in enumerate(chunks):
        acc = lines[0]
        for prev, nxt in zip(lines, lines[1:]):
            if width and _continues(prev, nxt, width):
                # textwrap and mail clients break after a hyphen: keep it, add no space.
                acc += nxt if re.search(r"\w-$", prev) else " " + nxt
            else:
                units.append(Unit(acc, ci))
                acc = nxt
        units.append(Unit(acc, ci))
    return units


def _wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped text was wrapped at, or None if lines are not wrapped."""
    lens = [len(ln) for ln in lines if len(ln) >= 40]
    # Wrapped text has almost no line over 100 columns and several close to the margin.
    if len(lens) < 3 or sum(n > 100 for n in lens) > max(1, len(lens) // 10):
        return None
    width = max(n for n in lens if n <= 100)
    return width if sum(n >= 0.8 * width for n in lens if n <= 100) >= 3 else None


def _continues(prev: str, nxt: str, width: int) -> bool:
    # A wrapper breaks a line only when the next word would not have fitted on it.
    if _BULLET.match(nxt) or len(prev) < width * 0.6:
        return False
    return len(prev) + 1 + len(nxt.split()[0]) > width


# -- tags ------------------------------------------------------------------------------

def _tag(u: Unit, alone: bool) -> None:
    t = u.text
    words = t.split()
    if len(words) >= 14 or (len(words) >= 8 and re.search(r"[.!?…:;][\"'”’»)]*$", t)):
        u.tags.add("prose")
    if len(t) <= 80 and DATELINE.fullmatch(t):
        u.tags.add("dateline")
    if len(t) <= 90 and SALUTE.fullmatch(t) and (re.search(r"[,:;!—]$", t) or alone
                                                 or _STRONG_SALUTE.match(t)):
        u.tags.add("salute")
    if len(t) <= 400 and _CLOSING_LINE.fullmatch(t):
        u.tags.add("closing")
    if POSTSCRIPT.match(t):
        u.tags.add("postscript")
    if SUBJECT.match(t):
        u.tags.add("subject")
    if ADDRESSEE.match(t):
        u.tags.add("addressee")
    if _person_like(t):
        u.tags.add("person")
    elif len(t) <= 120 and not re.search(r"[.!?]$", t) and _has_role_org(t):
        u.tags.add("org")
    body, edge = clutter_names(t)
    if body:
        u.tags.add("clutter-body")
    if edge:
        u.tags.add("clutter-edge")


def _has_role_org(t: str) -> bool:
    for w in re.findall(r"[^\W\d_]+", t.lower()):
        if w in _ROLE_ORG or w.startswith(_ROLE_ORG_STEMS):
            return True
    return False


def _person_like(t: str) -> bool:
    """A line that reads as a person's name: 2-5 capitalised words, no role or organisation words."""
    if len(t) > 60 or re.search(r"[\d,;:@/|()!?]", t) or _has_role_org(t):
        return False
    words = t.split()
    while words and words[0].lower().rstrip(".") in _HONORIFIC:
        words = words[1:]
    if not 2 <= len(words) <= 5:
        return False
    caps = 0
    for w in words:
        if w.lower() in _PARTICLES:
            continue
        if not re.fullmatch(r"[^\W\d_](?:[^\W\d_]|['’.-])*", w) or not w[0].isupper():
            return False
        caps += 1
    return caps >= 2 and not (t.endswith(".") and len(words[-1]) > 3)


# -- assembly --------------------------------------------------------------------------

def _assemble(units: list[Unit]) -> Segmentation:
    n = len(units)
    has = lambda i, tag: tag in units[i].tags  # noqa: E731
    edge = lambda i: has(i, "clutter-edge") or has(i, "clutter-body")  # noqa: E731
    salute = next((i for i in range(n) if has(i, "salute")), None)
    if salute is not None:
        start = salute + 1
    else:
        start = next((i for i in range(n) if has(i, "prose") and not edge(i)), None)
        if start is None:
            start = next((i for i in range(n) if not edge(i)), n)
    closing = _closing(units, start)
    sig = closing + 1 if closing is not None else _signature_start(units, start)
    end = closing if closing is not None else (sig if sig is not None else n)
    blocks, dropped = [], []
    _opener(units, salute if salute is not None else start, blocks, dropped)
    if salute is not None:
        blocks.append(Block("salute", units[salute].text))
    body = []
    for i in range(start, end):
        (dropped if has(i, "clutter-body") else body).append(units[i].text)
    if sig is None:
        # No signature fences the page footer off: trim clutter from the end only.
        tail = []
        while body and clutter_name(body[-1], "edge"):
            tail.append(body.pop())
        dropped += reversed(tail)
    blocks += [Block("p", t) for t in body]
    if closing is not None:
        blocks.append(Block("closing", units[closing].text))
    if sig is not None:
        _closer(units, sig, blocks, dropped)
    return Segmentation(blocks, dropped)


def _closing(units: list[Unit], start: int) -> int | None:
    """The closing word: the last one after the body, moved back over a run of closer lines."""
    cands = [i for i in range(start, len(units)) if "closing" in units[i].tags]
    if not cands:
        return None
    c = cands[-1]
    for p in reversed(cands[:-1]):
        if any("prose" in units[j].tags for j in range(p + 1, c)):
            break
        c = p
    return c


def _signature_start(units: list[Unit], start: int) -> int | None:
    """First name-like line after the body that only closer material or clutter follows."""
    n = len(units)
    # quiet[j]: from unit j on, no paragraph comes before the page footer (or the end).
    quiet = [True] * (n + 1)
    for j in range(n - 1, 0, -1):
        v = units[j]
        if "clutter-edge" in v.tags or "clutter-body" in v.tags:
            quiet[j] = True
        elif "prose" in v.tags and "postscript" not in v.tags and units[j - 1].chunk != v.chunk:
            quiet[j] = False
        else:
            quiet[j] = quiet[j + 1]
    for i in range(max(start, 1), n):
        t = units[i].tags
        if "prose" not in t and {"person", "org"} & t and "clutter-edge" not in t and quiet[i + 1]:
            return i
    return None


def _opener(units: list[Unit], stop: int, blocks: list, dropped: list) -> None:
    """Letterhead, date line, address and subject before the salutation or first paragraph."""
    first = 0
    for i in range(stop):
        t = units[i].tags
        if "clutter-edge" in t or "clutter-body" in t or ("prose" in t and "subject" not in t
                                                          and not _long_address_line(units[i])):
            first = i + 1
    dropped += [u.text for u in units[:first]]
    groups: list[list] = []        # [kind, chunk, [texts]]
    subjects = []
    seen_date = seen_addr = False
    for u in units[first:stop]:
        if "dateline" in u.tags:
            groups.append(["dateline", u.chunk, [u.text]])
            seen_date = True
        elif "subject" in u.tags:
            subjects.append(u.text)
        elif groups and groups[-1][1] == u.chunk and groups[-1][0] != "dateline":
            groups[-1][2].append(u.text)
            if "addressee" in u.tags and groups[-1][0] == "letterhead" and len(groups[-1][2]) <= 2:
                groups[-1][0] = "address"
        else:
            kind = "address" if ("addressee" in u.tags or seen_date or seen_addr) else "letterhead"
            groups.append([kind, u.chunk, [u.text]])
        if groups and groups[-1][0] == "address":
            seen_addr = True
    for kind, _, texts in groups:
        if kind == "letterhead" and blocks and blocks[-1].kind == "letterhead":
            blocks[-1] = Block("letterhead", blocks[-1].text + "\n" + "\n".join(texts))
        else:
            blocks.append(Block(kind, "\n".join(texts)))
    if subjects and stop < len(units) and "salute" in units[stop].tags:
        units[stop].text = "\n".join(subjects + [units[stop].text])
    else:
        blocks += [Block("p", s) for s in subjects]


def _long_address_line(u: Unit) -> bool:
    # "To: Permanent Representatives of Member and Observer States of the ..." is long but no sentence
    return "addressee" in u.tags and not re.search(r"[.!?]$", u.text) and len(u.text) <= 200


def _closer(units: list[Unit], sig: int, blocks: list, dropped: list) -> None:
    """Signature blocks (one per signatory, or one for a list of organisations), then cc/P.S."""
    mode = None                    # "person" or "list" while a signed block is open
    state = "signed"               # "signed", "postscript", "footer"
    prev = None
    for u in units[sig:]:
        t = u.tags
        new_chunk = prev is None or prev.chunk != u.chunk
        if state == "footer" or "clutter-edge" in t or "clutter-body" in t:
            state = "footer"
            dropped.append(u.text)
        elif "postscript" in t:
            blocks.append(Block("postscript", u.text))
            state = "postscript"
        elif state == "postscript":
            if "prose" in t and new_chunk:
                dropped.append(u.text)
            else:
                blocks[-1] = Block("postscript", blocks[-1].text + "\n" + u.text)
        elif "prose" in t:
            dropped.append(u.text)  # prose after the signature is page text, not the letter
        elif "closing" in t and mode is None:
            blocks.append(Block("closing", u.text))
        elif mode is None or (mode == "person" and "person" in t
                              and (new_chunk or "person" not in prev.tags)):
            blocks.append(Block("signed", u.text))
            mode = "list" if "person" not in t and "org" in t else "person"
        else:
            blocks[-1] = Block("signed", blocks[-1].text + "\n" + u.text)
        prev = u
