"""Strings a regex's every match must contain: a cheap test that a text cannot match.

Searching a paragraph tries a pattern at every position of it, and most paragraphs match
none of the clutter patterns, name no official, no unknown organisation ... Every match of
a pattern contains one of a few strings that can be read off the pattern: "President" or
"Minister" or ...; a run of literal characters, a choice of literal words ("your
(?:gift|donation)"), or one of a group's own strings for each of its alternatives. A text
containing none of them cannot match, and is not searched.

`guarded` does this for case-sensitive `re` patterns (a plain substring test). `Literals`
does it for case-insensitive patterns by comparing in lower case, where lower case agrees
with the engine's case-insensitive comparison; it checks that per text character, by asking
the engine itself, and a text with a character where they might disagree is searched.
"""
from __future__ import annotations

import re
from itertools import product

_CLASS_ESCAPES = set("bBdDsSwWAZ")   # \w, \b ...: no literal character
_QUANTIFIER = re.compile(r"[*+?]|\{\d*(?:,\d*)?\}")
_MAX_CHOICES = 64   # strings one run may expand to ("(?:a|b) (?:c|d)" is 4)
_ENOUGH = 6         # strings this long are rare enough: a run of them is not multiplied further


class _Unknown(Exception):
    """A construct this reader does not model: the pattern gets no literals."""


class _Choice(tuple):
    """A group matching exactly one of these strings: it continues a run of literals."""


class _Needs(tuple):
    """A group each match of which contains one of these strings."""


def _class_end(pattern: str, i: int) -> int:
    """Index just after the character class opened at `i`."""
    j = i + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):   # a ']' first in a class is literal
        j += 1
    while j < len(pattern):
        if pattern[j] == "\\":
            j += 2
        elif pattern[j] == "]":
            return j + 1
        elif pattern.startswith("[:", j):   # POSIX classes (regex module): not modelled
            raise _Unknown
        else:
            j += 1
    raise _Unknown


def _group_end(pattern: str, i: int) -> int:
    """Index of the ')' closing the group opened at `i`."""
    depth, j = 0, i
    while j < len(pattern):
        ch = pattern[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "[":
            j = _class_end(pattern, j)
            continue
        depth += (ch == "(") - (ch == ")")
        if depth == 0:
            return j
        j += 1
    raise _Unknown


def _parse(pattern: str) -> list[list]:
    """The top-level alternatives of `pattern`, each a list of items: a literal character
    (str), a _Choice, a _Needs, or None for anything else (a larger class, an escape like
    \\w, a look-around, a repeated item, a group nothing can be read off)."""
    alternatives, items, i = [], [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "|":
            alternatives.append(items)
            items, i = [], i + 1
            continue
        if ch == "\\":
            nxt = pattern[i + 1:i + 2]
            if not nxt or (nxt.isalnum() and nxt not in _CLASS_ESCAPES):
                raise _Unknown   # \x41, \N{...}, \1: not modelled
            item, i = (None if nxt.isalnum() else nxt), i + 2
        elif ch == "[":
            end = _class_end(pattern, i)
            item, i = _class(pattern[i + 1:end - 1]), end
        elif ch == "(":
            end = _group_end(pattern, i)
            item, i = _group(pattern[i + 1:end]), end + 1
        elif ch in ".^$":
            item, i = None, i + 1
        elif ch in "*+?{)":
            raise _Unknown   # a quantifier with nothing before it, an unbalanced ')'
        else:
            item, i = ch, i + 1
        quantifier = _QUANTIFIER.match(pattern, i)
        if quantifier:
            # "s?" is "s" or nothing; anything repeated or more optional is nothing known
            choices = (item,) if isinstance(item, str) else item if type(item) is _Choice else None
            optional = quantifier.group() == "?" and choices is not None
            item, i = (_Choice((*choices, "")) if optional else None), quantifier.end()
            if pattern.startswith(("?", "+"), i):   # lazy or possessive
                i += 1
        elif pattern.startswith("{", i):
            raise _Unknown   # fuzzy matching (regex module) and other braces
        items.append(item)
    alternatives.append(items)
    return alternatives


def _class(body: str):
    """A character class's item: a choice of its characters if it lists a few plainly
    ("[Aa]", "[ií]"), else None."""
    if not body or len(body) > 8 or body.startswith("^") or any(c in "\\-[]" for c in body):
        return None
    return _Choice(dict.fromkeys(body))


def _group(inner: str):
    """A group's item (see _parse)."""
    if inner.startswith(("?=", "?!", "?<=", "?<!")):
        return None   # look-arounds consume nothing
    if inner.startswith("?:"):
        inner = inner[2:]
    elif inner.startswith(("?P<", "?<")):
        inner = inner[inner.index(">") + 1:]
    elif inner.startswith("?"):
        raise _Unknown   # inline flags, atomic groups ...
    alternatives = _parse(inner)
    if all(isinstance(x, str) or type(x) is _Choice for alt in alternatives for x in alt):
        strings = [s for alt in alternatives for s in _expand(alt)]
        if len(strings) <= _MAX_CHOICES:
            return _Choice(dict.fromkeys(strings))
    return _Needs(_union(alternatives)) or None


def _expand(items: list) -> list:
    """Every string a sequence of characters and choices can match."""
    return ["".join(p) for p in product(*[(x,) if isinstance(x, str) else x for x in items])]


def _shortest(strings) -> int:
    return min(map(len, strings), default=0)


def _required(items: list) -> tuple:
    """Strings one of which is in every match of a sequence of items: those of its run of
    literals, or of its group, with the longest shortest string."""
    best, run = (), [()]
    for item in [*items, None]:
        choices = (item,) if isinstance(item, str) else item if type(item) is _Choice else None
        if choices is not None and (len(choices) == 1 or (len(run) * len(choices) <= _MAX_CHOICES
                                                          and _shortest("".join(r) for r in run) < _ENOUGH)):
            run = [prefix + (c,) for prefix, c in product(run, choices)]
            continue
        for strings in (tuple(dict.fromkeys("".join(r) for r in run)), item if type(item) is _Needs else ()):
            if _shortest(strings) > _shortest(best):
                best = strings
        run = [()] if choices is None else [(c,) for c in choices]
    return best


def _union(alternatives: list) -> tuple:
    """Strings one of which is in every match of one of the alternatives; () if none known."""
    found = []
    for items in alternatives:
        strings = _required(items)
        if not strings:
            return ()   # an alternative with no literal at all: anything may match
        found += strings
    return tuple(dict.fromkeys(found))


def required_literals(pattern: str) -> tuple | None:
    """Strings (in the pattern's own case) one of which every match of `pattern` contains,
    or None when that cannot be read off the pattern."""
    try:
        return _union(_parse(pattern)) or None
    except _Unknown:
        return None


def _fewest(strings) -> tuple:
    """"cookie" is in every text "cookies" is in: testing the shorter is enough."""
    strings = set(strings)
    return tuple(sorted(s for s in strings if not any(t != s and t in s for t in strings)))


class guarded:
    """A compiled case-sensitive `re` pattern whose `finditer` and `search` first check that
    the text contains one of the strings every match needs (the pattern itself otherwise)."""

    def __init__(self, rx: re.Pattern):
        self.rx = rx
        strings = None if rx.flags & (re.IGNORECASE | re.VERBOSE) else required_literals(rx.pattern)
        self.needs = _fewest(strings) if strings else None
        # One search for any of them: the engine skips to the characters they begin with.
        self._any = re.compile("|".join(map(re.escape, self.needs))) if self.needs else None

    def possible(self, text: str) -> bool:
        """False only if the pattern cannot match in `text`."""
        return self._any is None or self._any.search(text) is not None

    def finditer(self, text: str):
        return self.rx.finditer(text) if self.possible(text) else iter(())

    def search(self, text: str):
        return self.rx.search(text) if self.possible(text) else None

    def __getattr__(self, name):   # anything else: the pattern's own (.pattern, .match ...)
        if name == "rx":
            raise AttributeError(name)
        return getattr(self.rx, name)


class Literals:
    """The required literals of several case-insensitive patterns that share an engine and its
    flags, tested in lower case. `char_pattern(ch)` compiles one literal character as the
    patterns are compiled (a compiled pattern with `fullmatch`). The engine must compare one
    character with one (`re`; `regex` without FULLCASE, where "ss" never matches "ß")."""

    def __init__(self, patterns: dict, char_pattern):
        self.of = {}   # key -> lower-case strings, or None (always search); other keys: None
        alphabet = set()
        for key, pattern in patterns.items():
            strings = required_literals(pattern)
            if strings and all(len(ch.lower()) == 1 for s in strings for ch in s):
                alphabet.update("".join(strings))
                self.of[key] = _fewest(s.lower() for s in strings)
            else:
                self.of[key] = None
        self._char_rx = [(ch.lower(), char_pattern(ch)) for ch in sorted(alphabet)]
        self._safe: set = set()
        self._unsafe: set = set()

    def _check(self, ch: str) -> bool:
        # Lower case agrees with the engine for `ch` if every literal character the engine
        # finds equal to it is its lower case. (str.lower() lowers Σ by its context.)
        ok = all(low == ch.lower() and ch != "Σ" for low, rx in self._char_rx if rx.fullmatch(ch))
        (self._safe if ok else self._unsafe).add(ch)
        return ok

    def lowered(self, text: str) -> str | None:
        """`text` in lower case, or None if lower case may disagree with the engine on it."""
        new = set(text) - self._safe
        if new and (new & self._unsafe or not all(self._check(ch) for ch in new)):
            return None
        return text.lower()

    def may_match(self, key, lowered: str | None) -> bool:
        """False only if the pattern `key` cannot match the text `lowered` was made from."""
        strings = self.of.get(key)
        return lowered is None or strings is None or any(map(lowered.__contains__, strings))
