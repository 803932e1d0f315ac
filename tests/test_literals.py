"""archive/readers/literals.py: a pattern is skipped only on texts it cannot match.

A wrong required string would silently lose officials, organisations or clutter lines on
real letters, so the shortcut is checked against the regex engines themselves: on random
patterns and texts over an alphabet with case traps (ſ, K, İ, ı), and on the extractors' own
patterns over the sample letters with their matches spliced into other text.
"""
from __future__ import annotations

import random
import re
from pathlib import Path

import regex

from archive.extract import instruments, orgs, people
import archive.extract as extract
from archive.readers.clutter import CLUTTER_PATTERNS, clutter_name, clutter_names
from archive.readers.literals import Literals, guarded, required_literals

ROOT = Path(__file__).resolve().parent.parent
ALPHABET = "abcksAS -.ſ\u212aİıiI"   # ſ and the Kelvin sign K match s and k ignoring case


def test_strings_read_off_patterns():
    assert set(required_literals(r"your (?:gift|donation)s?")) == {"your gift", "your donation"}
    assert set(required_literals(r"Chair(?:man|person)? of")) == {"Chairman of", "Chairperson of", "Chair of"}
    assert required_literals(r"(?:President|Minister)\s+\w+") == ("President", "Minister")
    assert required_literals(r"\w+|President") is None            # one alternative needs nothing
    assert required_literals(r"(?i:President)") is None           # inline flags: not modelled
    assert required_literals(r"(a)\1") is None                    # back-references: not modelled
    assert required_literals(r"(?=Minister)\w+") is None          # a look-ahead consumes nothing


def _atom(rnd: random.Random, depth: int) -> str:
    r = rnd.random()
    if r < 0.45:
        return re.escape(rnd.choice(ALPHABET))
    if r < 0.55:
        return "[" + "".join(rnd.sample("abcAB", rnd.randint(1, 3))) + "]"
    if r < 0.6:
        return rnd.choice([r"\w", r"\s", r"\b", ".", r"\d", "[a-c]", "[^a]"])
    if r < 0.65:
        return rnd.choice(["(?<=a)", "(?<!b)", "(?=c)", "(?!a)", "^", "$"])
    if depth < 3:
        return "(" + rnd.choice(["?:", "", f"?P<g{rnd.randint(0, 10**6)}>"]) + _pattern(rnd, depth + 1) + ")"
    return "a"


def _pattern(rnd: random.Random, depth: int = 0) -> str:
    alternatives = []
    for _ in range(rnd.randint(1, 3)):
        seq = ""
        for _ in range(rnd.randint(0, 5)):
            atom = _atom(rnd, depth)
            if rnd.random() < 0.3 and not atom.startswith(("(?=", "(?!", "(?<", "^", "$", r"\b")):
                atom += rnd.choice(["?", "*", "+", "{2}", "{1,2}", "??", "*?"])
            seq += atom
        alternatives.append(seq)
    return "|".join(alternatives)


def test_random_patterns_are_never_skipped_on_a_text_they_match():
    rnd = random.Random(11)
    checked = 0
    for _ in range(2500):
        p = _pattern(rnd)
        try:
            rx, rxi = re.compile(p), regex.compile(p, regex.I | regex.V0)
        except (re.error, regex.error):
            continue
        g = guarded(rx)
        lits = Literals({"p": p}, lambda ch: regex.compile(regex.escape(ch), regex.I | regex.V0))
        if g.needs is None and lits.of["p"] is None:
            continue
        checked += 1
        for _ in range(80):
            t = "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 12)))
            assert g.possible(t) or not rx.search(t), (p, t, g.needs)
            assert list(m.span() for m in g.finditer(t)) == list(m.span() for m in rx.finditer(t))
            assert lits.may_match("p", lits.lowered(t)) or not rxi.search(t), (p, t, lits.of)
    assert checked > 500   # enough patterns had strings read off them to test anything


def _paragraphs() -> list[str]:
    out = []
    for f in sorted((ROOT / "samples").glob("*.txt")) + sorted((ROOT / "tests" / "data").rglob("*.txt")):
        text = f.read_text(encoding="utf-8", errors="replace")
        out += [text] + text.split("\n\n")
    return out


def test_the_extractors_guarded_patterns_find_what_they_found_unguarded():
    guards = {f"{mod.__name__}.{name}": value for mod in (people, orgs, instruments, extract)
              for name, value in vars(mod).items() if isinstance(value, guarded)}
    assert len(guards) >= 6
    texts = _paragraphs()
    rnd = random.Random(5)
    for name, g in guards.items():
        matches = [m.group(0) for t in texts for m in g.rx.finditer(t)]
        # each match alone, with its case changed, and inside another paragraph
        trials = texts + matches + [m.swapcase() for m in matches] + \
            [rnd.choice(texts)[:200] + " " + m + " " + rnd.choice(texts)[:200] for m in matches]
        for t in trials:
            assert [m.span() for m in g.finditer(t)] == [m.span() for m in g.rx.finditer(t)], (name, t[:120])
            assert (g.search(t) is None) == (g.rx.search(t) is None), (name, t[:120])


def _clutter_unguarded(unit: str, where: str):
    """clutter_name as it was before the literal test: every pattern run."""
    text = unit.strip()
    if not text:
        return None
    for pat in CLUTTER_PATTERNS:
        if where == "body" and pat.scope != "line":
            continue
        if pat.match == "full":
            if len(text) <= 200 and pat.regex.fullmatch(text):
                return pat.name
        elif pat.regex.search(text):
            return pat.name
    return None


def test_clutter_names_are_those_every_pattern_finds():
    """The clutter patterns skipped on units without their words, and both answers in one
    call, give what running every pattern gives: on the sample letters' lines, and on the
    patterns' own words case-mangled (ſ for s, the Kelvin sign for k) among them."""
    rnd = random.Random(7)
    words = [s for p in CLUTTER_PATTERNS for s in (required_literals(p.regex.pattern) or ())]
    assert len(words) > 20
    lines = [line for t in _paragraphs() for line in t.splitlines()]
    traps = {"s": "\u017f", "k": "\u212a", "i": "\u0131", "I": "\u0130"}
    units = list(lines)
    for _ in range(4000):
        w = "".join(traps.get(c, c) if rnd.random() < 0.1 else (c.upper() if rnd.random() < 0.3 else c)
                    for c in rnd.choice(words))
        units.append(" ".join([rnd.choice(lines)[:60], w, rnd.choice(lines)[:60]][rnd.randint(0, 1):rnd.randint(2, 3)]))
    found = 0
    for unit in units:
        expected = (_clutter_unguarded(unit, "body"), _clutter_unguarded(unit, "edge"))
        assert clutter_names(unit) == expected, unit
        assert (clutter_name(unit, "body"), clutter_name(unit, "edge")) == expected, unit
        found += expected[1] is not None
    assert found > 500   # enough units are clutter for the comparison to mean something
