"""Tests for archive.families: MinHash signatures, LSH bands, and families found in a real archive."""
from pathlib import Path

import pytest

from archive import families
from archive.errors import NotFound
from archive.home import Archive

DATA = Path(__file__).resolve().parent / "data" / "versions"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
AUTHOR = "Ana Archivist <ana@example.org>"
KZ = (DATA / "letter.txt").read_text()
# The same template sent to Kyrgyzstan: names, places, dates and one sentence differ.
KG = (DATA / "letter-kg.txt").read_text()


def jaccard(a: str, b: str) -> float:
    sa, sb = families.shingles(a), families.shingles(b)
    return len(sa & sb) / len(sa | sb)


def test_signature_is_deterministic_and_sized():
    sig = families.signature(KZ)
    assert len(sig) == families.NUM_PERM and sig == families.signature(KZ)
    assert families.decode(families.encode(sig)) == sig
    assert len(families.bands(sig)) == families.BANDS
    assert families.bands(sig) == families.bands(families.signature(KZ))


def test_invisible_differences_do_not_change_the_signature():
    reflowed = KZ.replace("\n", " \n  ").replace("newspaper's", "newspaper\u2019s").upper()
    assert families.signature(reflowed) == families.signature(KZ)


def test_similarity_estimates_jaccard():
    true = jaccard(KZ, KG)
    est = families.similarity(families.signature(KZ), families.signature(KG))
    assert 0.5 < true < 0.9
    assert abs(est - true) < 0.12          # 128 permutations: standard error ~0.04
    unrelated = (SAMPLES / "hrw-2005-kyrgyzstan-andijan.txt").read_text()
    assert families.similarity(families.signature(KZ), families.signature(unrelated)) < 0.1


def test_empty_text_has_no_family():
    empty = families.signature("")
    assert families.similarity(empty, empty) == 0.0 and families.bands(empty) == []
    assert families.similarity(families.signature("Dear Minister"),
                               families.signature("Dear Minister")) == 1.0


def test_find_family_keeps_candidates_above_threshold():
    sig = families.signature(KZ)
    others = [("kg", families.signature(KG)), ("same", families.signature(KZ)),
              ("other", families.signature("Completely unrelated words about fisheries quotas "
                                           "in the North Sea and their effect on prices."))]
    assert [k for _, k in families.find_family(sig, others)] == ["same", "kg"]
    assert families.find_family(sig, others, threshold=1.01) == []


@pytest.fixture
def archive(tmp_path):
    a = Archive.init(tmp_path / "home", AUTHOR)
    yield a
    a.close()


def test_family_of_in_a_real_archive(archive):
    hints = {"sender_org": "Central Asia Press Freedom Monitor"}
    kz = archive.ingest(KZ.encode(), "kz.txt", hints, author=AUTHOR)["id"]
    ingested = archive.ingest(KG.encode(), "kg.txt", hints, author=AUTHOR)
    kg = ingested["id"]
    assert [f["id"] for f in ingested["family"]] == [kz] and 0.5 <= ingested["family"][0]["shared"] < 1
    seed = SAMPLES / "hrw-2005-kyrgyzstan-andijan.txt"
    hrw = archive.ingest(seed.read_bytes(), seed.name, {"date": "2005-05-16"}, author=AUTHOR)["id"]
    assert kz != kg
    fam = families.family_of(archive, kz)
    assert [f["id"] for f in fam] == [kg]
    assert fam[0]["title"] == archive.record(kg)["title"] and 0.5 <= fam[0]["shared"] < 1
    assert [f["id"] for f in families.family_of(archive, kg)] == [kz]
    assert families.family_of(archive, hrw) == []
    # A new version that rewrites the letter leaves the family.
    archive.edit(kg, text="Dear Minister,\n\nWe write about fisheries quotas in the North Sea.\n\n"
                          "Sincerely,\n\nA. Writer", author=AUTHOR)
    assert families.family_of(archive, kz) == []
    with pytest.raises(NotFound):
        families.family_of(archive, "2001-01-01-nobody-kz")


def test_candidates_are_read_from_columns_not_stored_fields(archive, monkeypatch):
    """A new letter's candidates come with their ids and signatures from the index's columns;
    only the family members found are read whole (for their titles)."""
    from whoosh.reading import SegmentReader
    reads = []
    real = SegmentReader.stored_fields
    monkeypatch.setattr(SegmentReader, "stored_fields", lambda self, d: reads.append(d) or real(self, d))
    hints = {"sender_org": "Central Asia Press Freedom Monitor"}
    kz = archive.ingest(KZ.encode(), "kz.txt", hints, author=AUTHOR)["id"]
    kg = archive.ingest(KG.encode(), "kg.txt", hints, author=AUTHOR)["id"]
    searcher = archive.index.searcher()
    sig = families.decode(searcher.document(id=kz)["minhash"])
    assert reads   # the spy sees reads of stored fields
    reads.clear()
    found = archive.index.family_candidates(families.bands(sig))
    assert reads == []
    assert {c["id"] for c in found} == {kz, kg}
    assert all(families.decode(c["minhash"]) for c in found)
    assert next(c for c in found if c["id"] == kz)["minhash"] == searcher.document(id=kz)["minhash"]


@pytest.mark.parametrize("after", [0, 1, 96, None])
def test_candidates_are_the_same_whether_a_segment_is_probed_or_its_terms_are_read(archive, monkeypatch, after):
    """Small segments' band terms are probed one by one at first and read whole as a set once
    probed often: both give the same candidates (None: never read whole)."""
    from archive import ranking
    if after is None:
        monkeypatch.setattr(ranking, "LEXICON_KEPT_DOCS", 0)
    else:
        monkeypatch.setattr(ranking, "LEXICON_AFTER_PROBES", after)
    ranking.forget_postings()
    hints = {"sender_org": "Central Asia Press Freedom Monitor"}
    kz = archive.ingest(KZ.encode(), "kz.txt", hints, author=AUTHOR)["id"]
    kg = archive.ingest(KG.encode(), "kg.txt", hints, author=AUTHOR)["id"]
    seed = SAMPLES / "hrw-2005-kyrgyzstan-andijan.txt"
    archive.ingest(seed.read_bytes(), seed.name, {"date": "2005-05-16"}, author=AUTHOR)
    sig = families.decode(archive.index.searcher().document(id=kz)["minhash"])
    for _ in range(3):   # across the switch from probes to the kept set
        assert {c["id"] for c in archive.index.family_candidates(families.bands(sig))} == {kz, kg}
    assert (len(ranking._lexicons) > 0) == (after is not None)
