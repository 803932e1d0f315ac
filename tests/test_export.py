"""Exports (archive/export.py, `letters export`, /export/...): CMIF valid against the CMIF and
TEI schemas with every letter right, CSV safe for spreadsheets, JSON Lines, the TEI zip."""
from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from click.testing import CliRunner
from lxml import etree

from archive import export
from archive.authority import Authority
from archive.cli import main
from archive.home import Archive
from conftest import AUTHOR, SHARED
from demo_archive import demo_home
from webapp import create_app
from webapp.home import close_archive

BASE = "https://letters.example.org"
NS = {"t": "http://www.tei-c.org/ns/1.0"}


@pytest.fixture(scope="module")
def cmif_schema():
    return etree.RelaxNG(etree.parse(str(SHARED / "schemas" / "cmif.rng")))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    a = Archive.open(demo_home(tmp_path_factory))
    yield a
    a.close()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A small archive whose letter's fields look like spreadsheet formulas."""
    home = tmp_path_factory.mktemp("hostile") / "data"
    a = Archive.init(home, AUTHOR)
    text = b"Dear Minister,\n\nWe ask you to release the detained journalists.\n\nSincerely,\n\nJane Doe\nDirector\n"
    a.ingest(text, "formula.txt", {"title": '=HYPERLINK("http://evil.example","click")',
                                   "sender_org": "+Evil Org", "date": "2020-01-01",
                                   "source_url": "https://evil.example/-1"}, author=AUTHOR)
    yield a
    a.close()


def _cmif(archive, query=""):
    return etree.fromstring(b"".join(export.cmif_chunks(archive, BASE, query)))


def test_cmif_is_valid_cmif_and_tei(demo, cmif_schema, tei_all):
    doc = _cmif(demo)
    assert cmif_schema.validate(doc), str(cmif_schema.error_log)[:1000]
    assert tei_all.validate(doc), str(tei_all.error_log)[:1000]
    ps = doc.find("t:teiHeader/t:fileDesc/t:publicationStmt", NS)
    assert ps.findtext("t:idno[@type='url']", namespaces=NS) == BASE + "/export/cmif.xml"
    assert ps.find("t:availability/t:licence", NS).get("target") == export.LICENCE_URL
    assert ps.find("t:date", NS).get("when")


def test_cmif_has_every_letter_with_its_dates_senders_and_addressees(demo):
    doc = _cmif(demo)
    bibl_id = doc.find(".//t:sourceDesc/t:bibl", NS).get("{http://www.w3.org/XML/1998/namespace}id")
    descs = {d.get("ref"): d for d in doc.iterfind(".//t:correspDesc", NS)}
    records = demo.list()
    assert len(descs) == len(doc.findall(".//t:correspDesc", NS)) == len(records) >= 13
    for rec in records:
        d = descs[f"{BASE}/letters/{rec['id']}"]
        assert d.get("source") == "#" + bibl_id
        sent, received = d.find("t:correspAction[@type='sent']", NS), d.find("t:correspAction[@type='received']", NS)
        date = sent.find("t:date", NS)
        assert (date.get("when") if date is not None else None) == rec["date"], rec["id"]
        assert [e.text for e in sent.findall("t:orgName", NS)] == [o["name"] for o in rec["sender"]["organisations"]]
        assert [e.text for e in sent.findall("t:persName", NS)] == [s["name"] for s in rec["sender"]["signatories"]]
        assert [e.text for e in received.findall("t:persName", NS)] == \
            [a["name"] or a["role"] for a in rec["addressees"]]
        for org in sent.findall("t:orgName", NS):
            assert org.get("ref").startswith(BASE + "/browse/organisations/")
    undated = [r for r in records if not r["date"]]
    assert undated and descs[f"{BASE}/letters/{undated[0]['id']}"].find(".//t:date", NS) is None


def test_cmif_query_restricts_to_the_search(demo, cmif_schema):
    doc = _cmif(demo, "country:UZ")
    assert cmif_schema.validate(doc)
    found = {d.get("ref").rsplit("/", 1)[1] for d in doc.iterfind(".//t:correspDesc", NS)}
    hits = {h["id"] for h in demo.search("country:UZ", limit=100)["hits"]}
    assert found == hits and 0 < len(found) < len(demo.list())
    assert doc.findtext(".//t:idno[@type='url']", namespaces=NS) == BASE + "/export/cmif.xml?q=country%3AUZ"


def test_cmif_source_id_is_stable_and_org_refs_use_wikidata(demo):
    one, two = _cmif(demo), _cmif(demo)
    xml_id = "{http://www.w3.org/XML/1998/namespace}id"
    assert one.find(".//t:bibl", NS).get(xml_id) == two.find(".//t:bibl", NS).get(xml_id)
    ref = export.org_ref({"name": "United Nations", "ref": "un"}, Authority.bundled(), export.Urls(BASE))
    assert ref.split() == ["http://www.wikidata.org/entity/Q1065", BASE + "/browse/organisations/United%20Nations"]


def test_csv_has_every_letter_and_escapes_formulas(demo, hostile):
    rows = list(csv.reader(io.StringIO("".join(export.csv_chunks(demo, BASE)))))
    assert tuple(rows[0]) == export.CSV_COLUMNS
    assert [r[0] for r in rows[1:]] == export.public_ids(demo) and len(rows) - 1 == len(demo.list())
    hrw = next(dict(zip(rows[0], r)) for r in rows[1:] if r[0] == "2005-05-16-hrw-kg")
    assert hrw["senders"] == "Human Rights Watch" and "art. 31" in hrw["instruments"]
    assert hrw["url"] == BASE + "/letters/2005-05-16-hrw-kg" and hrw["version_url"].endswith("/at/" + hrw["version"])
    bad = dict(zip(*list(csv.reader(io.StringIO("".join(export.csv_chunks(hostile, BASE)))))))
    assert bad["title"] == "'" + '=HYPERLINK("http://evil.example","click")'
    assert bad["senders"] == "'+Evil Org"
    assert [export.safe_cell(v) for v in ("-2+3", "@SUM(A1)", "\tx", "plain", None)] == \
        ["'-2+3", "'@SUM(A1)", "'\tx", "plain", ""]


def test_jsonl_lines_are_the_letter_records(demo):
    lines = "".join(export.jsonl_chunks(demo)).splitlines()
    assert len(lines) == len(demo.list())
    for line in lines:
        rec = json.loads(line)
        assert rec == demo.record(rec["id"]) and rec["text"]


def test_tei_zip_holds_every_letter_and_the_authority_files(demo):
    buf = io.BytesIO()
    stats = {}
    export.write_tei_zip(demo, buf, stats=stats)
    with zipfile.ZipFile(buf) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        for rec in demo.list():
            assert zf.read(rec["path"]) == demo.tei(rec["id"])
        assert {"authority/instruments.xml", "authority/organisations.xml"} <= set(names)
    assert stats["letters"] == len(demo.list()) == sum(n.startswith("letters/") for n in names)


def test_cli_export_writes_each_format(demo, tmp_path, cmif_schema):
    runner = CliRunner()
    home = ["--home", str(demo.home)]
    out = tmp_path / "cmif.xml"
    res = runner.invoke(main, ["export", "--format", "cmif", "--output", str(out), "--json",
                               "--base-url", BASE, *home])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"format": "cmif", "query": "", "output": str(out), "letters": len(demo.list())}
    assert cmif_schema.validate(etree.parse(str(out)))
    res = runner.invoke(main, ["export", "--format", "jsonl", "--query", "country:UZ", *home])
    assert res.exit_code == 0
    assert {json.loads(x)["id"] for x in res.stdout.splitlines()} == \
        {h["id"] for h in demo.search("country:UZ", limit=100)["hits"]}
    res = runner.invoke(main, ["export", "--format", "tei-zip", "-o", str(tmp_path / "t.zip"), *home])
    assert res.exit_code == 0 and zipfile.is_zipfile(tmp_path / "t.zip")
    res = runner.invoke(main, ["export", "--format", "csv", "--query", "country:Narnia", "-o", str(tmp_path / "x.csv"), *home])
    assert res.exit_code == 1 and "Error:" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "x.csv").exists() and not list(tmp_path.glob(".export-*"))


@pytest.fixture
def client(demo):
    app = create_app({"TESTING": True, "LETTERS_HOME": str(demo.home)})
    yield app.test_client()
    close_archive(app)


def test_web_exports(client, demo, cmif_schema):
    r = client.get("/export/cmif.xml?q=country:UZ")
    assert r.status_code == 200 and r.mimetype == "application/xml"
    doc = etree.fromstring(r.data)
    assert cmif_schema.validate(doc)
    assert doc.find(".//t:correspDesc", NS).get("ref").startswith("http://localhost/letters/")
    r = client.get("/export/letters.csv")
    assert r.mimetype == "text/csv" and len(r.get_data(as_text=True).strip().splitlines()) == len(demo.list()) + 1
    r = client.get("/export/letters.jsonl")
    assert [json.loads(x)["id"] for x in r.get_data(as_text=True).splitlines()] == export.public_ids(demo)
    r = client.get("/export/tei.zip")
    assert r.mimetype == "application/zip" and zipfile.ZipFile(io.BytesIO(r.data)).testzip() is None
    assert client.get("/export/cmif.xml?q=country:Narnia").status_code == 400
    footer = client.get("/search").get_data(as_text=True)
    for url in ("/export/cmif.xml", "/export/letters.csv", "/export/letters.jsonl", "/export/tei.zip", "/oai?verb=Identify"):
        assert f'href="{url}"' in footer
