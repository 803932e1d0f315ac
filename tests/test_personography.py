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


def _linear_merge(xml, officials, letter_id, date):
    """The register merge as it was before people were looked up by surname and letters by set:
    every official matched by a scan of the whole file, every insertion in schema order."""
    from archive import personography as pg
    root = pg.parse(xml, "officials.xml") if xml else pg._empty()
    listperson = root.find(".//t:listPerson", NS)
    for official in officials:
        name = " ".join((official.get("name") or "").split())
        if not name:
            continue
        ident = pg._match(root, official)
        person = next((p for p in pg._people(root) if p.get(pg.XML_ID) == ident), None) if ident else None
        if person is None:
            person = etree.SubElement(listperson, pg._T + "person")
            person.set(pg.XML_ID, pg._new_id({p.get(pg.XML_ID) for p in pg._people(root)}, name))
            etree.SubElement(person, pg._T + "persName").text = name
        elif name not in [p.text for p in person.findall("t:persName", NS)]:
            variant = etree.Element(pg._T + "persName", type="variant")
            variant.text = name
            pg._insert(person, variant)
        role = " ".join((official.get("role") or "").split())
        if role:
            occ = next((o for o in person.findall("t:occupation", NS)
                        if (o.findtext("t:roleName", namespaces=NS) or "").casefold() == role.casefold()), None)
            if occ is None:
                occ = etree.Element(pg._T + "occupation")
                etree.SubElement(occ, pg._T + "roleName").text = role
                pg._insert(person, occ)
            pg._date_range(occ, date)
        if official.get("country") and person.find("t:nationality", NS) is None:
            pg._insert(person, etree.Element(pg._T + "nationality", key=official["country"]))
        if letter_id and letter_id not in [i.text for i in person.findall("t:idno", NS)]:
            idno = etree.Element(pg._T + "idno", type="letter")
            idno.text = letter_id
            pg._insert(person, idno)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_a_register_grown_letter_by_letter_is_the_one_a_full_scan_gives(schema):
    """Random officials that share surnames, initials, spellings and roles, merged letter by
    letter into one kept register and, as before, by scanning the whole file each time."""
    import random
    from archive.personography import Register
    rng = random.Random(5)
    surnames = ["Mirzaev", "Mirzayev", "Мирзаев", "Karimov", "Karimova", "Abdullayev", "Abdulaev", "O'Neill",
                "Smith", "Schmidt", "Ng", "...", "Yusupov", "Jusupov", "Dzhurayev"]
    firsts = ["", "B.", "Bakhtiyor", "Bahtiyor", "K.", "Kamila", "John", "J.", "Бахтиёр", "Mr", "Dr."]
    roles = ["", "Minister of Justice", "minister of justice", "Prosecutor General", "President", "Министр"]
    countries = ["", "UZ", "KZ", "GB"]
    register, scanned = Register(None), None
    for n in range(400):
        officials = [{"name": f"{rng.choice(firsts)} {rng.choice(surnames)}".strip(),
                      "role": rng.choice(roles), "country": rng.choice(countries)}
                     for _ in range(rng.randint(0, 3))]
        letter_id, date = f"2019-01-{n:03d}-x-uz", f"20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-01"
        for official in officials:  # the kept register answers what a full scan answers
            assert register.match(official) == match(register.to_bytes(), official)
        for _ in range(2 if rng.random() < 0.1 else 1):  # a letter merged in again, at times
            register.add(officials, letter_id, date)
            scanned = _linear_merge(scanned, officials, letter_id, date)
        if n % 50 == 49:
            assert register.to_bytes() == scanned
    assert register.to_bytes() == scanned
    assert len(people(scanned)) > 20
    assert schema.validate(etree.fromstring(scanned)), schema.error_log


def test_a_register_kept_after_a_write_is_used_only_while_it_is_the_file_at_the_head(tmp_path, monkeypatch):
    """Single writes keep the register they wrote parsed; the next write uses it only if the
    file at the head is still those bytes (a write that did not land is not in it)."""
    from types import SimpleNamespace
    from archive import personography as pg, writer
    from archive.home import Archive
    from archive.store import parse_author
    from conftest import AUTHOR
    parses = []
    real = pg.Register.__init__

    def counting(self, xml):
        parses.append(xml is not None)
        real(self, xml)
    monkeypatch.setattr(pg.Register, "__init__", counting)
    a = Archive.init(tmp_path / "a", AUTHOR)
    try:
        path, author = writer.officials_shard("UZ", "Mirzaev"), parse_author(AUTHOR, a.repo)
        read_from_git = []
        # all in one register file: their surnames begin with M
        names = ["Bakhtiyor Mirzaev", "B. Mirzayev", "Madina Mamatova", "Mr Mamatov", "Бахтиёр Мирзаев", "J. Mills"]
        for i, name in enumerate(names):
            letter = SimpleNamespace(id=f"2020-01-{i + 10}-x-uz", date=f"2020-01-{i + 10}",
                                     officials=[{"name": name, "role": "Minister", "country": "UZ"}])
            before, counted = a.reader.read(path), len(parses)
            files = writer.register_officials(a, [letter])
            read_from_git.append(parses[counted:].count(True))
            assert files[path] == merge(before, letter.officials, letter.id, letter.date)
            if i == 3:
                continue  # this write does not land: the next must not build on its register
            a.store.commit(files, f"letter {i}", author, expected_head=a.reader.head())
        assert b"2020-01-13-x-uz" not in a.reader.read(path)
        assert len(people(a.reader.read(path))) >= 2
        # parsed from the repository only after the write that did not land
        assert read_from_git == [0, 0, 0, 0, 1, 0], read_from_git
    finally:
        a.close()


LETTER = """Human Rights Watch

March 8, 2006

Bakhtiyor Mirzaev
Minister of Internal Affairs
Republic of Uzbekistan
Tashkent

Dear Minister Mirzaev,

We write to urge you to release the human rights defenders detained in Andijan and to
ensure that no one in custody is tortured, as the Convention against Torture requires.

Sincerely,

Holly Cartner
Executive Director, Europe and Central Asia Division
Human Rights Watch
"""


def _legacy_archive(tmp_path, name):
    """An archive written before the registers were split: one register file for Uzbekistan."""
    from archive.home import Archive
    from archive.store import parse_author
    from conftest import AUTHOR
    a = Archive.init(tmp_path / name, AUTHOR)
    xml = None
    for i, official in enumerate([MIRZAEV, {"name": "Kamila Karimova", "role": "Prosecutor General", "country": "UZ"},
                                  {"name": "Mr Karimov", "role": "President", "country": "UZ"},
                                  {"name": "عبد الله", "role": "Ambassador", "country": "UZ"}]):
        xml = merge(xml, [official], f"2004-01-{i + 10}-x-uz", f"2004-01-{i + 10}")
    a.store.commit({"authority/officials/uz.xml": xml}, "An older archive's register", parse_author(AUTHOR, a.repo))
    return a, people(xml)


def _ids(persons) -> list:
    return sorted(p.get("{http://www.w3.org/XML/1998/namespace}id") for p in persons)


def _registers(a) -> dict:
    paths = a.repo.git.ls_tree("-r", "--name-only", "main", "authority/officials/").split()
    return {p: people(a.reader.read(p)) for p in paths}


@pytest.mark.parametrize("bulk", [False, True])
def test_an_older_archives_register_is_split_by_the_next_write_naming_its_country(tmp_path, schema, bulk):
    from conftest import AUTHOR
    a, before = _legacy_archive(tmp_path, "a")
    try:
        if bulk:
            [r] = a.ingest_many([(LETTER.encode(), "mirzaev.txt", {})], AUTHOR)
        else:
            r = a.ingest(LETTER.encode(), "mirzaev.txt", {}, AUTHOR)
        assert r["ok"], r
        assert any(o["name"] == MIRZAEV["name"] for o in a.record(r["id"])["officials"])
        registers = _registers(a)
        assert "authority/officials/uz.xml" not in registers
        assert set(registers) == {"authority/officials/uz/m.xml", "authority/officials/uz/k.xml",
                                  "authority/officials/uz/_.xml"}
        after = [p for ps in registers.values() for p in ps]
        assert _ids(after) == _ids(before)      # nobody lost, nobody added twice
        [mirzaev] = registers["authority/officials/uz/m.xml"]
        assert [i.text for i in mirzaev.findall("t:idno", NS)] == ["2004-01-10-x-uz", r["id"]]
        assert len(registers["authority/officials/uz/k.xml"]) == 2
        for path in registers:
            assert schema.validate(etree.fromstring(a.reader.read(path))), (path, schema.error_log)
        assert a.validate() == []
    finally:
        a.close()


def test_an_official_named_in_many_letters_is_merged_as_a_full_scan_merges(schema):
    """A head of state named in hundreds of letters: names, roles and nationality still go
    before the letters, and a later letter finds the same person, as a whole-file merge does."""
    from archive.personography import Register
    register, scanned = Register(None), None
    steps = [({"name": "Shavkat Mirziyoyev", "role": "Prime Minister", "country": ""}, 300),
             ({"name": "Sh. Mirziyoev", "role": "President", "country": "UZ"}, 5),
             ({"name": "Shavkat Mirziyoyev", "role": "president", "country": "UZ"}, 5),
             ({"name": "Shavkat Mirziyoyev", "role": "President", "country": "KZ"}, 2)]   # another person
    n = 0
    for official, times in steps:
        for _ in range(times):
            letter_id = f"2019-01-{n:04d}-x-uz"
            assert register.match(official) == match(register.to_bytes(), official)
            register.add([official], letter_id, "2019-01-01")
            scanned = _linear_merge(scanned, [official], letter_id, "2019-01-01")
            n += 1
    assert register.to_bytes() == scanned
    assert len(people(scanned)) == 2
    assert schema.validate(etree.fromstring(scanned)), schema.error_log
