"""Many alternative patterns matched as one `(?<![\\w-])(?:A0|A1|...)(?![\\w-])`, but fast.

The authority files give hundreds of titles and names. Compiled into one regex, they cost most
of a second to compile, and Python's engine then tries every alternative at every position of
the text (named groups defeat its first-character skip), which made recognising instruments
and organisations most of the cost of an ingest.

`Alternation` finds exactly the matches `finditer` of that one regex would: at each position
it tries, in their original order, only the alternatives whose leading literal characters are
there (found through a trie). The first alternative that matches at the leftmost position wins
and the scan resumes at its end, as the regex engine does. Which text characters satisfy a
leading character (case-insensitively, for some alternatives) is decided by the regex engine
itself, so case folding is the engine's, not an imitation.

Three things keep it fast: positions where no prefix begins are skipped by one regex built
from the trie (in C); the candidates found at a position are remembered by the characters the
trie walk reads there, so repeated words are not walked again; and the candidates are tried
by one regex per candidate list, compiled on first use.
"""
from __future__ import annotations

import re

_START = re.compile(r"(?<![\w-])(?s:.)")   # every position the big regex could match at
_META = set(".^$*+?{}[]|()\\")
_QUANTIFIER = set("*+?{")
_MEMO_MAX = 50_000   # remembered candidate lists (text at a position -> alternatives to try)
_FILTER_DEPTH = 16   # characters of a prefix the position filter checks (nesting stays small)


def literal_prefix(pattern: str) -> str:
    """Characters every match of `pattern` begins with ('' when that cannot be read off safely).

    Leading look-arounds consume nothing and are skipped; reading stops at the first class,
    group, escape sequence or quantified character. A top-level '|' means no common prefix.
    """
    if _has_top_level_bar(pattern):
        return ""
    i = 0
    while pattern.startswith(("(?<=", "(?<!", "(?=", "(?!"), i):
        i = _group_end(pattern, i)
        if i < 0:
            return ""
    out = []
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1].isalnum():   # \s, \d, \b, \1, \x41 ...
                break
            literal, nxt = pattern[i + 1], i + 2
        elif ch in _META:
            break
        else:
            literal, nxt = ch, i + 1
        if nxt < len(pattern) and pattern[nxt] in _QUANTIFIER:
            break   # "a?" or "a{0,2}": this character may be absent
        out.append(literal)
        i = nxt
    return "".join(out)


def _structure(pattern: str, start: int = 0):
    """(index, char, depth) for each regex character outside escapes and character classes.

    `depth` is the group nesting before the character; escapes and the insides of classes
    (including a literal ']' first in a class) are skipped.
    """
    depth, in_class, j = 0, False, start
    while j < len(pattern):
        ch = pattern[j]
        if ch == "\\":
            j += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern.startswith(("[]", "[^]"), j):   # a ']' first in a class is literal
                j += 2 if pattern[j + 1] == "]" else 3
                continue
        else:
            yield j, ch, depth
            depth += (ch == "(") - (ch == ")")
        j += 1


def _group_end(pattern: str, i: int) -> int:
    """Index just after the group opening at `i`, or -1."""
    for j, ch, depth in _structure(pattern, i):
        if ch == ")" and depth == 1:
            return j + 1
    return -1


def _has_top_level_bar(pattern: str) -> bool:
    if "|" not in pattern:   # the usual case, and this is run for every alternative
        return False
    return any(ch == "|" and depth == 0 for _, ch, depth in _structure(pattern))


def _trie_regex(node: list, depth: int = 0) -> str:
    """A regex matching the first characters (at most _FILTER_DEPTH) of any literal prefix under
    `node`: a position where it fails cannot begin a match. Case is folded for the atoms marked
    so, by the engine, exactly as `_step` asks it."""
    branches = []
    for (ch, ignorecase), kid in sorted(node[0].items()):
        atom = f"(?i:{re.escape(ch)})" if ignorecase else re.escape(ch)
        if kid[1] or depth + 1 >= _FILTER_DEPTH:  # a prefix ends here, or deep enough to filter
            branches.append(atom)
        else:
            branches.append(atom + "(?:" + _trie_regex(kid, depth + 1) + ")")
    return "|".join(branches) or "(?!)"


def _first_taken_trie_regex(root: list) -> str:
    """`(?<![\\w-])(?=<trie>)` for a trie whose first characters all keep their case, but
    taking the first character (the boundary is then checked two characters back): a regex
    whose every branch begins with a literal lets the engine skip to those characters in C,
    about twice as fast over a letter's text."""
    branches = []
    for (ch, _), kid in sorted(root[0].items()):
        atom = re.escape(ch)
        branches.append(f"{atom}(?<![\\w-]{atom})" + ("" if kid[1] else f"(?={_trie_regex(kid, 1)})"))
    return "|".join(branches) or "(?!)"


class Alternation:
    """`finditer` of `(?<![\\w-])(?:A0|A1|...)(?![\\w-])` over (pattern, ignore case) pairs.

    The alternatives must not match the empty string (each begins with a literal character
    in every use here).
    """

    def __init__(self, alternatives: list[tuple[str, bool]]):
        self._sources = [f"(?<![\\w-])(?:(?i:{p}))(?![\\w-])" if ignorecase else f"(?<![\\w-])(?:{p})(?![\\w-])"
                         for p, ignorecase in alternatives]
        self._compiled: list[re.Pattern | None] = [None] * len(alternatives)
        # trie node: [children {(char, ignore case): node}, alternatives whose prefix ends here,
        #             memo {text character: children it leads to}]
        self._root: list = [{}, [], {}]
        self._anywhere: list[int] = []   # alternatives with no literal prefix: tried everywhere
        atoms = set()
        for n, (pattern, ignorecase) in enumerate(alternatives):
            prefix = literal_prefix(pattern)
            if not prefix:
                self._anywhere.append(n)
                continue
            node = self._root
            for ch in prefix:
                atom = (ch, ignorecase)
                atoms.add(atom)
                node = node[0].setdefault(atom, [{}, [], {}])
            node[1].append(n)
        # case-insensitive prefix characters, tested against text characters by the engine itself
        self._folding = [(atom, re.compile(f"(?i:{re.escape(atom[0])})")) for atom in sorted(atoms) if atom[1]]
        self._atoms_of: dict[str, tuple] = {}
        self._depth = max((len(literal_prefix(p)) for p, _ in alternatives), default=0) + 1
        self._memo: dict[str, tuple] = {}
        self._joined: dict[tuple, object] = {}
        # Positions where no literal prefix begins are skipped by the engine, in C: a lookahead
        # over the whole trie, so only a position some alternative could match at is walked here.
        if self._anywhere:
            self._starts = _START
        elif any(ignorecase for _, ignorecase in self._root[0]):
            self._starts = re.compile(r"(?<![\w-])(?=" + _trie_regex(self._root) + ")")
        else:
            self._starts = re.compile(_first_taken_trie_regex(self._root))

    def _step(self, node: list, ch: str) -> tuple:
        """The children of `node` that text character `ch` leads to (memoised per node)."""
        step = node[2].get(ch)
        if step is None:
            atoms = self._atoms_of.get(ch)
            if atoms is None:
                atoms = ((ch, False),) + tuple(atom for atom, rx in self._folding if rx.fullmatch(ch))
                self._atoms_of[ch] = atoms
            kids = node[0]
            step = node[2][ch] = tuple(kids[a] for a in atoms if a in kids)
        return step

    def _pattern(self, n: int) -> re.Pattern:
        rx = self._compiled[n]
        if rx is None:
            rx = self._compiled[n] = re.compile(self._sources[n])
        return rx

    def _candidates(self, text: str, p: int) -> tuple:
        """The alternatives, in order, whose literal prefix is at `p` (and those without one)."""
        frontier = self._root[2].get(text[p])
        if frontier is None:
            frontier = self._step(self._root, text[p])
        candidates = list(self._anywhere)
        j, size = p + 1, len(text)
        while frontier:
            for node in frontier:
                candidates += node[1]
            if j >= size:
                break
            ch = text[j]
            frontier = [kid for node in frontier for kid in (node[2].get(ch) or self._step(node, ch))]
            j += 1
        return tuple(sorted(set(candidates)))   # the regex engine tries alternatives in order

    def finditer(self, text: str):
        """(start, end, index of the alternative) for each match, as the one regex finds them."""
        pos, depth, memo = 0, self._depth, self._memo
        for start in self._starts.finditer(text):
            p = start.start()
            if p < pos:
                continue
            # The walk reads at most `depth` characters, so they decide the candidates: the
            # same words at another position (or in another letter) are not walked again.
            key = text[p:p + depth]
            candidates = memo.get(key)
            if candidates is None:
                if len(memo) >= _MEMO_MAX:
                    memo.clear()
                candidates = memo[key] = self._candidates(text, p)
            if not candidates:
                continue
            m = self._together(candidates).match(text, p)
            if m:
                yield m.start(), m.end(), int(m.lastgroup[1:])
                pos = m.end()

    def _together(self, candidates: tuple) -> re.Pattern:
        """One regex trying the candidates in their order, each in a group named after it: at
        one position an alternation takes its first branch that matches, as trying them one by
        one does. (An alternative with groups of its own keeps a regex to itself.)"""
        rx = self._joined.get(candidates)
        if rx is None:
            solo = [n for n in candidates if self._pattern(n).groups]
            if solo:  # its groups would shift the numbering: a regex that picks it
                rx = _Sequence([self._pattern(n) for n in candidates], candidates)
            else:
                rx = re.compile("|".join(f"(?P<a{n}>{self._sources[n]})" for n in candidates))
            if len(self._joined) >= _MEMO_MAX:
                self._joined.clear()
            self._joined[candidates] = rx
        return rx


class _Sequence:
    """`match` over alternatives tried one by one, the match's `lastgroup` naming the one taken."""

    def __init__(self, patterns: list, numbers: tuple):
        self.patterns = list(zip(patterns, numbers))

    def match(self, text: str, pos: int):
        for rx, n in self.patterns:
            m = rx.match(text, pos)
            if m:
                return _Taken(m, n)
        return None


class _Taken:
    def __init__(self, m, n: int):
        self.start, self.end, self.lastgroup = m.start, m.end, f"a{n}"
