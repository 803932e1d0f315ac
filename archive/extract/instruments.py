"""Legal instruments and the articles cited from them.

Instruments are recognised by every title the authority file gives (official title, short
names, abbreviations, French/Spanish/Russian titles). An article belongs to the instrument
named right after it ("article 14 of the Universal Declaration") or, in "ICCPR, article 9"
style, right before it.
"""
from __future__ import annotations

import re

from ..countries import _is_cyrillic, _ru_stem
from ..readers.literals import guarded
from .alternation import Alternation

# Generic short titles ("the Covenant") point back at the covenant the letter last named.
_ANAPHORIC = {"Covenant", "Convention", "Charter", "Protocol", "Declaration", "Statute"}


def _form_pattern(form: str) -> tuple[str, bool]:
    """(regex, case-sensitive?) for one way of writing a title."""
    if _is_cyrillic(form):
        # Russian titles decline: match each word's stem with any short ending
        words = []
        for w in form.split():
            stem = w[:len(_ru_stem(w))] if len(w) > 4 else w
            tail = r"[а-яё]{0,3}" if len(w) > 4 else (r"[а-яё]{0,2}" if len(w) > 2 else "")
            words.append(re.escape(stem) + tail)
        return r"\s+".join(words), False
    if form.lower().startswith("the "):
        return r"(?<=[Tt]he )" + re.escape(form[4:]), True
    esc = re.escape(form).replace(r"\ ", r"\s+")
    if " " not in form or form.upper() == form:
        return esc, True  # abbreviations: "CAT" is not "cat"
    return esc, False


def _build_matcher(authority) -> tuple:
    """(Alternation, [(instrument id, form)]): every title, longest first, as one alternation."""
    alternatives, keys = [], []
    for form, ident in sorted(_forms(authority), key=lambda f: len(f[0]), reverse=True):
        pattern, exact = _form_pattern(form)
        alternatives.append((pattern, not exact))
        keys.append((ident, form))
    return Alternation(alternatives), keys


def _forms(authority) -> tuple:
    forms = []
    for inst in authority.instruments:
        for form in [inst["name"], *inst["aliases"]]:
            if form:
                forms.append((form, inst["id"]))
    return tuple(forms)


def find_instruments(text: str, authority, previous: list[str] | None = None) -> list[tuple[int, int, str]]:
    """Spans (start, end, instrument id) of instruments named in `text`.

    `previous` is the list of instrument ids already seen in the letter (updated in place),
    used to resolve "the Covenant" to the covenant named before.
    """
    matcher, keys = authority.derived("extract.instruments", _build_matcher)
    seen = previous if previous is not None else []
    out = []
    for start, end, n in matcher.finditer(text):
        ident, form = keys[n]
        word = form[4:] if form.lower().startswith("the ") else ""
        if word in _ANAPHORIC:
            earlier = [i for i in reversed(seen) if word.lower() in _name_words(authority, i)]
            ident = earlier[0] if earlier else ident
        out.append((start, end, ident))
        seen.append(ident)
    return _anaphora(text, out, seen, authority)


# "the Convention", "du Pacte", "la Convención", "Пакта": the instrument of that kind named last.
_GENERIC = {
    "Convention": r"Convention|Convención|Convenio|Конвенци[яиюей]",
    "Covenant": r"Covenant|Pacte|Pacto|Пакт[ауео]?м?",
    "Charter": r"Charter|Charte|Carta|Харти[яиюей]",
    "Protocol": r"Protocol|Protocole|Protocolo|Протокол[ауео]?м?",
    "Statute": r"Statute|Statut|Estatuto|Статут[ауео]?м?",
    "Declaration": r"Declaration|Déclaration|Declaración|Деклараци[яиюей]",
}
_GENERIC_RE = guarded(re.compile(   # guarded: most paragraphs name no treaty word
    r"(?<![\w-])(?:(?:the|this|that|la|le|du|de\s+la|del|el|al|cette|ce|esta|este|dicha|dicho)\s+)?"
    r"(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _GENERIC.items()) + r")(?![\w-])"
    # "the Convention of Kampala", "la Convention de Genève": a title the file does not know
    r"(?!\s+(?:of|de|del|du|des|sur|sobre|relative|relativa|against|contre|contra|para|pour|for)\s+[A-ZÀ-Þ])"))


def _anaphora(text: str, spans: list, seen: list, authority) -> list:
    out = list(spans)
    for m in _GENERIC_RE.finditer(text):
        start = m.start(m.lastgroup)
        if any(s < m.end() and start < e for s, e, _ in out):
            continue
        word = m.lastgroup
        earlier = [i for i in reversed(seen) if word.lower() in _name_words(authority, i)]
        if earlier:
            out.append((start, m.end(), earlier[0]))
    return sorted(out)


def _name_words(authority, ident: str) -> set:
    inst = authority.instrument(ident)
    return set(inst["name"].lower().split()) if inst else set()


# --- articles -----------------------------------------------------------------------------

_ART_WORD = (r"(?:[Aa]rticles?|[Aa]rts?\.|[Aa]rtículos?|[Aa]rticulos?|"
             r"[Сс]тать(?:ям|ях|ями)|[Сс]тать[яиеюй]|[Сс]татьёй|[Сс]татьей|[Сс]татей|ст\.)")
_PAREN = r"\(\s*(?:\d{1,3}|[a-z]|[ivx]{1,5})\s*\)"
_NUM = rf"\d{{1,3}}(?!\d)(?:\.\d{{1,2}}(?!\d))?(?:\s*{_PAREN})*(?:\s*(?:bis|ter))?(?:,?\s*(?:paragraph|para\.|§|párrafo|alinéa|пункт|п\.)\s*\d{{1,2}})?"
_JOIN = (r"(?:\s*,\s*|\s+(?:and|or|et|ou|y|o|и|или)\s+|\s*,\s*(?:and|et|y|и)\s+)"
         # "Article 5 and Article 18", "el artículo 19 y el artículo 20": the word repeated
         rf"(?:(?:the\s+|l'|el\s+|la\s+|les\s+|los\s+)?{_ART_WORD}\s*)?")
ARTICLE = guarded(re.compile(   # guarded: most paragraphs have no "article" word
    rf"(?<![\w-])(?P<common>[Cc]ommon\s+)?{_ART_WORD}\s*(?P<nums>{_NUM}(?:{_JOIN}(?:{_NUM}|{_PAREN}))*)"
    rf"(?P<commontail>\s+(?:common\s+to|commun\s+aux|común\s+a)\s+(?:the\s+|los\s+|las\s+)?(?:four\s+|quatre\s+|cuatro\s+)?)?"))
_ONE = re.compile(rf"{_NUM}|{_PAREN}")
# what may separate "article 9" from the instrument it belongs to
_AFTER_GAP = re.compile(
    r"^\s*,?\s*(?:(?:of|to|in|under|de|del|du|des|de\s+la|de\s+l'|d'|к)\s*)?"
    r"(?:the\s+|la\s+|le\s+|el\s+|l'|los\s+|las\s+|les\s+)?(?:UN\s+|United\s+Nations\s+)?$")
_BEFORE_GAP = re.compile(r"^\s*(?:,|\(|,\s*in|,\s*under)?\s*$")
_THEREOF = re.compile(r"^\s*(?:thereof|of\s+(?:that|this|the\s+same|the\s+said|said)\s+"
                      r"(?:Convention|Covenant|Charter|Protocol|Declaration|Statute|treaty|instrument))", re.I)


def canonical(raw: str, base: str = "") -> str:
    """Canonical article number: '9(1)', '3(1)(a)'; a bare '(4)' continues `base`."""
    raw = " ".join(raw.split())
    m = re.match(r"(\d{1,3})(?:\.(\d{1,2}))?", raw)
    if m is None:
        number, rest = base, raw
    else:
        number, rest = m.group(1), raw[m.end():]
        if m.group(2):
            rest = f"({m.group(2)})" + rest
    parts = re.findall(r"\(\s*(\w+)\s*\)", rest)
    para = re.search(r"(?:paragraph|para\.|§|párrafo|alinéa|пункт|п\.)\s*(\d{1,2})", rest)
    if para:
        parts.append(para.group(1))
    suffix = re.search(r"\b(bis|ter)\b", rest)
    return number + (suffix.group(1) if suffix else "") + "".join(f"({p})" for p in parts)


def find_articles(text: str, instrument_spans: list, last_instrument: str = "") -> list[tuple[int, int, str, str]]:
    """Spans (start, end, instrument id, canonical article) of article references in `text`."""
    out = []
    for m in ARTICLE.finditer(text):
        common = bool(m.group("common") or m.group("commontail"))
        owner = _owner(text, m, instrument_spans, last_instrument)
        if common:
            owner = "geneva-conventions"
        if not owner:
            continue
        base = ""
        first = True
        for piece in _ONE.finditer(m.group("nums")):
            n = canonical(piece.group(0), base)
            base = re.match(r"\d+", n).group(0) if re.match(r"\d+", n) else base
            if not n:
                continue
            start = m.start() if first else m.start("nums") + piece.start()
            end = m.start("nums") + piece.end()
            out.append((start, end, owner, f"common {n}" if common else n))
            first = False
    return out


def _owner(text: str, m: re.Match, spans: list, last_instrument: str) -> str:
    end = m.end("nums")
    for s, e, ident in spans:
        if s >= end and _AFTER_GAP.match(text[end:s]):
            return ident
    for s, e, ident in reversed(spans):
        if e <= m.start() and _BEFORE_GAP.match(text[e:m.start()]):
            return ident
    earlier = [ident for s, e, ident in spans if e <= m.start()]
    if _THEREOF.match(text[end:]):
        return earlier[-1] if earlier else last_instrument
    if _OTHER_OWNER.match(text[end:]):
        return ""   # "article 87 bis du code pénal", "статья 318 УК": another text's article
    # "article 14(3)(g) protects...", "en su artículo 24": the instrument the letter is discussing
    return earlier[-1] if earlier else last_instrument


# What follows an article that belongs to a text other than an instrument of the authority file.
_OTHER_OWNER = re.compile(
    r"^\s*,?\s*(?:(?:[Oo]f|in|under|de|del|du|des|de\s+la|de\s+l['’]|d['’]|al|à|to)\s+"
    r"(?:(?:the|la|le|el|les|los|las|its|their|this|that|ce|cette|esta|este)\s+)?"
    r"(?:\d|[A-ZÀ-Þ«\"“]|(?:[a-zà-ÿ]+\s+)?(?:code|law|constitution|act|decree|código|ley|loi|décret|decreto)\b)"
    r"|\s*[А-ЯЁ«\"“])")
