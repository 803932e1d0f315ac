"""Metadata extraction on the seed letter and on realistic letters in four languages."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.authority import Authority
from archive.extract import extract
from archive.extract.dates import dateline_date, parse_dates
from archive.extract.instruments import canonical
from archive.extract.language import detect
from archive.letter import Block, paragraphs_to_blocks

SEED = Path(__file__).resolve().parent.parent / "samples" / "hrw-2005-kyrgyzstan-andijan.txt"


@pytest.fixture(scope="module")
def authority():
    return Authority.bundled()


def seed_blocks():
    """The seed letter as the structure module would give it: clutter dropped, signature block."""
    lines = SEED.read_text(encoding="utf-8").strip().split("\n")
    assert lines[0] == "Skip to main content" and lines[-1].startswith("Your tax deductible gift")
    paragraphs = "\n".join(lines[1:-1]).strip().split("\n\n")
    signature = paragraphs[-1].strip()
    assert signature == "Holly Cartner\nExecutive director, Europe and Central Asia division"
    return [Block("p", p) for p in paragraphs[:-1] if p.strip()] + [Block("signed", signature)]


def codes(x):
    return [c["code"] for c in x.countries]


def instruments(x):
    return {i["id"]: i["articles"] for i in x.instruments}


def assert_mentions_well_formed(x, blocks):
    by_block = {}
    for m in x.mentions:
        assert 0 <= m.start < m.end <= len(blocks[m.block].text)
        by_block.setdefault(m.block, []).append(m)
    for ms in by_block.values():
        ms.sort(key=lambda m: m.start)
        for a, b in zip(ms, ms[1:]):
            assert a.end <= b.start, (a, b)


# --- the seed letter ------------------------------------------------------------------------

def test_seed_letter(authority):
    blocks = seed_blocks()
    x = extract(blocks, authority)
    assert sorted(codes(x)) == ["KG", "UZ"]
    assert instruments(x) == {"udhr": ["14"], "refugee-convention": ["31"], "cat": [], "iccpr": []}
    assert x.signatories == [{"name": "Holly Cartner", "role": "Executive director, Europe and Central Asia division"}]
    refs = {o["ref"] for o in x.organisations}
    assert {"unhcr", "icrc", "osce"} <= refs
    assert x.date is None
    assert x.language == "en"
    assert x.title is None
    # "Islamic Movement of Uzbekistan" is an organisation, not a mention of the country
    names = [blocks[m.block].text[m.start:m.end] for m in x.mentions if m.kind == "org" and not m.key]
    assert "Islamic Movement of Uzbekistan" in names
    assert_mentions_well_formed(x, blocks)


def test_seed_letter_mentions(authority):
    blocks = seed_blocks()
    x = extract(blocks, authority)
    spans = {(m.kind, m.key, m.n, blocks[m.block].text[m.start:m.end]) for m in x.mentions}
    assert ("article", "udhr", "14", "article 14") in spans
    assert ("article", "refugee-convention", "31", "Article 31") in spans
    assert ("instrument", "refugee-convention", "", "1951 Convention") in spans
    assert ("place", "KG", "", "Kyrgyz") in spans
    assert ("person", "", "", "Holly Cartner") in spans
    # the office-holder named without a name is an official with an empty name
    assert {"name": "", "role": authority.org("sr-torture")["name"], "country": ""} in x.officials


# --- a structured English letter --------------------------------------------------------------

def structured_letter():
    return [
        Block("letterhead", "Human Rights Watch\n350 Fifth Avenue, New York, NY 10118-3299 USA\nTel: +1-212-290-4700"),
        Block("dateline", "May 16, 2005"),
        Block("address", "H.E. Mr. Shavkat Rakhimov\nMinister of Internal Affairs\nTashkent\nRepublic of Uzbekistan"),
        Block("salute", "Dear Minister Rakhimov,"),
        Block("p", "We write regarding the detention of Mr. Alisher Usmanov, a volunteer with the Human Rights "
                   "Association of Turkey. We ask that you reply by June 30, 2005, and that he be released before "
                   "1 July 2005."),
        Block("p", "His detention violates articles 7 and 10 of the ICCPR and Article 9(1) and (4) of the Covenant. "
                   "Under the Convention against Torture, article 3, no one may be returned to torture; see also "
                   "art. 14(3)(d) of the ICCPR and Common Article 3 of the Geneva Conventions."),
        Block("closing", "Sincerely,"),
        Block("signed", "Rachel Denber\nDeputy Director, Europe and Central Asia Division\nHuman Rights Watch"),
    ]


def test_structured_letter(authority):
    blocks = structured_letter()
    x = extract(blocks, authority)
    assert x.date == "2005-05-16"              # not the deadline in the body
    assert codes(x) == ["UZ"]                  # not US (letterhead), not TR (inside an org's name)
    assert x.addressees == [{"name": "Shavkat Rakhimov", "role": "Minister of Internal Affairs", "country": "UZ"}]
    assert x.officials[0] == x.addressees[0]
    assert x.sender_organisations == [{"name": "Human Rights Watch", "ref": "hrw"}]
    assert x.signatories == [{"name": "Rachel Denber", "role": "Deputy Director, Europe and Central Asia Division"}]
    assert instruments(x) == {"iccpr": ["7", "10", "9(1)", "9(4)", "14(3)(d)"], "cat": ["3"],
                              "geneva-conventions": ["common 3"]}
    assert {"name": "Human Rights Association of Turkey", "ref": ""} in x.organisations
    assert all(o["ref"] != "hrw" for o in x.organisations)   # the sender is not "mentioned"
    assert_mentions_well_formed(x, blocks)


def test_turkey_as_a_country_and_inside_an_organisation(authority):
    blocks = [Block("p", "The Human Rights Association of Turkey reports arrests."),
              Block("p", "The authorities in Turkey must release the journalists.")]
    x = extract(blocks, authority)
    assert codes(x) == ["TR"]
    places = [m for m in x.mentions if m.kind == "place"]
    assert [(m.block, blocks[m.block].text[m.start:m.end]) for m in places] == [(1, "Turkey")]
    assert extract(blocks[:1], authority).countries == []


def test_country_office_of_an_organisation_is_not_a_subject(authority):
    x = extract([Block("p", "Staff of the Human Rights Watch Russia office met officials in Kazakhstan.")], authority)
    assert codes(x) == ["KZ"]


# --- French, Spanish and Russian letters given as plain paragraphs ---------------------------

FRENCH = """FIDH
17 passage de la Main d'Or, 75011 Paris
www.fidh.org

Paris, le 3 mars 2015

Monsieur le Président,

Nous vous écrivons au sujet de la situation des défenseurs des droits humains en Côte d'Ivoire. L'article 19 du Pacte international relatif aux droits civils et politiques garantit la liberté d'expression. Nous vous demandons de nous répondre avant le 15 avril 2015.

Veuillez agréer, Monsieur le Président, l'expression de notre haute considération.

Karim Lahidji
Président de la FIDH"""

SPANISH = """Bogotá, 14 de julio de 2019

Señor Presidente Iván Duque:

Las organizaciones firmantes expresamos nuestra preocupación por los asesinatos de líderes sociales en Colombia, en violación del artículo 4 de la Convención Americana sobre Derechos Humanos. Solicitamos una respuesta antes del 1 de septiembre de 2019.

Atentamente,

Comisión Colombiana de Juristas
Amnesty International
Human Rights Watch"""

RUSSIAN = """12 марта 2016 г.

Уважаемый господин Президент!

Мы обращаемся к вам в связи с задержанием правозащитников в Узбекистане. Статья 9 Международного пакта о гражданских и политических правах запрещает произвольное задержание.

С уважением,
Татьяна Локшина
Human Rights Watch"""


def test_french_letter(authority):
    blocks = paragraphs_to_blocks(FRENCH)
    x = extract(blocks, authority)
    assert x.language == "fr"
    assert x.date == "2015-03-03"
    assert x.place == "Paris"
    assert x.sender_organisations == [{"name": "International Federation for Human Rights", "ref": "fidh"}]
    assert x.signatories == [{"name": "Karim Lahidji", "role": "Président de la FIDH"}]
    assert codes(x) == ["CI"]
    assert instruments(x) == {"iccpr": ["19"]}
    assert x.addressees == [{"name": "", "role": "Président", "country": "CI"}]
    assert_mentions_well_formed(x, blocks)


def test_spanish_joint_letter(authority):
    x = extract(paragraphs_to_blocks(SPANISH), authority)
    assert x.language == "es"
    assert x.date == "2019-07-14"
    assert x.place == "Bogotá"
    assert [o["name"] for o in x.sender_organisations] == [
        "Comisión Colombiana de Juristas", "Amnesty International", "Human Rights Watch"]
    assert x.signatories == []
    assert x.addressees == [{"name": "Iván Duque", "role": "Presidente", "country": "CO"}]
    assert instruments(x) == {"achr": ["4"]}


def test_russian_letter(authority):
    x = extract(paragraphs_to_blocks(RUSSIAN), authority)
    assert x.language == "ru"
    assert x.date == "2016-03-12"
    assert codes(x) == ["UZ"]
    assert instruments(x) == {"iccpr": ["9"]}
    assert x.signatories == [{"name": "Татьяна Локшина", "role": ""}]
    assert x.sender_organisations == [{"name": "Human Rights Watch", "ref": "hrw"}]


def test_undated_letter_with_dates_in_the_body(authority):
    text = ("Dear President Mirziyoyev,\n\nOn 13 May 2005 troops fired on protesters. We urge you to "
            "allow an inquiry by 1 June 2017 and to report to the Committee against Torture in May 2018.\n\n"
            "Sincerely,\n\nJane Doe\nDirector")
    x = extract(paragraphs_to_blocks(text), authority)
    assert x.date is None
    assert x.addressees == [{"name": "Mirziyoyev", "role": "President", "country": ""}]
    assert x.signatories == [{"name": "Jane Doe", "role": "Director"}]
    assert {"name": "Committee against Torture", "ref": "cat-committee"} in x.organisations


# --- instruments and articles ----------------------------------------------------------------

def _articles(text, authority):
    x = extract([Block("p", text)], authority)
    return instruments(x)


@pytest.mark.parametrize("text,expected", [
    ("the right to seek asylum under article 14 of the Universal Declaration", {"udhr": ["14"]}),
    ("Article 31 of the 1951 Convention takes account of this.", {"refugee-convention": ["31"]}),
    ("This breaches articles 7 and 10 of the ICCPR.", {"iccpr": ["7", "10"]}),
    ("See art. 31 of the Refugee Convention.", {"refugee-convention": ["31"]}),
    ("Article 9(1) and (4) of the ICCPR", {"iccpr": ["9(1)", "9(4)"]}),
    ("ICCPR, article 5, and CEDAW, article 3(1)(a)", {"iccpr": ["5"], "cedaw": ["3(1)(a)"]}),
    ("Common Article 3 applies to the conflict.", {"geneva-conventions": ["common 3"]}),
    ("article 3 common to the four Geneva Conventions", {"geneva-conventions": ["common 3"]}),
    ("article 9, paragraph 3, of the International Covenant on Civil and Political Rights", {"iccpr": ["9(3)"]}),
    ("Article 19 of the ICCPR protects expression.", {"iccpr": ["19"]}),
    ("under article 2 of the 2005 law on public order", {}),
    ("the cat sat on the mat", {}),
])
def test_articles(authority, text, expected):
    assert _articles(text, authority) == expected


def test_the_covenant_refers_back_to_the_covenant_named_before(authority):
    text = ("Uzbekistan ratified the International Covenant on Economic, Social and Cultural Rights. "
            "Article 7 of the Covenant guarantees just conditions of work.")
    assert _articles(text, authority) == {"icescr": ["7"]}
    assert _articles("Article 7 of the Covenant prohibits torture.", authority) == {"iccpr": ["7"]}


def test_article_19_the_organisation(authority):
    x = extract([Block("p", "We write about arrests in Azerbaijan."),
                 Block("signed", "ARTICLE 19\nAmnesty International")], authority)
    assert [o["ref"] for o in x.sender_organisations] == ["article-19", "amnesty"]
    assert x.instruments == []


def test_canonical_article_numbers():
    assert canonical("9 (1)") == "9(1)"
    assert canonical("3(1)(a)") == "3(1)(a)"
    assert canonical("9.1") == "9(1)"
    assert canonical("(4)", base="9") == "9(4)"
    assert canonical("9, paragraph 3") == "9(3)"


# --- dates and language ----------------------------------------------------------------------

@pytest.mark.parametrize("line,iso", [
    ("May 16, 2005", "2005-05-16"),
    ("16 May 2005", "2005-05-16"),
    ("Paris, le 3 mars 2015", "2015-03-03"),
    ("Genève, le 1er février 2016", "2016-02-01"),
    ("Bogotá, 14 de julio de 2019", "2019-07-14"),
    ("12 марта 2016 г.", "2016-03-12"),
    ("Москва, 5 декабря 2014 года", "2014-12-05"),
    ("2020-02-29", "2020-02-29"),
    ("16.05.2005", "2005-05-16"),
    ("Date: March 2010", "2010-03"),
    ("New York, Monday, September 4, 2006", "2006-09-04"),
])
def test_dateline_date(line, iso):
    assert dateline_date(line) == iso


@pytest.mark.parametrize("line", [
    "We urge you to respond by June 30, 2005.",
    "On 13 May 2005 troops fired on a crowd in Andijan",
    "31 February 2005",
    "Human Rights Watch",
])
def test_not_a_dateline(line):
    assert dateline_date(line) is None


def test_parse_dates_finds_all_in_order():
    found = [iso for _, _, iso in parse_dates("Between 13 May 2005 and June 1, 2005, and again in July 2006.")]
    assert found == ["2005-05-13", "2005-06-01", "2006-07"]


@pytest.mark.parametrize("text,lang", [
    ("We are writing to you about the situation of the refugees in the region.", "en"),
    ("Nous vous écrivons au sujet de la situation des réfugiés dans la région.", "fr"),
    ("Le escribimos para expresar nuestra preocupación por la situación de los refugiados.", "es"),
    ("Мы обращаемся к вам в связи с положением беженцев в регионе.", "ru"),
])
def test_language(text, lang):
    assert detect(text) == lang


# --- people and joint letters given as plain paragraphs ----------------------------------------

ENGLISH_PLAIN = """June 2, 2011

President Roza Otunbayeva
Office of the President
Bishkek, Kyrgyz Republic

Dear President Otunbayeva,

We write about the trial of Azimjan Askarov. Kazakh Prosecutor General Askhat Daulbayev and Foreign Minister Sergei Lavrov of Russia met in Almaty on 5 May 2011, and the Prosecutor General of Uzbekistan, Rashid Kadyrov, made a statement. The UN Working Group on Arbitrary Detention and the Special Rapporteur on Torture, Juan Méndez, have raised the case.

Sincerely,

Hugh Williamson
Director, Europe and Central Asia Division
Human Rights Watch

cc: Ambassador of the United States to Kyrgyzstan"""


def test_plain_english_letter_people(authority):
    x = extract(paragraphs_to_blocks(ENGLISH_PLAIN), authority)
    assert x.date == "2011-06-02"
    assert x.addressees == [{"name": "Roza Otunbayeva", "role": "President", "country": "KG"}]
    assert x.signatories == [{"name": "Hugh Williamson", "role": "Director, Europe and Central Asia Division"}]
    assert x.sender_organisations == [{"name": "Human Rights Watch", "ref": "hrw"}]
    officials = {(o["name"], o["role"], o["country"]) for o in x.officials}
    assert {("Roza Otunbayeva", "President", "KG"), ("Askhat Daulbayev", "Prosecutor General", "KZ"),
            ("Sergei Lavrov", "Foreign Minister", "RU"), ("Rashid Kadyrov", "Prosecutor General", "UZ"),
            ("Juan Méndez", "Special Rapporteur on Torture", ""),
            ("", "Working Group on Arbitrary Detention", "")} == officials
    # the ambassador in the cc line does not make the letter about the United States
    assert "US" not in codes(x)
    assert codes(x)[0] == "KG"


JOINT = """Dear Ministers,

We, the undersigned organisations, urge the European Union to press Egypt to release detained human rights defenders, in line with the Declaration on Human Rights Defenders.

Signatories:
Amnesty International
Cairo Institute for Human Rights Studies
Egyptian Initiative for Personal Rights
FIDH
Human Rights Watch"""


def test_joint_letter_signatory_organisations(authority):
    x = extract(paragraphs_to_blocks(JOINT), authority)
    assert [(o["name"], o["ref"]) for o in x.sender_organisations] == [
        ("Amnesty International", "amnesty"), ("Cairo Institute for Human Rights Studies", "cairo-institute"),
        ("Egyptian Initiative for Personal Rights", ""), ("International Federation for Human Rights", "fidh"),
        ("Human Rights Watch", "hrw")]
    assert codes(x) == ["EG"]
    assert x.organisations == [{"name": "European Union", "ref": "eu"}]
    assert list(instruments(x)) == ["declaration-hrd"]


def test_letterhead_in_capitals_and_honorifics(authority):
    text = ("CENTRAL ASIAN PRESS FREEDOM WATCH\nBishkek, Kyrgyzstan\n\n14/02/2019\n\n"
            "To: Mr. Farrukh Nazarov\nMinister of Internal Affairs of the Republic of Uzbekistan\nTashkent\n\n"
            "Dear Minister Nazarov,\n\nCentral Asian Press Freedom Watch is alarmed by the detention of a blogger "
            "in Tashkent. Article 19 of the ICCPR protects her reporting; Article 9(1) of that Covenant "
            "prohibits arbitrary arrest, as does article 9 of the Universal Declaration.\n\nSincerely,\n\n"
            "Dr. Aigerim Tokhtarova\nExecutive Director, Central Asian Press Freedom Watch\n\n"
            "cc: Prosecutor General of the Republic of Uzbekistan")
    x = extract(paragraphs_to_blocks(text), authority)
    assert x.date == "2019-02-14"
    assert x.sender_organisations == [{"name": "Central Asian Press Freedom Watch", "ref": ""}]
    assert x.signatories == [{"name": "Aigerim Tokhtarova",
                              "role": "Executive Director, Central Asian Press Freedom Watch"}]
    assert x.addressees == [{"name": "Farrukh Nazarov",
                             "role": "Minister of Internal Affairs of the Republic of Uzbekistan", "country": "UZ"}]
    assert codes(x) == ["UZ"]          # Kyrgyzstan is only in the letterhead
    assert instruments(x) == {"iccpr": ["19", "9(1)"], "udhr": ["9"]}
    assert x.organisations == []       # the sender is not a mentioned organisation


def test_country_names_shaped_like_organisations(authority):
    x = extract([Block("p", "The Russian Federation is bound by the European Convention on Human Rights. "
                            "The Islamic Movement of Uzbekistan was blamed.")], authority)
    assert codes(x) == ["RU"]
    assert x.organisations == [{"name": "Islamic Movement of Uzbekistan", "ref": ""}]


def test_officials_in_copies_need_a_name(authority):
    blocks = [Block("p", "We write about refugees in Bangladesh."),
              Block("postscript", "cc: Refugee Relief and Repatriation Commissioner, Cox's Bazar")]
    x = extract(blocks, authority)
    assert x.officials == []
    assert codes(x) == ["BD"]
