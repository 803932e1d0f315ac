"""OAI-PMH 2.0 (archive/oai.py, /oai): every verb, paging with resumptionToken, from/until by
the commit date of a letter's last change, sets by country, and each error code."""
from __future__ import annotations

import shutil
import time
from datetime import datetime, timezone

import pytest
from lxml import etree

from archive import oai
from archive.home import Archive
from conftest import AUTHOR
from demo_archive import demo_home
from webapp import create_app
from webapp.home import close_archive

SITE = "https://letters.example.org"
OAI_URL = SITE + "/oai"
NS = {"o": oai.OAI_NS, "dc": oai.DC_NS, "oai_dc": oai.OAI_DC_NS, "t": oai.TEI_NS}
PAGE = 7


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A copy of the demo archive with one letter corrected later (a newer datestamp)."""
    home = tmp_path_factory.mktemp("oai") / "data"
    shutil.copytree(demo_home(tmp_path_factory), home)
    a = Archive.open(home)
    time.sleep(1.1)  # datestamps have one-second granularity
    a.edit("2005-05-16-hrw-kg", sets={"title": "Kyrgyzstan: Ensure the Safety of Refugees"},
           message="Correct the title", author=AUTHOR)
    yield a
    a.close()


@pytest.fixture(scope="module")
def repo(archive):
    return oai.Repository(archive, SITE, OAI_URL, "letters.example.org", "archivist@example.org", page_size=PAGE)


def ask(repo, **params):
    return etree.fromstring(repo.respond(list(params.items())))


def error(doc):
    e = doc.find("o:error", NS)
    return e.get("code") if e is not None else None


def ids_of(doc):
    return [i.text.rsplit(":", 1)[1] for i in doc.iterfind(".//o:header/o:identifier", NS)]


def harvest(repo, verb="ListRecords", **params):
    """Every page of a list request, following resumptionTokens: (ids, cursors, sizes)."""
    doc = ask(repo, verb=verb, **params)
    ids, cursors, sizes = ids_of(doc), [], set()
    while True:
        assert error(doc) is None, etree.tostring(doc)
        token = doc.find(f"o:{verb}/o:resumptionToken", NS)
        if token is None:
            return ids, cursors, sizes
        cursors.append(int(token.get("cursor")))
        sizes.add(int(token.get("completeListSize")))
        if not token.text:
            return ids, cursors, sizes
        doc = ask(repo, verb=verb, resumptionToken=token.text)
        ids += ids_of(doc)


def test_identify(repo, archive):
    doc = ask(repo, verb="Identify")
    assert doc.tag == "{%s}OAI-PMH" % oai.OAI_NS and error(doc) is None
    assert doc.find("o:request", NS).get("verb") == "Identify" and doc.findtext("o:request", namespaces=NS) == OAI_URL
    ident = doc.find("o:Identify", NS)
    assert ident.findtext("o:baseURL", namespaces=NS) == OAI_URL
    assert ident.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert ident.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    earliest = min(e["epoch"] for e in oai.catalogue(archive))
    assert ident.findtext("o:earliestDatestamp", namespaces=NS) == oai._stamp(earliest)
    assert doc.findtext(".//{%s}repositoryIdentifier" % oai.ID_NS) == "letters.example.org"


def test_datestamps_are_the_commit_of_each_letters_last_change(archive):
    entries = oai.catalogue(archive)
    assert len(entries) == len(archive.list())
    for e in entries:
        assert e["version"] == archive.version_of(e["id"])
        assert e["epoch"] == archive.repo.commit(e["version"]).committed_date


def test_list_metadata_formats_and_sets(repo):
    doc = ask(repo, verb="ListMetadataFormats")
    assert [p.text for p in doc.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc", "tei"]
    doc = ask(repo, verb="ListMetadataFormats", identifier="oai:letters.example.org:2005-05-16-hrw-kg")
    assert error(doc) is None and len(doc.findall(".//o:metadataFormat", NS)) == 2
    sets = {s.findtext("o:setSpec", namespaces=NS): s.findtext("o:setName", namespaces=NS)
            for s in ask(repo, verb="ListSets").iterfind(".//o:set", NS)}
    assert sets["country"] and sets["country:UZ"] == "Uzbekistan" and sets["country:KG"] == "Kyrgyzstan"


def test_paging_list_records_gets_every_letter_exactly_once(repo, archive):
    ids, cursors, sizes = harvest(repo, metadataPrefix="oai_dc")
    everything = [r["id"] for r in archive.list()]
    assert sorted(ids) == sorted(everything) and len(ids) == len(set(ids)) > 2 * PAGE
    assert cursors == list(range(0, len(everything), PAGE)) and sizes == {len(everything)}
    headers, _, _ = harvest(repo, verb="ListIdentifiers", metadataPrefix="tei")
    assert headers == ids
    assert ids[-1] == "2005-05-16-hrw-kg"  # oldest change first: the corrected letter comes last


def test_sets_select_by_country(repo, archive):
    ids, _, _ = harvest(repo, verb="ListIdentifiers", metadataPrefix="oai_dc", set="country:UZ")
    assert set(ids) == {h["id"] for h in archive.search("country:UZ", limit=100)["hits"]}
    all_ids, _, _ = harvest(repo, verb="ListIdentifiers", metadataPrefix="oai_dc", set="country")
    assert set(ids) < set(all_ids)
    doc = ask(repo, verb="ListIdentifiers", metadataPrefix="oai_dc", set="country:UZ")
    assert "country:UZ" in [s.text for s in doc.find(".//o:header", NS).iterfind("o:setSpec", NS)]


def test_get_record_oai_dc(repo, archive):
    doc = ask(repo, verb="GetRecord", identifier="oai:letters.example.org:2005-05-16-hrw-kg", metadataPrefix="oai_dc")
    dc = doc.find("o:GetRecord/o:record/o:metadata/oai_dc:dc", NS)
    assert dc is not None and dc.nsmap["dc"] == oai.DC_NS and dc.nsmap["oai_dc"] == oai.OAI_DC_NS
    rec = archive.record("2005-05-16-hrw-kg")
    text = lambda tag: [e.text for e in dc.iterfind(f"dc:{tag}", NS)]  # noqa: E731
    assert text("title") == ["Kyrgyzstan: Ensure the Safety of Refugees"]
    assert text("creator") == ["Human Rights Watch", "Holly Cartner"]
    assert text("date") == ["2005-05-16"] and text("language") == ["en"]
    assert {"Kyrgyzstan", "Uzbekistan"} <= set(text("subject"))
    assert "Convention relating to the Status of Refugees, art. 31" in text("subject")
    assert text("identifier") == [SITE + "/letters/2005-05-16-hrw-kg",
                                  SITE + "/letters/2005-05-16-hrw-kg/at/" + rec["version"]]
    assert rec["source"]["url"] in text("relation") and "Kurmanbek Bakiev" in text("description")[0]
    assert doc.findtext(".//o:header/o:datestamp", namespaces=NS) == \
        oai._stamp(archive.repo.commit(rec["version"]).committed_date)


def test_get_record_tei_is_the_letters_tei(repo, archive, tei_all):
    doc = ask(repo, verb="GetRecord", identifier="oai:letters.example.org:2009-03-03-odlac-cd", metadataPrefix="tei")
    tei = doc.find("o:GetRecord/o:record/o:metadata/t:TEI", NS)
    assert tei is not None and tei_all.validate(etree.fromstring(etree.tostring(tei))), str(tei_all.error_log)[:500]
    assert tei.findtext(".//t:idno[@type='archive']", namespaces=NS) == "2009-03-03-odlac-cd"
    original = etree.fromstring(archive.tei("2009-03-03-odlac-cd"))
    assert "".join(tei.itertext()) == "".join(original.itertext())  # the text exactly, whitespace too


def test_from_and_until_filter_by_version_date(repo, archive):
    entries = oai.catalogue(archive)
    newest = entries[-1]
    assert newest["id"] == "2005-05-16-hrw-kg" and entries[-2]["epoch"] < newest["epoch"]
    ids, _, _ = harvest(repo, metadataPrefix="oai_dc", **{"from": oai._stamp(newest["epoch"])})
    assert ids == ["2005-05-16-hrw-kg"]
    ids, _, _ = harvest(repo, metadataPrefix="oai_dc", until=oai._stamp(newest["epoch"] - 1))
    assert sorted(ids) == sorted(e["id"] for e in entries[:-1])
    today = datetime.fromtimestamp(newest["epoch"], timezone.utc).strftime("%Y-%m-%d")
    ids, _, _ = harvest(repo, verb="ListIdentifiers", metadataPrefix="oai_dc", until=today, **{"from": today})
    assert len(ids) == len(entries)  # a day-granular until includes that whole day
    assert error(ask(repo, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2999-01-01"})) == "noRecordsMatch"


@pytest.mark.parametrize("params, code", [
    ({}, "badVerb"),
    ({"verb": "ListEverything"}, "badVerb"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "Identify", "set": "x"}, "badArgument"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-13-45"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01", "until": "2020-01-01T00:00:00Z"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-01-01", "until": "2020-01-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
    ({"verb": "GetRecord", "identifier": "oai:letters.example.org:1900-01-01-nobody", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
    ({"verb": "GetRecord", "identifier": "2005-05-16-hrw-kg", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
    ({"verb": "ListMetadataFormats", "identifier": "oai:letters.example.org:nothing"}, "idDoesNotExist"),
    ({"verb": "GetRecord", "identifier": "oai:letters.example.org:2005-05-16-hrw-kg", "metadataPrefix": "marc"}, "cannotDisseminateFormat"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "country:AQ"}, "noRecordsMatch"),
    ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
    ({"verb": "ListRecords", "resumptionToken": oai._token({"p": "oai_dc", "f": "yesterday", "u": None, "s": None,
                                                           "k": [0, ""], "n": 0})}, "badResumptionToken"),
    ({"verb": "ListRecords", "resumptionToken": oai._token({"p": "oai_dc", "k": 5})}, "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "abc"}, "badResumptionToken"),
])
def test_errors(repo, params, code):
    doc = ask(repo, **params)
    assert error(doc) == code
    assert doc.find("o:ListRecords", NS) is None and doc.find("o:GetRecord", NS) is None
    if code in ("badVerb", "badArgument"):
        assert not doc.find("o:request", NS).attrib  # the protocol: no arguments echoed


def test_repeated_arguments_are_bad(repo):
    assert error(etree.fromstring(repo.respond([("verb", "Identify"), ("verb", "Identify")]))) == "badVerb"
    doc = etree.fromstring(repo.respond([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "tei")]))
    assert error(doc) == "badArgument"


def test_web_endpoint(archive):
    app = create_app({"TESTING": True, "LETTERS_HOME": str(archive.home), "OAI_PAGE_SIZE": 5})
    try:
        client = app.test_client()
        r = client.get("/oai?verb=Identify")
        assert r.status_code == 200 and r.mimetype == "text/xml"
        assert etree.fromstring(r.data).findtext(".//o:baseURL", namespaces=NS) == "http://localhost/oai"
        doc = etree.fromstring(client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").data)
        seen = ids_of(doc)
        while (token := doc.findtext(".//o:resumptionToken", namespaces=NS)):
            doc = etree.fromstring(client.get("/oai", query_string={"verb": "ListIdentifiers",
                                                                     "resumptionToken": token}).data)
            seen += ids_of(doc)
        assert sorted(seen) == sorted(r["id"] for r in archive.list())
        assert "oai:localhost:" in client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").get_data(as_text=True)
        assert error(etree.fromstring(client.get("/oai?verb=Nope").data)) == "badVerb"
    finally:
        close_archive(app)
