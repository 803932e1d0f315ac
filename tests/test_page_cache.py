"""Fast pages: the related-letters panel built from the index, and the letter, related and
search pages kept per archive generation (archive/lru.py), on a small real archive."""
from __future__ import annotations

import json
import shutil
from collections import Counter

import lxml.html
import pytest

from archive import browse, diff as letterdiff
from archive.home import Archive
from archive.lru import GenerationCache
from conftest import AUTHOR, SAMPLES
from webapp import create_app
from webapp.home import close_archive
from webapp.search import FACET_SHOWN

CRA = "cra-2019-child-detention-"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Twenty sample letters, among them one template sent to Greece, Hungary and Malta."""
    home = tmp_path_factory.mktemp("page-cache") / "archive"
    a = Archive.init(home, author=AUTHOR)
    files = sorted((SAMPLES / "letters").glob("*.txt"))
    files = [f for f in files if ".v" not in f.name][:17]
    files += [SAMPLES / "letters" / f"{CRA}{c}.txt" for c in ("greece", "hungary", "malta")]
    ids = {}
    for f in dict.fromkeys(files):
        res = a.ingest(f.read_bytes(), f.name, {}, author=AUTHOR)
        assert res["ok"], res
        ids[f.stem] = res["id"]
    a.close()
    return home, ids


@pytest.fixture
def copy(built, tmp_path):
    """A copy of the archive a test may change."""
    home, ids = built
    shutil.copytree(home, tmp_path / "archive")
    return tmp_path / "archive", ids


def _client(home):
    app = create_app({"TESTING": True, "LETTERS_HOME": str(home)})
    return app, app.test_client()


def test_related_from_the_index_lists_what_reading_every_letter_listed(built):
    """The panel compares texts the index stores; reading both letters from git (as the panel
    first did) gives the same share of words for every candidate, so the same letters."""
    home, ids = built
    a = Archive.open(home)
    try:
        compared = 0
        for letter_id in ids.values():
            listed = {r["id"]: r for r in browse.related(a, letter_id)}
            assert browse.related(a, letter_id) == list(listed.values())  # the kept copy
            mine = a.index.summary(letter_id)
            found = a.index.related(letter_id, {"country": mine["countries"], "instrument": mine["instruments"],
                                                "addressee_exact": [x for x in mine["addressees"] if x]}, 6)
            for other_id, _ in found["text"][:3] + found["shared"]:
                shared = letterdiff.shared_ratio(a.get(letter_id)[0], a.get(other_id)[0])
                if other_id in listed:
                    r = listed[other_id]
                    assert (r["shared"], r["near_identical"]) == (round(shared, 3), shared >= browse.NEAR_IDENTICAL)
                    assert r["near_identical"] == r["reasons"][0].startswith("near-identical")
                else:
                    assert shared < browse.NEAR_IDENTICAL, (letter_id, other_id)
                compared += 1
        assert compared > 20
        near = {r["id"] for r in browse.related(a, ids[CRA + "greece"]) if r["near_identical"]}
        assert near == {ids[CRA + "hungary"], ids[CRA + "malta"]}
        mine = browse.related(a, ids[CRA + "greece"])
        mine[0]["reasons"].append("changed by the caller")
        assert "changed by the caller" not in browse.related(a, ids[CRA + "greece"])[0]["reasons"]
        assert browse.related(a, "1999-01-01-no-such-letter") == []
    finally:
        a.close()


def test_pages_follow_a_new_letter_and_an_edit(copy):
    home, ids = copy
    greece = ids[CRA + "greece"]
    app, client = _client(home)
    try:
        before = client.get(f"/letters/{greece}/related.json").get_json()["related"]
        assert client.get(f"/letters/{greece}").status_code == 200
        assert "0 letters match" in client.get("/search?q=Zakynthos").get_data(as_text=True)
        everything = client.get("/").get_data(as_text=True)
        # Another process (the CLI, an ingest worker) writes while the web app is serving.
        writer = Archive.open(home)
        text = (SAMPLES / "letters" / f"{CRA}greece.txt").read_text().replace(
            "Athens", "Athens and Zakynthos")
        new = writer.ingest(text.encode(), "greece-again.txt", {}, author=AUTHOR)["id"]
        writer.edit(greece, sets={"title": "End child detention in Greece (corrected)"}, author=AUTHOR)
        writer.close()

        after = client.get(f"/letters/{greece}/related.json").get_json()["related"]
        assert new not in {r["id"] for r in before} and new in {r["id"] for r in after if r["near_identical"]}
        page = lxml.html.fromstring(client.get(f"/letters/{greece}").get_data(as_text=True))
        assert page.xpath("string(//h1)") == "End child detention in Greece (corrected)"
        assert f"/letters/{new}" in page.xpath("//section[@class='related']//a/@href")
        found = client.get("/search?q=Zakynthos").get_data(as_text=True)
        assert "1 letter matches" in found and f"/letters/{new}" in found
        assert client.get("/").get_data(as_text=True) != everything
        total = json.loads(client.get("/search.json").get_data())["total"]
        assert f"{total} letters" in client.get("/").get_data(as_text=True)
    finally:
        close_archive(app)


def test_a_filter_in_use_is_shown_however_rare_its_value(built):
    """Facets show their top values; a value the query filters on is shown even far down."""
    home, _ids = built
    app, client = _client(home)
    try:
        checked = 0
        for name, field in (("official", "official_exact"), ("organisation", "org_exact"),
                            ("addressee", "addressee_exact")):
            values = client.get("/search.json?q=minister").get_json()["facets"][name]
            for f in reversed(values[FACET_SHOWN:]):
                q = f"minister OR {browse.term(field, f['value'])}"
                ranked = [v["value"] for v in client.get("/search.json", query_string={"q": q}).get_json()["facets"][name]]
                if ranked.index(f["value"]) < FACET_SHOWN:
                    continue
                doc = lxml.html.fromstring(client.get("/search", query_string={"q": q}).get_data(as_text=True))
                shown = doc.xpath(f"//section[@aria-labelledby='facet-{name}']//li")
                assert len(shown) == FACET_SHOWN + 1
                assert [li.xpath("string(a)").replace("Remove filter:", "").strip() for li in shown
                        if li.get("class") == "active"] == [f["label"]]
                checked += 1
                break
        assert checked, "no facet value ranked low enough to test"
    finally:
        close_archive(app)


def test_generation_cache_is_bounded_and_forgets_older_generations():
    cache = GenerationCache(2)
    cache.put("g1", "a", 1)
    cache.put("g1", "b", 2)
    assert cache.get("g1", "a") == 1          # now the most recently used
    cache.put("g1", "c", 3)
    assert len(cache) == 2 and cache.get("g1", "b") is None and cache.get("g1", "a") == 1
    assert cache.get("g2", "a") is None       # another generation never sees these values
    cache.put("g2", "d", 4)
    assert len(cache) == 1 and cache.get("g1", "a") is None and cache.get("g2", "d") == 4
    assert cache.get("g2", "x", Counter()) == Counter()
