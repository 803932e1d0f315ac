"""Recognising instruments, organisations and countries: the fast matcher finds exactly what
the one big regex finds, and extraction stays fast.

`archive.extract.alternation.Alternation` replaced `(?<![\\w-])(?:A0|A1|...)(?![\\w-])`
compiled from every title in the authority files. The reference regex is rebuilt here the way
the extractors used to build it, and both are run over real letters and over text made to be
awkward: every form in several casings, declined, glued to words and hyphens, after "the",
with odd whitespace and with characters that only fold to ASCII case-insensitively.
"""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from archive import countries
from archive.authority import Authority
from archive.extract import instruments, orgs
from archive.extract.alternation import Alternation, literal_prefix
from archive.readers import read_file

HERE = Path(__file__).resolve().parent
# ſ folds to s, K (Kelvin) to k, ı and İ to i: the engine's case folding, not str.lower()'s
_ODD = {"s": "ſ", "k": "K", "i": "ı", "I": "İ", "K": "K"}


def _one_regex(alternatives, named: bool):
    """The regex the extractors used; countries had no named groups (and need none: the surface
    form is the key), instruments and organisations one per alternative."""
    if named:
        body = "|".join(f"(?P<a{n}>(?i:{p}))" if ic else f"(?P<a{n}>{p})" for n, (p, ic) in enumerate(alternatives))
    else:
        body = "|".join(f"(?i:{p})" if ic else p for p, ic in alternatives)
    return re.compile(r"(?<![\w-])(?:" + body + r")(?![\w-])")


def _instrument_alternatives(authority):
    ordered = sorted(instruments._forms(authority), key=lambda f: len(f[0]), reverse=True)
    forms = [form for form, _ in ordered]
    return forms, [(p, not exact) for p, exact in map(instruments._form_pattern, forms)]


def _org_alternatives(authority):
    forms = [form for form, _ in sorted(orgs._forms(authority), key=lambda f: len(f[0]), reverse=True)]
    return forms, [(orgs._form_pattern(f), False) for f in forms]


def _country_alternatives():
    names, demonyms, _ = countries._tables()
    forms = set(names) | {n.upper() for n in names if not countries._is_cyrillic(n) and len(n) > 4} | set(demonyms)
    forms = sorted(forms, key=len, reverse=True)
    return forms, [(countries._pattern_for(f), False) for f in forms]


def _variants(form: str, r: random.Random) -> list[str]:
    words = form.split()
    out = [form, form.upper(), form.lower(), form.title(), "the " + form, "The " + form,
           "x" + form, form + "s", form + "-based", form + "'s", "\n".join(words), "  ".join(words),
           " ".join(w + r.choice(["", "а", "ой", "ии", "ами"]) for w in words),
           "".join(_ODD.get(ch, ch) if r.random() < 0.5 else ch for ch in form)]
    if len(words) > 1:
        out.append(" ".join(words[:-1]))   # a title cut short
    return out


def _awkward_texts(forms: list[str], seed: int) -> list[str]:
    r = random.Random(seed)
    pieces = [v for f in forms for v in _variants(f, r)]
    fillers = ["of", "and", "the", "la", "de", ",", ".", "(", ")", "-", "—", "«", "»", "under", "и", "по"]
    texts = []
    for _ in range(30):   # the reference regex is slow: ~20 µs a character for the instruments
        texts.append(" ".join(r.choice(pieces) if r.random() < 0.6 else r.choice(fillers) for _ in range(40)))
    return texts


def _letter_texts() -> list[str]:
    """The blocks of one letter in each language of the labelled set."""
    texts, seen = [], set()
    for path in sorted((HERE / "extraction" / "letters").iterdir()):
        kind = path.name[:2]   # the names begin with the language
        if path.suffix in (".txt", ".html", ".eml") and kind not in seen:
            seen.add(kind)
            texts += [b.text for b in read_file(path.read_bytes(), path.name).blocks]
    return texts


@pytest.fixture(scope="module")
def authority():
    return Authority.bundled()


@pytest.fixture(scope="module")
def letter_texts():
    return _letter_texts()


@pytest.mark.parametrize("which", ["instruments", "organisations", "countries"])
def test_the_fast_matcher_finds_what_the_one_regex_finds(which, authority, letter_texts):
    forms, alternatives = {"instruments": lambda: _instrument_alternatives(authority),
                           "organisations": lambda: _org_alternatives(authority),
                           "countries": _country_alternatives}[which]()
    named = which != "countries"
    reference, fast = _one_regex(alternatives, named), Alternation(alternatives)
    for text in letter_texts + _awkward_texts(forms, seed=len(which)):
        expected = [(m.start(), m.end(), int(m.lastgroup[1:]) if named else None) for m in reference.finditer(text)]
        got = [(s, e, n if named else None) for s, e, n in fast.finditer(text)]
        assert got == expected, text[:200]


def test_literal_prefix_reads_only_what_every_match_begins_with():
    assert literal_prefix(r"Universal\s+Declaration") == "Universal"
    assert literal_prefix(r"(?<=[Tt]he )Universal\ Declaration") == "Universal Declaration"
    assert literal_prefix(r"Всеобщ[а-яё]{0,3}\s+декларац") == "Всеобщ"
    assert literal_prefix(r"ICCPR\-OP1") == "ICCPR-OP1"
    assert literal_prefix(r"U\.S\.") == "U.S."
    assert literal_prefix(r"Pakt?") == "Pak"              # the last letter may be missing
    assert literal_prefix(r"Pakt{0,2}x") == "Pak"
    assert literal_prefix(r"Convention|Covenant") == ""   # two ways to begin: no common prefix
    assert literal_prefix(r"(?:the )?Charter") == ""


def test_the_matchers_are_built_once_per_authority(authority):
    instruments.find_instruments("the ICCPR", authority)
    orgs.find_known("Human Rights Watch", authority)
    built = (authority.derived("extract.instruments", None), authority.derived("extract.orgs", None))
    instruments.find_instruments("the ICCPR", authority)
    orgs.find_known("Human Rights Watch", authority)
    assert (authority.derived("extract.instruments", None), authority.derived("extract.orgs", None)) == built


def test_alternatives_with_groups_sharing_positions_keep_their_order():
    """Candidates at one position are tried in one regex unless one has groups of its own;
    both ways the first alternative in order wins, and long prefixes are filtered by their start."""
    long_name = "Convention on the Protection of the Rights of All Migrant Workers"
    alternatives = [(r"Convention\s+against\s+Torture", True), (r"(Convention)\s+on\s+(\w+)", False),
                    (r"Convention\s+on\s+the\s+Rights", False), (re.escape(long_name), False),
                    (r"Covenant", True), (r"Cov(e)nant\s+on", False), (r"ICCPR\-OP1", False)]
    texts = ["The Convention against torture and the Convention on the Rights of the Child",
             f"the {long_name} and the COVENANT on civil rights; ICCPR-OP1, ICCPR-OP12",
             "Covenant on Civil Rights; convention on X; Conventional; -Covenant"]
    reference, fast = _one_regex(alternatives, True), Alternation(alternatives)
    for _ in range(2):  # the second pass answers from the remembered candidates
        for text in texts:
            expected = [(m.start(), m.end(), int(m.lastgroup[1:])) for m in reference.finditer(text)]
            assert [tuple(x) for x in fast.finditer(text)] == expected, text
            assert expected
