"""Word positions read in bulk give exactly what Whoosh's own decoding gives, in order, and the
bulk phrase check agrees with checking each letter's positions one by one."""
from __future__ import annotations

import pickle
import random

import numpy as np
from whoosh.formats import Positions
from whoosh.system import pack_uint

from archive.positions import consecutive, decode_many, decode_one

FORMAT = Positions()


def _values(rnd: random.Random, count: int) -> tuple[list, list]:
    """(stored values, their positions): small gaps, large ones (two- and four-byte integers),
    long lists (pickle splits them at 1,000), values stored without the closing ".", and
    values pickled another way."""
    values, truth = [], []
    for i in range(count):
        n = rnd.choice([1, 2, 999, 1000, 1001, 2500]) if i % 40 == 0 else rnd.randint(1, 12)
        span = rnd.choice([300, 70_000, 3_000_000])
        pos = sorted(rnd.sample(range(max(span, 2 * n)), n))
        value = FORMAT.encode(pos)
        if i % 3 == 0:
            value = value[:-1]
        if i % 97 == 0:
            value = pack_uint(n) + pickle.dumps([b - a for a, b in zip([0] + pos, pos)], 4)
        values.append(value)
        truth.append(pos)
    return values, truth


def test_bulk_decoding_matches_whoosh_value_by_value():
    values, truth = _values(random.Random(3), 3000)
    for value, pos in zip(values[:300], truth):
        assert FORMAT.decode_positions(value) == pos == decode_one(value)
    owner, positions = decode_many(values)
    assert list(zip(owner.tolist(), positions.tolist())) == [(i, p) for i, pos in enumerate(truth) for p in pos]


def test_bulk_decoding_of_nothing_and_of_damaged_values():
    owner, positions = decode_many([])
    assert len(owner) == len(positions) == 0
    good = FORMAT.encode([4, 9])
    # a count that disagrees with the list: the walk refuses it and pickle decodes it
    wrong_count = pack_uint(3) + good[4:]
    owner, positions = decode_many([good, wrong_count, good])
    assert list(zip(owner.tolist(), positions.tolist())) == [(0, 4), (0, 9), (1, 4), (1, 9), (2, 4), (2, 9)]


def _one_by_one(lists: list) -> bool:
    ends = set(lists[0])
    for plist in lists[1:]:
        ends = {p for p in plist if p - 1 in ends}
    return bool(ends)


def test_the_bulk_phrase_check_agrees_with_one_letter_at_a_time():
    rnd = random.Random(5)
    for words in (2, 3, 4):
        letters = []
        for _ in range(400):   # positions close together, so phrases occur often and not always
            letters.append([sorted(rnd.sample(range(60), rnd.randint(1, 8))) for _ in range(words)])
        columns = [[FORMAT.encode(letter[k]) for letter in letters] for k in range(words)]
        want = np.array([_one_by_one(letter) for letter in letters])
        assert 0 < want.sum() < len(letters)
        assert (consecutive(columns) == want).all()
