"""Letter <-> TEI: exact round trips, and validity against the customisation and tei_all."""
from __future__ import annotations

import string

from hypothesis import given, settings, strategies as st, HealthCheck
from lxml import etree

from archive.letter import Block, Letter, Mention, BLOCK_KINDS, normalise_structure
from archive.tei import from_tei, to_tei
from archive.validate import schema_errors


def _at(blocks, i, word, kind, key="", n=""):
    start = blocks[i].text.index(word)
    return Mention(i, start, start + len(word), kind, key, n)


def full_letter() -> Letter:
    letter = Letter(
        id="2005-05-16-hrw-kg", title="Kyrgyzstan: Ensure Safety of Refugees", date="2005-05-16",
        language="en",
        sender={"organisations": [{"name": "Human Rights Watch", "ref": "hrw"}],
                "signatories": [{"name": "Holly Cartner", "role": "Executive director"}], "place": "New York"},
        addressees=[{"name": "Kurmanbek Bakiev", "role": "Acting President", "country": "KG"}],
        countries=[{"code": "KG", "name": "Kyrgyzstan"}, {"code": "UZ", "name": "Uzbekistan"}],
        officials=[{"name": "Kurmanbek Bakiev", "role": "Acting President", "country": "KG"},
                   {"name": "", "role": "Special Rapporteur on Torture", "country": ""}],
        instruments=[{"id": "udhr", "name": "Universal Declaration of Human Rights", "short": "UDHR",
                      "wikidata": "", "articles": ["14"]},
                     {"id": "geneva-conventions", "name": "Geneva Conventions", "short": "",
                      "wikidata": "", "articles": ["common 3", "3(1)(a)"]}],
        organisations=[{"name": "UNHCR", "ref": "unhcr"}],
        blocks=[Block("letterhead", "Human Rights Watch\n350 Fifth Avenue"), Block("dateline", "16 May 2005"),
                Block("address", "H.E. Kurmanbek Bakiev\nBishkek, Kyrgyzstan"),
                Block("salute", "Dear Acting President Bakiev,"),
                Block("p", "We urge you to keep the border with Uzbekistan open."),
                Block("p", "Article 14 of the Universal Declaration of Human Rights applies."),
                Block("closing", "Sincerely,"), Block("signed", "Holly Cartner\nExecutive director"),
                Block("postscript", "cc: UNHCR")],
        source={"url": "https://example.org/a?b=1&c=2", "file": "letter.txt", "format": "text",
                "sha256": "0" * 64},
        provenance={"date": "archivist", "countries": "extracted"})
    b = letter.blocks
    letter.mentions = [_at(b, 2, "Kyrgyzstan", "place", "KG"), _at(b, 4, "Uzbekistan", "place", "UZ"),
                       _at(b, 5, "Article 14", "article", "udhr", "14"),
                       _at(b, 5, "Universal Declaration of Human Rights", "instrument", "udhr"),
                       _at(b, 8, "UNHCR", "org", "unhcr")]
    return letter


def test_round_trip_full_letter():
    letter = full_letter()
    assert from_tei(to_tei(letter)) == letter


def test_inline_markup_wraps_exactly_the_mentioned_words():
    tei = to_tei(full_letter()).decode()
    assert '<placeName key="UZ">Uzbekistan</placeName>' in tei
    assert '<rs type="article" key="udhr" n="14">Article 14</rs>' in tei
    assert '<signed>Holly Cartner<lb/>Executive director</signed>' in tei


def test_full_letter_valid_against_customisation_and_tei_all(tei_all):
    tree = etree.fromstring(to_tei(full_letter()))
    assert schema_errors(tree) == []
    assert tei_all.validate(tree), tei_all.error_log


def test_minimal_letter_valid(tei_all):
    letter = Letter(id="undated-x", blocks=[Block("p", "Text.")])
    tree = etree.fromstring(to_tei(letter))
    assert schema_errors(tree) == []
    assert tei_all.validate(tree), tei_all.error_log
    assert from_tei(to_tei(letter)) == letter


def test_customisation_rejects_what_it_does_not_define():
    tree = etree.fromstring(to_tei(full_letter()))
    body = tree.find(".//{http://www.tei-c.org/ns/1.0}body")
    etree.SubElement(body, "{http://www.tei-c.org/ns/1.0}table")
    assert schema_errors(tree)


# Text that XML makes hard: markup characters, CDATA and comment openers, RTL, emoji.
HARD = ["<", "&", "]]>", "<!--", "-->", "\"", "'", "مرحبا بالعالم", "שלום", "\u200f", "😀", "👩🏽‍⚖️",
        "Ünïcödé", "\t"]
xml_chars = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
chunk = st.one_of(st.sampled_from(HARD), st.text(xml_chars, min_size=1, max_size=8),
                  st.sampled_from(list(string.ascii_letters + " ")))
block_text = st.lists(chunk, min_size=1, max_size=12).map("".join)


@st.composite
def letters(draw):
    kinds = draw(st.lists(st.sampled_from(BLOCK_KINDS), min_size=1, max_size=8))
    blocks = normalise_structure([Block(k, draw(block_text)) for k in kinds + ["p"]])
    if not any(b.kind == "p" for b in blocks):
        blocks.append(Block("p", "x"))
    mentions = []
    for i, b in enumerate(blocks):
        if len(b.text) >= 2 and "\n" not in b.text and draw(st.booleans()):
            start = draw(st.integers(0, len(b.text) - 2))
            end = draw(st.integers(start + 1, len(b.text)))
            kind = draw(st.sampled_from(["place", "org", "person", "instrument", "article"]))
            mentions.append(Mention(i, start, end, kind, draw(st.sampled_from(["", "KG", "iccpr"])),
                                    "9(1)" if kind == "article" else ""))
    title = draw(block_text).replace("\n", " ").strip()
    return Letter(id="2020-01-01-x", title=title, date="2020-01-01", blocks=blocks, mentions=mentions,
                  sender={"organisations": [{"name": draw(block_text), "ref": ""}], "signatories": [],
                          "place": ""},
                  countries=[{"code": "KG", "name": draw(block_text)}])


def _clean(letter: Letter) -> Letter:
    # A block's text is stripped by Block; the writer keeps mention spans that are non-empty.
    letter.mentions = [m for m in letter.mentions if m.end <= len(letter.blocks[m.block].text)
                       and letter.blocks[m.block].text[m.start:m.end]]
    return letter


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(letters())
def test_round_trip_property(letter):
    letter = _clean(letter)
    data = to_tei(letter)
    assert schema_errors(etree.fromstring(data)) == []
    back = from_tei(data)
    assert back.text == letter.text
    assert back == letter
