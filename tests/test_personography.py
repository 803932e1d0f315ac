"""The officials personography: one person across letters and spellings, valid TEI."""
from __future__ import annotations


import pytest
from lxml import etree

from archive.personography import match, merge, name_key

NS = {"t": "http://www.tei-c.org/ns/1.0"}
MIRZAEV = {"name": "Bakhtiyor Mirzaev", "role": "Minister of Internal Affairs", "country": "UZ"}


@pytest.fixture
def schema(tei_all):
    """The official TEI schema (compiled once per test session, in conftest.py)."""
    return tei_all


def people(xml: bytes):
    return etree.fromstring(xml).findall(".//t:person", NS)


def test_spellings_of_one_minister_are_one_person(schema):
    xml = merge(None, [MIRZAEV], "2019-01-02-a-uz", "2019-01-02")
    xml = merge(xml, [{"name": "B. Mirzaev", "role": "Minister of Internal Affairs", "country": "UZ"}],
                "2019-05-01-b-uz", "2019-05-01")
    xml = merge(xml, [{"name": "Mirzayev", "role": "Minister", "country": ""}], "2020-02-01-c-uz", "2020-02-01")
    xml = merge(xml, [{"name": "Бахтиёр Мирзаев", "role": "Министр внутренних дел", "country": "UZ"}],
                "2021-03-01-d-uz", "2021-03-01")
    found = people(xml)
    assert len(found) == 1
    person = found[0]
    names = [p.text for p in person.findall("t:persName", NS)]
    assert names == ["Bakhtiyor Mirzaev", "B. Mirzaev", "Mirzayev", "Бахтиёр Мирзаев"]
    assert [p.get("type") for p in person.findall("t:persName", NS)] == [None, "variant", "variant", "variant"]
    occ = person.find("t:occupation", NS)
    assert occ.findtext("t:roleName", namespaces=NS) == "Minister of Internal Affairs"
    assert (occ.get("notBefore"), occ.get("notAfter")) == ("2019-01-02", "2019-05-01")
    assert person.find("t:nationality", NS).get("key") == "UZ"
    assert [i.text for i in person.findall("t:idno", NS)] == [
        "2019-01-02-a-uz", "2019-05-01-b-uz", "2020-02-01-c-uz", "2021-03-01-d-uz"]
    assert schema.validate(etree.fromstring(xml)), schema.error_log
    assert match(xml, {"name": "Mr. Bakhtiyor Mirzayev", "role": "", "country": "UZ"}) == person.get(
        "{http://www.w3.org/XML/1998/namespace}id")


def test_different_people_stay_apart(schema):
    xml = merge(None, [MIRZAEV, {"name": "Jamshid Mirzaev", "role": "Governor", "country": "UZ"},
                       {"name": "Aziz Mirzaev", "role": "Ambassador", "country": "KZ"},
                       {"name": "", "role": "Special Rapporteur on torture", "country": ""}], "x", None)
    ids = [p.get("{http://www.w3.org/XML/1998/namespace}id") for p in people(xml)]
    assert len(ids) == len(set(ids)) == 3        # the office without a holder is no person
    assert match(xml, {"name": "J. Mirzaev", "role": "", "country": "UZ"}) == ids[1]
    assert match(xml, {"name": "Mirzaev", "role": "Ambassador", "country": "KZ"}) == ids[2]
    assert match(xml, {"name": "Dilnoza Karimova", "role": "Minister", "country": "UZ"}) is None
    assert match(None, MIRZAEV) is None
    assert schema.validate(etree.fromstring(xml)), schema.error_log


def test_merging_the_same_letter_twice_changes_nothing():
    once = merge(None, [MIRZAEV], "l1", "2019-01-02")
    assert merge(once, [MIRZAEV], "l1", "2019-01-02") == once


@pytest.mark.parametrize("a,b", [("Mirzaev", "Mirzayev"), ("Abdullayev", "Абдуллаев"), ("Yusupov", "Юсупов"),
                                 ("Khaydarov", "Хайдаров")])
def test_transliteration_variants_share_a_key(a, b):
    assert name_key(a)[0] == name_key(b)[0]
