"""Text differences between two versions of a letter body: blocks aligned, words compared.

The unit is the block (a paragraph, salutation, closing...). Blocks are compared through a
comparison key that hides what a reader cannot see:

- whitespace reflow: line breaks, runs of spaces, non-breaking spaces, leading and trailing
  space all count as one space;
- Unicode normalisation: text is compared in NFC, so NFD and NFC spellings are equal;
- invisible characters (soft hyphen, zero-width space/joiner, byte-order mark) are dropped;
- typographic quotes: curly and straight quotes (and low-9 and prime look-alikes) are equal.
  Decision: a reader does not perceive "straight" vs "curly" as a change to the letter, and
  converters (Word, web pages, PDF) swap them freely, so such edits are reported as nothing.

Letter case, dashes, digits and punctuation other than quotes are visible and do count.

Alignment: difflib matches equal blocks; inside each unequal run, old and new blocks are paired
in order by word similarity (>= PAIR_MIN) so a reworded paragraph is one "replace"; what is
left over anywhere in the letter and is near-identical (>= MOVE_MIN) becomes a "move" (plus a
"replace" when its words also changed); the rest are "insert"s and "delete"s.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from difflib import SequenceMatcher

PAIR_MIN = 0.4   # word similarity for pairing blocks in place (a rewording, not a new paragraph)
MOVE_MIN = 0.9   # word similarity for calling a relocated block the same block

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
})
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
_NONSPACE_TOKEN = re.compile(r"\w+|[^\w\s]")


def display_form(text: str) -> str:
    """The text as compared, but keeping its own quotes: NFC, one space, no invisibles."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text or ""))
    return _SPACE.sub(" ", text).strip()


def compare_key(text: str) -> str:
    """The comparison key of a text: equal keys mean no reader-visible difference."""
    return display_form(text).translate(_QUOTES)


def _tokens(text: str) -> list:
    # Whitespace is kept as its own token so the word diff re-joins into the exact text.
    return _TOKEN.findall(display_form(text))


def _words(key: str) -> list:
    return [t.casefold() for t in _TOKEN.findall(key) if not t.isspace()]


def word_list(text: str) -> list:
    """The words of a text (no punctuation), case-folded, as compared."""
    # The words of compare_key(text), without its other steps: whitespace is in no token and
    # a quote is a token of its own either way, never a word (a letter's fingerprint for
    # families and diffs computes this for every letter).
    key = _INVISIBLE.sub("", unicodedata.normalize("NFC", text or ""))
    return [t for t in map(str.casefold, _NONSPACE_TOKEN.findall(key)) if t[0].isalnum() or t[0] == "_"]


def similarity(a: str, b: str) -> float:
    """Word-level similarity (0..1) of two texts, ignoring case and invisible differences."""
    wa, wb = _words(compare_key(a)), _words(compare_key(b))
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def word_diff(old: str, new: str) -> list:
    """Word-level diff as [op, text] pairs (equal/delete/insert); equal text is the new one's."""
    ot, nt = _tokens(old), _tokens(new)
    okeys = [t.translate(_QUOTES) for t in ot]
    nkeys = [t.translate(_QUOTES) for t in nt]
    hunks = []   # ("equal", text) or ("change", deleted, inserted)
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, okeys, nkeys, autojunk=False).get_opcodes():
        if tag == "equal":
            hunks.append(("equal", "".join(nt[j1:j2])))
        else:
            hunks.append(("change", "".join(ot[i1:i2]), "".join(nt[j1:j2])))
    # A lone space between two replacements reads better folded in: "[-the old-][+a new+]".
    merged = []
    for h in hunks:
        if (h[0] == "change" and len(merged) >= 2 and merged[-1][0] == "equal"
                and merged[-1][1].isspace() and merged[-2][0] == "change"
                and all((merged[-2][1], merged[-2][2], h[1], h[2]))):
            space = merged.pop()[1]
            prev = merged.pop()
            h = ("change", prev[1] + space + h[1], prev[2] + space + h[2])
        merged.append(h)
    out = []
    for h in merged:
        if h[0] == "equal":
            out.append(["equal", h[1]])
        else:
            if h[1]:
                out.append(["delete", h[1]])
            if h[2]:
                out.append(["insert", h[2]])
    return out


def words_changed(words: list) -> int:
    """How many words a word diff changes (per hunk, the larger of the two sides)."""
    def count(text):
        # A punctuation-only edit is still one changed "word" for the reader.
        return max(1, sum(1 for w in text.split() if any(ch.isalnum() for ch in w)))

    total, dele, ins = 0, 0, 0
    for op, text in words + [["equal", ""]]:
        if op == "delete":
            dele += count(text)
        elif op == "insert":
            ins += count(text)
        else:
            total, dele, ins = total + max(dele, ins), 0, 0
    return total


class _Similarity:
    """Cached word similarity of old block i and new block j, with cheap upper bounds first."""

    def __init__(self, old_words, new_words):
        self.old, self.new, self.cache = old_words, new_words, {}
        self.bags = ([Counter(w) for w in old_words], [Counter(w) for w in new_words])

    def __call__(self, i, j, floor=0.0):
        value, tested = self.cache.get((i, j), (0.0, 2.0))
        if tested <= floor:
            return value
        a, b = self.old[i], self.new[j]
        size = len(a) + len(b)
        if not size:
            return 1.0
        # Lengths, then shared words, bound the ratio from above: most pairs stop here.
        bound = 2 * min(len(a), len(b)) / size
        if bound >= floor:
            bound = 2 * sum((self.bags[0][i] & self.bags[1][j]).values()) / size
        if bound >= floor:
            bound = SequenceMatcher(None, a, b, autojunk=False).ratio()
        # Under the floor only "too low" is known; it stays valid for any higher floor.
        value = bound if bound >= floor else 0.0
        self.cache[i, j] = (value, floor if value == 0.0 else 0.0)
        return value


def _pair_in_place(old_ids, new_ids, sim):
    """Order-preserving pairing of two runs maximising total similarity (small DP)."""
    p, q = len(old_ids), len(new_ids)
    best = [[0.0] * (q + 1) for _ in range(p + 1)]
    for i in range(1, p + 1):
        for j in range(1, q + 1):
            s = sim(old_ids[i - 1], new_ids[j - 1], PAIR_MIN)
            diag = best[i - 1][j - 1] + s if s >= PAIR_MIN else -1.0
            best[i][j] = max(best[i - 1][j], best[i][j - 1], diag)
    pairs, i, j = [], p, q
    while i and j:
        if best[i][j] == best[i - 1][j]:
            i -= 1
        elif best[i][j] == best[i][j - 1]:
            j -= 1
        else:
            pairs.append((old_ids[i - 1], new_ids[j - 1]))
            i, j = i - 1, j - 1
    return pairs[::-1]


def diff_blocks(old: list, new: list) -> tuple:
    """Text changes between two lists of (index, kind, text) blocks, and the paired indexes."""
    old = [b for b in old if compare_key(b[2])]
    new = [b for b in new if compare_key(b[2])]
    okeys = [compare_key(b[2]) for b in old]
    nkeys = [compare_key(b[2]) for b in new]
    sim = _Similarity([_words(k) for k in okeys], [_words(k) for k in nkeys])

    matcher = SequenceMatcher(None, okeys, nkeys, autojunk=False)
    runs = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    equal_pairs = [(a + k, b + k) for a, b, size in matcher.get_matching_blocks()
                   for k in range(size)]
    free_old = {i for _, i1, i2, _, _ in runs for i in range(i1, i2)}
    free_new = {j for _, _, _, j1, j2 in runs for j in range(j1, j2)}
    moves, replaces = [], []

    # Identical text elsewhere is a move before anything else can claim it.
    for i in sorted(free_old):
        for j in sorted(free_new):
            if okeys[i] == nkeys[j]:
                moves.append((i, j))
                free_old.discard(i)
                free_new.discard(j)
                break
    for _, i1, i2, j1, j2 in runs:
        o = [i for i in range(i1, i2) if i in free_old]
        n = [j for j in range(j1, j2) if j in free_new]
        for i, j in _pair_in_place(o, n, sim):
            replaces.append((i, j))
            free_old.discard(i)
            free_new.discard(j)
    near = sorted(((sim(i, j, MOVE_MIN), i, j) for i in free_old for j in free_new
                   if sim(i, j, MOVE_MIN) >= MOVE_MIN), reverse=True)
    for _, i, j in near:
        if i in free_old and j in free_new:
            moves.append((i, j))
            free_old.discard(i)
            free_new.discard(j)

    events = []   # (sort key, change)
    for i, j in replaces:
        events.append(((j, 1, i), _replace(old[i], new[j])))
    for i, j in moves:
        events.append(((j, 1, i), _change("move", old[i], new[j])))
        if okeys[i] != nkeys[j]:
            events.append(((j, 2, i), _replace(old[i], new[j])))
    for j in free_new:
        events.append(((j, 1, -1), _change("insert", None, new[j])))
    # A deleted block sits just after the new position of the block before it that stayed
    # in place (moved blocks are no landmark: their new position is elsewhere).
    in_place = dict(equal_pairs + replaces)
    pos = 0
    for i in range(len(old)):
        if i in in_place:
            pos = in_place[i] + 1
        elif i in free_old:
            events.append(((pos, 0, i), _change("delete", old[i], None)))
    changes = [c for _, c in sorted(events, key=lambda e: e[0])]
    pairs = [(old[i][0], new[j][0]) for i, j in equal_pairs + replaces + moves]
    return changes, pairs


def _change(kind, old_block, new_block):
    src = new_block if new_block is not None else old_block
    return {
        "kind": kind,
        "before": old_block[2] if old_block is not None else None,
        "after": new_block[2] if new_block is not None else None,
        "field": None,
        "block": src[0],
        "block_kind": src[1],
        "from_block": old_block[0] if old_block is not None else None,
        "to_block": new_block[0] if new_block is not None else None,
    }


def _replace(old_block, new_block):
    change = _change("replace", old_block, new_block)
    change["words"] = word_diff(old_block[2], new_block[2])
    return change


def apply_changes(old: list, changes: list) -> list:
    """Rebuild the new block texts from the old ones and the text changes (the inverse check)."""
    taken = {c["from_block"] for c in changes if c.get("from_block") is not None}
    filled = {c["to_block"]: c["after"] for c in changes if c.get("to_block") is not None}
    kept = iter(t for k, t in enumerate(old) if k not in taken)
    size = len(old) - len(taken) + len(filled)
    return [filled[k] if k in filled else next(kept) for k in range(size)]
