"""The authority files: valid TEI, the entries letters need, and the Authority look-ups."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from archive.authority import BUNDLED_FILES, Authority
from archive.errors import IngestError

ROOT = Path(__file__).resolve().parent.parent

CORE = ["udhr", "iccpr", "iccpr-op1", "iccpr-op2", "icescr", "icescr-op", "cat", "opcat", "cerd",
        "cedaw", "cedaw-op", "crc", "crc-opac", "crc-opsc", "crc-opic", "cmw", "crpd", "crpd-op", "ced",
        "refugee-convention", "refugee-protocol", "statelessness-1954", "statelessness-1961",
        "geneva-conventions", "geneva-i", "geneva-ii", "geneva-iii", "geneva-iv", "geneva-ap1",
        "geneva-ap2", "geneva-ap3", "rome-statute", "genocide-convention", "echr",
        "european-social-charter", "istanbul-convention", "eu-charter", "achr", "american-declaration",
        "african-charter", "maputo-protocol"]


@pytest.fixture
def schema(tei_all):
    """The official TEI schema (compiled once per test session, in conftest.py)."""
    return tei_all


@pytest.fixture(scope="module")
def authority():
    return Authority.bundled()


@pytest.mark.parametrize("repo_path", sorted(BUNDLED_FILES))
def test_bundled_files_are_valid_tei(schema, repo_path):
    doc = etree.parse(BUNDLED_FILES[repo_path])
    assert schema.validate(doc), schema.error_log


def test_bundled_files_map_repository_paths_to_existing_files():
    assert set(BUNDLED_FILES) == {"authority/instruments.xml", "authority/organisations.xml"}
    assert all(Path(p).is_file() for p in BUNDLED_FILES.values())


def test_instruments_cover_the_core_treaties(authority):
    ids = [i["id"] for i in authority.instruments]
    assert len(ids) == len(set(ids)) >= 120
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", i) for i in ids)
    missing = [i for i in CORE if authority.instrument(i) is None]
    assert missing == []


def test_instrument_record_shape(authority):
    iccpr = authority.instrument("iccpr")
    assert iccpr["name"] == "International Covenant on Civil and Political Rights"
    assert iccpr["short"] == "ICCPR"
    assert "the Covenant" in iccpr["aliases"]
    assert iccpr["titles"]["fr"] == "Pacte international relatif aux droits civils et politiques"
    assert set(iccpr["titles"]) == {"fr", "es", "ru"}
    assert iccpr["adopted"] == "1966-12-16"
    refugee = authority.instrument("refugee-convention")
    for alias in ("the Refugee Convention", "the 1951 Convention", "1951 Refugee Convention"):
        assert alias in refugee["aliases"]
    assert {"CAT", "Convention against Torture"} <= set(authority.instrument("cat")["aliases"])
    assert authority.instrument("no-such-treaty") is None


def test_every_instrument_has_a_title_and_a_valid_adoption_date(authority):
    for inst in authority.instruments:
        assert inst["name"], inst["id"]
        assert re.fullmatch(r"\d{4}(-\d\d-\d\d)?", inst["adopted"]), inst["id"]
        assert inst["wikidata"] == "" or re.fullmatch(r"Q\d+", inst["wikidata"])


def test_core_treaties_have_french_spanish_and_russian_titles(authority):
    for ident in CORE:
        assert set(authority.instrument(ident)["titles"]) == {"fr", "es", "ru"}, ident


def test_organisations(authority):
    ids = [o["id"] for o in authority.organisations]
    assert len(ids) == len(set(ids)) >= 50
    for ident in ("hrw", "amnesty", "unhcr", "ohchr", "unicef", "icrc", "osce", "coe", "eu", "au",
                  "oas", "iachr", "achpr", "fidh", "icj", "cpj", "rsf", "front-line-defenders",
                  "freedom-house", "nrc", "crisis-group", "human-rights-first", "omct",
                  "civil-rights-defenders", "ccpr", "cat-committee", "sr-torture", "hrc"):
        assert authority.org(ident) is not None, ident
    hrw = authority.org("hrw")
    assert hrw["name"] == "Human Rights Watch" and hrw["abbr"] == "HRW"


@pytest.mark.parametrize("name,ident", [
    ("UNHCR", "unhcr"), ("unhcr", "unhcr"), ("the UN Refugee Agency", "unhcr"),
    ("Organization for Security and Cooperation in Europe", "osce"), ("OSCE", "osce"),
    ("Human Rights Watch", "hrw"), ("amnesty international", "amnesty"),
    ("Reporters sans frontières", "rsf"), ("Комитет против пыток", "cat-committee"),
])
def test_find_org(authority, name, ident):
    assert authority.find_org(name)["id"] == ident


def test_find_org_unknown(authority):
    assert authority.find_org("Committee for the Defence of Nobody in Particular") is None
    assert authority.find_org("") is None


def test_from_xml_reads_the_archive_copies():
    """The archive loads its own (possibly corrected) copies: a minimal pair of files works."""
    tei = b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/><text><body>%s</body></text></TEI>'
    inst = tei % (b'<listBibl><bibl xml:id="x-treaty"><title type="main" xml:lang="en">X Treaty</title>'
                  b'<title type="short">XT</title><title xml:lang="fr">Trait\xc3\xa9 X</title>'
                  b'<date when="2001-02-03"/><idno type="wikidata">Q1</idno></bibl></listBibl>')
    orgs = tei % b'<listOrg><org xml:id="x-org"><orgName type="full">X Org</orgName><orgName type="abbr">XO</orgName></org></listOrg>'
    a = Authority.from_xml(inst, orgs)
    assert a.instruments == [{"id": "x-treaty", "name": "X Treaty", "short": "XT", "aliases": ["XT", "Traité X"],
                              "titles": {"fr": "Traité X"}, "adopted": "2001-02-03", "wikidata": "Q1"}]
    assert a.find_org("xo")["id"] == "x-org"


def test_from_xml_refuses_entities():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE TEI [<!ENTITY a "aaaa">]>'
            b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><listBibl/></body></text></TEI>')
    with pytest.raises(IngestError):
        Authority.from_xml(bomb, bomb)


def test_from_xml_requires_ids():
    tei = b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><listBibl><bibl><title>x</title></bibl></listBibl></body></text></TEI>'
    with pytest.raises(IngestError, match="xml:id"):
        Authority.from_xml(tei, tei)
