"""Letter families: near-duplicate letters (one template sent to several governments).

A letter's text becomes a set of word shingles (SHINGLE consecutive words, compared as in
archive/textdiff.py: case, quotes, whitespace and Unicode form do not count). Its MinHash
signature is NUM_PERM minimums of shingle hashes (one hash per shingle, spread over NUM_PERM
bins); the share of equal positions in two
signatures estimates the Jaccard similarity of the two shingle sets. For lookup, the
signature is cut into BANDS bands of ROWS values (locality-sensitive hashing): two letters
that share any band are candidates, and candidates at or above FAMILY_MIN are family.

Decisions:
- 3-word shingles: a template whose country, official and a few phrases were changed keeps
  most of its shingles (Jaccard ~0.7-0.9), while unrelated letters on the same subject share
  only stock phrases (~0.0-0.1).
- 32 bands of 4 rows: a pair at Jaccard 0.5 is a candidate with probability 0.87, at 0.7
  with 0.9995, at 0.2 with 0.05; FAMILY_MIN 0.5 then filters on the estimate.
- Hashes are blake2b, so signatures and bands are the same in every process and can be
  stored in the index.
"""
from __future__ import annotations

import hashlib
import re

import numpy as np

from .textdiff import word_list

SHINGLE = 3
NUM_PERM = 128
ROWS = 4
BANDS = NUM_PERM // ROWS
FAMILY_MIN = 0.5

_PRIME = (1 << 61) - 1
_EMPTY = _PRIME   # larger than any hash modulo the prime: the signature of no text
_BAND = re.compile(r"([0-9]{2})-([0-9a-f]{12})")   # a key of `bands`
_OFFSET = 1 << 53  # added per bin of distance when an empty bin borrows a value (sums stay < _EMPTY)


def shingles(text: str) -> set:
    """The set of SHINGLE-word sequences of a text (one shingle if the text is shorter)."""
    words = word_list(text or "")
    if not words:
        return set()
    if len(words) <= SHINGLE:
        return {" ".join(words)}
    # each k-tuple of consecutive words, joined in C
    return set(map(" ".join, zip(*[words[i:] for i in range(SHINGLE)])))


_BLAKE = hashlib.blake2b(digest_size=8)   # copying it is cheaper than making a new one


def _hash(shingle: str) -> int:
    h = _BLAKE.copy()
    h.update(shingle.encode())
    return int.from_bytes(h.digest(), "big")


def signature(text: str) -> list[int]:
    """The MinHash signature of a text: NUM_PERM integers.

    One-permutation hashing: each shingle is hashed once, its hash picks one of NUM_PERM
    bins and the bin keeps its smallest value; empty bins borrow from the next full bin
    (rotation), so the signature costs one hash per shingle instead of NUM_PERM.
    """
    bins = [_EMPTY] * NUM_PERM
    # Largest hash first: a bin ends up holding its smallest value (for one bin, the order
    # of h and of h // NUM_PERM is the same).
    for h in sorted(map(_hash, shingles(text)), reverse=True):
        bins[h % NUM_PERM] = h // NUM_PERM
    if all(v == _EMPTY for v in bins):
        return bins
    out = list(bins)
    for k in range(NUM_PERM):
        step = 0
        while out[k] == _EMPTY:  # densify: the next full bin's value, marked by the distance
            step += 1
            j = (k + step) % NUM_PERM
            if bins[j] != _EMPTY:
                out[k] = bins[j] + step * _OFFSET
    return out


def similarity(sig_a: list[int], sig_b: list[int]) -> float:
    """Estimated Jaccard similarity (0..1) of the two texts' shingle sets."""
    if not sig_a or not sig_b or len(sig_a) != len(sig_b):
        return 0.0
    if sig_a[0] == _EMPTY or sig_b[0] == _EMPTY:
        return 0.0   # a letter without text belongs to no family
    return sum(1 for x, y in zip(sig_a, sig_b) if x == y) / len(sig_a)


def bands(sig: list[int]) -> list[str]:
    """LSH keys of a signature, "<band>-<hash>"; letters sharing a key are candidates."""
    if not sig or sig[0] == _EMPTY:
        return []
    out = []
    for k in range(BANDS):
        rows = ",".join(map(str, sig[k * ROWS:(k + 1) * ROWS]))
        out.append(f"{k:02d}-{hashlib.blake2b(rows.encode(), digest_size=6).hexdigest()}")
    return out


def band_key(band) -> int | None:
    """A band key of `bands` (str or bytes) as one integer, its band number above its 48-bit
    hash (the order of the keys is the order of the strings); None if it is not one."""
    if isinstance(band, bytes):
        band = band.decode("ascii", "replace")
    found = _BAND.fullmatch(band)
    return int(found[1]) << 48 | int(found[2], 16) if found else None


_NIBBLE = np.full(256, 255, dtype=np.uint8)   # a lowercase hex digit's value (255: not one)
_NIBBLE[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)
BAND_BYTES = 15   # a band key's length: "NN-" and 12 hex digits


def band_keys(joined: bytes) -> np.ndarray | None:
    """`band_key` of many band keys at once, given as their bytes one after the other (each
    BAND_BYTES long), as uint64; None if any is not one."""
    if len(joined) % BAND_BYTES:
        return None
    rows = np.frombuffer(joined, dtype=np.uint8).reshape(-1, BAND_BYTES)
    number = rows[:, :2].astype(np.int64) - ord("0")
    digits = _NIBBLE[rows[:, 3:]]
    if (number < 0).any() or (number > 9).any() or (rows[:, 2] != ord("-")).any() or (digits == 255).any():
        return None
    keys = (number[:, 0] * 10 + number[:, 1]).astype(np.uint64) << np.uint64(48)
    for k in range(12):
        keys |= digits[:, k].astype(np.uint64) << np.uint64(4 * (11 - k))
    return keys


def encode(sig: list[int]) -> str:
    """A signature as one string (for a stored index field)."""
    return " ".join(format(v, "x") for v in sig)


def decode(value: str) -> list[int]:
    """The signature `encode` wrote."""
    return [int(v, 16) for v in (value or "").split()]


def find_family(sig: list[int], others, threshold: float = FAMILY_MIN,
                candidates: bool = False) -> list[tuple]:
    """(similarity, key) for each (key, signature) in `others` at or above the threshold.

    `candidates`: the others already share a band with `sig` (found through the index).
    """
    mine = set(bands(sig))
    out = []
    for key, other in others:
        if candidates or mine & set(bands(other)):
            s = similarity(sig, other)
            if s >= threshold:
                out.append((s, key))
    return sorted(out, key=lambda t: (-t[0], t[1]))


class _Cache:
    """Signatures of indexed letters, keyed by id and text fingerprint (recomputed on change)."""

    def __init__(self):
        self.by_id = {}

    def get(self, letter_id: str, fp: str, text: str) -> list[int]:
        hit = self.by_id.get(letter_id)
        if hit is None or hit[0] != fp:
            hit = (fp, signature(text))
            self.by_id[letter_id] = hit
        return hit[1]


_CACHES: dict = {}


def family_of(archive, letter_id: str, threshold: float = FAMILY_MIN, titles: bool = True) -> list[dict]:
    """Other letters of the same family: [{"id", "title", "shared"}], most similar first
    ({"id", "shared"} without `titles`: each title is read from its letter's stored fields).

    Reads the index's stored text (the index reflects the head of the repository). When the
    index offers `family_candidates(bands) -> [{"id", "minhash", "docnum"}]` (documents sharing
    an LSH band, "minhash" holding the `encode`d signature), only those are compared.
    """
    archive.sync()
    searcher = archive.index.searcher()
    doc = searcher.document(id=letter_id)
    if doc is None:
        archive.get(letter_id)   # NotFound for an unknown id
        return []
    lookup = getattr(archive.index, "family_candidates", None)
    prefiltered = lookup is not None and bool(doc.get("minhash"))
    if prefiltered:
        sig = decode(doc["minhash"])
        docs = lookup(bands(sig), searcher=searcher)   # one searcher: its document numbers
        others = [(d["id"], decode(d.get("minhash", ""))) for d in docs]
    else:
        # No LSH fields in the index yet: compare with every letter, caching signatures.
        cache = _CACHES.setdefault(str(archive.index.path), _Cache())
        sig = cache.get(letter_id, doc.get("fingerprint", ""), doc.get("text", ""))
        docs = list(searcher.all_stored_fields())
        others = [(d["id"], cache.get(d["id"], d.get("fingerprint", ""), d.get("text", "")))
                  for d in docs]
    found = find_family(sig, [o for o in others if o[0] != letter_id], threshold, candidates=prefiltered)
    by_id = {d["id"]: d for d in docs}
    if not titles:
        return [{"id": key, "shared": round(s, 2)} for s, key in found]
    return [{"id": key, "title": _title(searcher, by_id.get(key, {})), "shared": round(s, 2)} for s, key in found]


def _title(searcher, doc: dict) -> str:
    """A family member's title: read from its stored fields only now, for the few that match."""
    if "title" in doc:
        return doc["title"]
    return searcher.stored_fields(doc["docnum"]).get("title", "") if "docnum" in doc else ""
