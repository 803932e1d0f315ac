"""Browse pages and related letters (archive/browse.py, webapp/browse.py) on the demo archive."""
from __future__ import annotations

import pytest

from archive import browse
from archive.errors import NotFound
from archive.home import Archive
from demo_archive import demo_home
from webapp import create_app
from webapp.home import close_archive


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    a = Archive.open(demo_home(tmp_path_factory))
    yield a
    a.close()


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app({"TESTING": True, "LETTERS_HOME": str(demo_home(tmp_path_factory))})
    yield app.test_client()
    close_archive(app)


def test_entity_lists_count_letters(demo):
    countries = {c["value"]: c["count"] for c in browse.entities(demo, "countries")}
    assert countries["UZ"] == demo.search("country:UZ")["total"] == 5
    orgs = browse.entities(demo, "organisations")
    assert all(o["count"] == demo.search(browse.term("org_exact", o["value"]))["total"] for o in orgs)
    with pytest.raises(NotFound):
        browse.entities(demo, "planets")


def test_instruments_most_cited_in_letters_to_uzbekistan(demo):
    uz = browse.entity(demo, "countries", "UZ")
    assert uz["label"] == "Uzbekistan" and uz["total"] == 5
    cited = [(f["value"], f["count"]) for f in uz["cooccurring"]["instrument"]]
    assert cited[0] == ("iccpr", 5)
    assert [h["date"] for h in uz["letters"] if h["date"]] == sorted(
        [h["date"] for h in uz["letters"] if h["date"]], reverse=True)
    assert all(f["value"] != "UZ" for f in uz["cooccurring"].get("country", []))


def test_related_letters_find_the_template_siblings(demo):
    related = browse.related(demo, "2019-11-20-cra-gr")
    near = {r["id"] for r in related if r["near_identical"]}
    assert near == {"2019-11-20-cra-hu", "2019-11-20-cra-mt"}
    assert related[0]["near_identical"] and all(r["reasons"] for r in related)


def test_browse_pages_and_twins(client):
    doc = client.get("/browse/countries").get_data(as_text=True)
    assert "/browse/countries/UZ" in doc
    data = client.get("/browse/countries.json").get_json()
    assert {"value": "UZ", "label": "Uzbekistan", "count": 5, "url": "/browse/countries/UZ"} in data["values"]
    assert client.get("/browse/countries.csv").get_data(as_text=True).startswith("value,label,count")
    page = client.get("/browse/instruments/refugee-convention").get_data(as_text=True)
    assert "Kazakhstan" in page and "/browse/countries/KZ" in page
    twin = client.get("/browse/instruments/refugee-convention.json").get_json()
    assert twin["total"] == 4 and twin["query"] == "instrument:refugee-convention"
    assert client.get("/browse/countries/XX").status_code == 404
    assert client.get("/browse/countries/XX.json").get_json()["ok"] is False
    assert client.get("/browse/").status_code == 200
    assert client.get("/help.json").get_json()["examples"]
