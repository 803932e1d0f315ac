"""Word positions read in bulk: the phrase check of many letters at once, in numpy.

Whoosh stores a word's positions in a letter as a 4-byte count followed by the pickle of the
list of gaps (`Positions.encode`: protocol 2, its closing "." sometimes left off). Decoding
them one pickle at a time cost a first search for a phrase of common words ~1 s at 100,000
letters: ~100,000 letters hold all three words of "human rights defenders". Here the pickles
of all candidate letters are read side by side: the opcodes of a list of small integers
(K: one byte, M: two, J: four) are walked one item at a time for every list at once, and
anything else (a list of more than 1,000 items, which pickle splits, or another encoding) is
decoded by pickle itself, so the result is always the same.
"""
from __future__ import annotations

from itertools import accumulate

import numpy as np
from whoosh.compat import loads
from whoosh.system import _INT_SIZE

_HEAD = b"\x80\x02]q\x00"   # PROTO 2, EMPTY_LIST, BINPUT 0
_MARK, _APPEND, _APPENDS = ord("("), ord("a"), ord("e")
_K, _M, _J = ord("K"), ord("M"), ord("J")
_BATCH = 1000   # pickle appends at most this many items per APPENDS


def decode_one(value: bytes) -> list:
    """The positions of one stored value (Whoosh's `Positions.decode_positions`)."""
    body = value[_INT_SIZE:]
    return list(accumulate(loads(body if body.endswith(b".") else body + b".")))


def decode_many(values: list) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) arrays: every position of every value, `owner` the value's index;
    ordered by owner, then position."""
    n = len(values)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)
    buf = np.frombuffer(b"".join(values) + b"\0" * 8, dtype=np.uint8)   # padded: reads past an end
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    ends = starts + lengths
    b = buf.astype(np.int64)
    counts = (b[starts] << 24) | (b[starts + 1] << 16) | (b[starts + 2] << 8) | b[starts + 3]
    good = (lengths >= 10) & (counts >= 1) & (counts <= _BATCH)
    for k, byte in enumerate(_HEAD):
        good &= b[np.minimum(starts + 4 + k, len(b) - 1)] == byte
    several = counts > 1
    ptr = starts + 9
    good &= ~several | (b[np.minimum(ptr, len(b) - 1)] == _MARK)
    ptr = ptr + several
    sizes = np.where(good, counts, 0)             # the layout of `gaps`: fixed before the walk
    offsets = np.zeros(n, dtype=np.int64)
    np.cumsum(sizes[:-1], out=offsets[1:])
    gaps = np.zeros(int(sizes.sum()), dtype=np.int64)
    laid = np.flatnonzero(good)
    live = laid
    step = 0
    while len(live):
        p = ptr[live]
        op = b[p]
        one, two, four = op == _K, op == _M, op == _J
        value = np.where(one, b[p + 1], 0)
        value = np.where(two, b[p + 1] | (b[p + 2] << 8), value)
        j = b[p + 1] | (b[p + 2] << 8) | (b[p + 3] << 16) | (b[p + 4] << 24)
        value = np.where(four, np.where(j >= 1 << 31, j - (1 << 32), j), value)
        width = np.where(one, 2, np.where(two, 3, np.where(four, 5, 0)))
        bad = width == 0
        gaps[offsets[live] + step] = value
        ptr[live] = p + width
        step += 1
        done = ~bad & (counts[live] == step)
        if done.any():   # the list must close here, and the value end with it (or with ".")
            closed = live[done]
            at = ptr[closed]
            fine = (b[at] == np.where(several[closed], _APPENDS, _APPEND)) & (
                (at + 1 == ends[closed]) | ((at + 2 == ends[closed]) & (b[at + 1] == ord("."))))
            bad[np.flatnonzero(done)[~fine]] = True
        good[live[bad]] = False
        live = live[~bad & ~done]
    slot_owner = np.repeat(laid, sizes[laid])
    positions = np.cumsum(gaps)
    if len(positions):   # each value's positions restart from its own first gap
        firsts = offsets[laid]
        positions -= np.repeat(positions[firsts] - gaps[firsts], sizes[laid])
    keep = good[slot_owner]
    owner, positions = slot_owner[keep], positions[keep]
    slow = np.flatnonzero(~good).tolist()
    if slow:   # anything the walk did not recognise, decoded by pickle, then put in order
        extra = [decode_one(values[i]) for i in slow]
        owner = np.concatenate([owner, np.repeat(np.array(slow, dtype=np.int64), [len(e) for e in extra])])
        positions = np.concatenate([positions, np.fromiter((p for e in extra for p in e), dtype=np.int64)])
        order = np.lexsort((positions, owner))
        owner, positions = owner[order], positions[order]
    return owner, positions


def consecutive(columns: list) -> np.ndarray:
    """Which of n letters hold a phrase word after word: `columns[k]` lists, for each letter, the
    stored positions value of the phrase's k-th word. A boolean array of n."""
    n = len(columns[0])
    starts = None   # (letter << 32 | where the phrase would start), ascending
    for k, values in enumerate(columns):
        owner, positions = decode_many(values)
        keep = positions >= k
        keys = (owner[keep] << 32) | (positions[keep] - k)   # ascending, as decoded
        if starts is None:
            starts = keys
        elif len(keys):
            at = np.minimum(np.searchsorted(keys, starts), len(keys) - 1)
            starts = starts[keys[at] == starts]
        else:
            starts = keys
        if not len(starts):
            break
    found = np.zeros(n, dtype=bool)
    found[starts >> 32] = True
    return found
