"""Tests for archive.diff: version chains of one letter, and related letters compared."""
import unicodedata

from hypothesis import given, settings, strategies as st

from archive.diff import apply_changes, diff_letters, diff_texts, shared_ratio, summarize
from archive.letter import Block, Letter, Mention, paragraphs_to_blocks
from archive.textdiff import compare_key, word_diff

SALUTE = "Dear Mr. Bakiev,"
P1 = ("We write to express our deep concern for the safety of the people who have fled the "
      "violence in Andijan, Uzbekistan, and are now seeking refuge in southern Kyrgyzstan.")
P2_TYPO = ("We urge your government to keep the border with Uzbekistan open for as long as the "
           "crisis lasts, and to make sure that every crossing point has enough staff to "
           "recieve those who arrive.")
P2 = P2_TYPO.replace("recieve", "receive")
P3 = ("Border officials should not demand valid passports from people fleeing for their lives. "
      "Many of them, especially the wounded, could not bring any documents with them. Article 31 "
      "of the 1951 Refugee Convention protects refugees from penalties for irregular entry.")
P4 = ("No refugee should be returned to Uzbekistan while there is a risk of torture or "
      "persecution. Forced returns would violate the principle of non-refoulement, which binds "
      "Kyrgyzstan.")
P5 = ("We would be grateful for a meeting with your office to discuss these concerns, and we "
      "thank you for your attention to this urgent matter.")
NEW = ("We are also troubled by reports that officers of the Uzbek security services have been "
       "seen in the camps near Jalal-Abad, questioning refugees about their part in the protest.")


def letter(paragraphs=(P1, P2_TYPO, P3, P4, P5)) -> Letter:
    """Version 1 of the letter: salutation, paragraphs, closing, signature (blocks 0..n+2)."""
    blocks = [Block("salute", SALUTE)] + [Block("p", p) for p in paragraphs]
    blocks += [Block("closing", "Sincerely,"),
               Block("signed", "Holly Cartner\nExecutive Director, Europe and Central Asia")]
    return Letter(
        id="2005-05-16-hrw-kg", title="Kyrgyzstan: Ensure Safety of Refugees", date="2005-05-16",
        sender={"organisations": [{"name": "Human Rights Watch", "ref": "Q187052"}],
                "signatories": [{"name": "Holly Cartner", "role": "Executive Director"}],
                "place": "New York"},
        addressees=[{"name": "Kurmanbek Bakiev", "role": "President", "country": "KG"}],
        countries=[{"code": "KG", "name": "Kyrgyzstan"}, {"code": "UZ", "name": "Uzbekistan"}],
        officials=[{"name": "Kurmanbek Bakiev", "role": "President", "country": "KG"}],
        instruments=[{"id": "refugee-convention", "short": "1951 Refugee Convention",
                      "name": "Convention relating to the Status of Refugees",
                      "wikidata": "Q552035", "articles": ["31"]}],
        organisations=[{"name": "UNHCR", "ref": "Q170466"}],
        blocks=blocks,
        mentions=[Mention(block=1, start=97, end=104, kind="place", key="UZ")],
        source={"url": "https://www.hrw.org/news/2005/05/16/kyrgyzstan", "file": "kg.html",
                "format": "html", "sha256": "0" * 64},
    )


def with_paragraphs(old: Letter, paragraphs) -> Letter:
    new = old.copy()
    new.blocks = letter(paragraphs).blocks
    return new


def test_typo_fixed_is_one_replace_with_word_diff():
    old = letter()
    new = with_paragraphs(old, [P1, P2, P3, P4, P5])
    assert diff_letters(old, new) == [{
        "kind": "replace", "before": P2_TYPO, "after": P2, "field": None,
        "block": 2, "block_kind": "p", "from_block": 2, "to_block": 2,
        "words": [["equal", P2.split("receive")[0]], ["delete", "recieve"],
                  ["insert", "receive"], ["equal", " those who arrive."]],
    }]
    assert summarize(diff_letters(old, new)) == "text: 1 word changed"


def test_paragraph_inserted():
    old = letter()
    new = with_paragraphs(old, [P1, P2_TYPO, P3, NEW, P4, P5])
    assert diff_letters(old, new) == [{
        "kind": "insert", "before": None, "after": NEW, "field": None,
        "block": 4, "block_kind": "p", "from_block": None, "to_block": 4}]
    assert summarize(diff_letters(old, new)) == "text: 1 paragraph added"


def test_paragraph_deleted_points_at_old_block():
    old = letter()
    new = with_paragraphs(old, [P1, P2_TYPO, P4, P5])
    assert diff_letters(old, new) == [{
        "kind": "delete", "before": P3, "after": None, "field": None,
        "block": 3, "block_kind": "p", "from_block": 3, "to_block": None}]


def test_sentence_reworded():
    reworded = P4.replace("Forced returns would violate the principle of non-refoulement, "
                          "which binds Kyrgyzstan.",
                          "Sending people back against their will would breach the principle "
                          "of non-refoulement, by which Kyrgyzstan is bound.")
    old = letter()
    new = with_paragraphs(old, [P1, P2_TYPO, P3, reworded, P5])
    assert diff_letters(old, new) == [{
        "kind": "replace", "before": P4, "after": reworded, "field": None,
        "block": 4, "block_kind": "p", "from_block": 4, "to_block": 4,
        "words": [["equal", P4.split("Forced")[0]],
                  ["delete", "Forced returns"],
                  ["insert", "Sending people back against their will"],
                  ["equal", " would "],
                  ["delete", "violate"], ["insert", "breach"],
                  ["equal", " the principle of non-refoulement, "],
                  ["insert", "by "],
                  ["equal", "which "],
                  ["delete", "binds Kyrgyzstan"], ["insert", "Kyrgyzstan is bound"],
                  ["equal", "."]],
    }]
    assert summarize(diff_letters(old, new)) == "text: 11 words changed"


def test_paragraph_moved_is_one_move():
    old = letter()
    new = with_paragraphs(old, [P1, P3, P2_TYPO, P4, P5])
    assert diff_letters(old, new) == [{
        "kind": "move", "before": P3, "after": P3, "field": None,
        "block": 2, "block_kind": "p", "from_block": 3, "to_block": 2}]
    assert summarize(diff_letters(old, new)) == "text: 1 paragraph moved"


def test_paragraph_moved_and_edited_is_move_plus_replace():
    edited = P3.replace("the wounded", "the injured")
    old = letter()
    new = with_paragraphs(old, [P1, P2_TYPO, P4, P5, edited])
    common = {"before": P3, "after": edited, "field": None, "block": 5, "block_kind": "p",
              "from_block": 3, "to_block": 5}
    assert diff_letters(old, new) == [
        {"kind": "move", **common},
        {"kind": "replace", **common,
         "words": [["equal", P3.split("wounded")[0]], ["delete", "wounded"],
                   ["insert", "injured"], ["equal", edited.split("injured")[1]]]},
    ]
    assert summarize(diff_letters(old, new)) == "text: 1 paragraph moved, 1 word changed"


def test_instrument_citation_added():
    cited = P4[:-1] + ", and article 7 of the International Covenant on Civil and Political Rights."
    old = letter()
    new = with_paragraphs(old, [P1, P2_TYPO, P3, cited, P5])
    new.instruments.append({"id": "iccpr", "short": "ICCPR", "wikidata": "Q780744",
                            "name": "International Covenant on Civil and Political Rights",
                            "articles": ["7"]})
    new.mentions.append(Mention(block=4, start=160, end=169, kind="article", key="iccpr", n="7"))
    assert diff_letters(old, new) == [
        {"kind": "replace", "before": P4, "after": cited, "field": None, "block": 4,
         "block_kind": "p", "from_block": 4, "to_block": 4,
         "words": [["equal", P4[:-1]],
                   ["insert", ", and article 7 of the International Covenant on Civil and "
                              "Political Rights"],
                   ["equal", "."]]},
        {"kind": "metadata", "field": "instruments", "before": "1951 Refugee Convention art. 31",
         "after": "1951 Refugee Convention art. 31, ICCPR art. 7"},
    ]
    assert summarize(diff_letters(old, new)) == "text: 12 words changed; metadata: instruments"


def test_article_added_to_cited_instrument():
    old = letter()
    new = old.copy()
    new.instruments[0]["articles"] = ["33", "31"]
    assert diff_letters(old, new) == [{
        "kind": "metadata", "field": "instruments.refugee-convention.articles",
        "before": "31", "after": "31, 33"}]
    assert summarize(diff_letters(old, new)) == "metadata: instrument articles"


def test_addressee_title_corrected_is_metadata_only():
    old = letter()
    new = old.copy()
    new.addressees[0]["role"] = "Acting President"
    new.officials[0]["role"] = "Acting President"
    assert diff_letters(old, new) == [
        {"kind": "metadata", "field": "addressees[0].role",
         "before": "President", "after": "Acting President"},
        {"kind": "metadata", "field": "officials[0].role",
         "before": "President", "after": "Acting President"},
    ]
    assert summarize(diff_letters(old, new)) == "metadata: addressee role, official role"


def test_date_changed():
    old = letter()
    new = old.copy()
    new.date = "2005-05-17"
    assert diff_letters(old, new) == [
        {"kind": "metadata", "field": "date", "before": "2005-05-16", "after": "2005-05-17"}]
    new.date = None
    assert diff_letters(old, new) == [
        {"kind": "metadata", "field": "date", "before": "2005-05-16", "after": None}]


def test_country_added_and_addressee_added_are_whole_list_changes():
    old = letter()
    new = old.copy()
    new.countries.append({"code": "KZ", "name": "Kazakhstan"})
    new.addressees.append({"name": "Roza Otunbayeva", "role": "Minister of Foreign Affairs",
                           "country": "KG"})
    assert diff_letters(old, new) == [
        {"kind": "metadata", "field": "addressees", "before": "Kurmanbek Bakiev (President, KG)",
         "after": "Kurmanbek Bakiev (President, KG), "
                  "Roza Otunbayeva (Minister of Foreign Affairs, KG)"},
        {"kind": "metadata", "field": "countries", "before": "KG, UZ", "after": "KG, UZ, KZ"},
    ]


def test_same_person_twice_reordered_is_no_change():
    old = letter()
    old.officials.append({"name": "Kurmanbek Bakiev", "role": "Acting President", "country": "KG"})
    new = old.copy()
    new.officials.reverse()
    assert diff_letters(old, new) == []
    new.officials[0]["role"] = "Prime Minister"
    assert diff_letters(old, new) == [{"kind": "metadata", "field": "officials[0].role",
                                       "before": "Acting President", "after": "Prime Minister"}]


def test_derived_lists_reordered_are_no_change():
    old = letter()
    new = old.copy()
    new.countries.reverse()
    assert diff_letters(old, new) == []


def test_whitespace_reflow_only_is_no_change():
    old = letter()
    reflowed = [P1.replace(" the ", "\nthe ", 3), P2_TYPO.replace(", ", ",  "),
                P3.replace(". ", ".\u00a0"), P4 + "   ", "  " + P5]
    new = with_paragraphs(old, reflowed)
    assert new.blocks[1].text != old.blocks[1].text   # the fixture really differs
    assert diff_letters(old, new) == []
    assert summarize(diff_letters(old, new)) == "no changes"


def test_nfd_versus_nfc_is_no_change():
    para = "We welcome the statement of the Fédération internationale pour les droits humains."
    old = letter([P1, unicodedata.normalize("NFC", para)])
    old.organisations.append({"name": "Fédération internationale pour les droits humains"})
    new = letter([P1, unicodedata.normalize("NFD", para)])
    new.organisations.append({"name": unicodedata.normalize("NFD", old.organisations[-1]["name"])})
    assert new.blocks[2].text != old.blocks[2].text
    assert diff_letters(old, new) == []


def test_typographic_quotes_are_no_change():
    old = letter([P1, 'The authorities called them "terrorists" and the government\'s view.'])
    new = letter([P1, "The authorities called them \u201cterrorists\u201d and the "
                      "government\u2019s view."])
    assert diff_letters(old, new) == []


def test_ignored_fields_are_no_change():
    old = letter()
    new = old.copy()
    new.source["sha256"] = "f" * 64
    new.source["file"] = "kg-corrected.html"
    new.provenance = {"date": "archivist"}
    new.mentions = []
    assert diff_letters(old, new) == []


def test_block_kind_only_change_is_metadata():
    old = letter()
    new = old.copy()
    new.blocks[6] = Block("p", "Sincerely,")
    assert diff_letters(old, new) == [
        {"kind": "metadata", "field": "blocks[6].kind", "before": "closing", "after": "p"}]
    assert summarize(diff_letters(old, new)) == "metadata: block kind"


def test_summary_of_mixed_changes():
    old = letter()
    new = with_paragraphs(old, [P1, P3, P2, NEW, P4, P5])
    new.addressees[0]["role"] = "Acting President"
    new.date = "2005-05-17"
    assert summarize(diff_letters(old, new)) == (
        "text: 1 paragraph added, 1 paragraph moved, 1 word changed; "
        "metadata: date, addressee role")


def test_template_sent_to_two_governments():
    kg = ("Dear Mr. Bakiev,\n\nWe urge the government of Kyrgyzstan to protect refugees from "
          "Andijan.\n\nWe thank you for your attention.")
    kz = ("Dear Mr. Nazarbayev,\n\nWe urge the government of Kazakhstan to protect refugees "
          "from Andijan.\n\nWe thank you for your attention.")
    changes = diff_texts(kg, kz)
    assert [(c["kind"], c["block"]) for c in changes] == [("replace", 0), ("replace", 1)]
    assert changes[1]["words"] == [["equal", "We urge the government of "],
                                   ["delete", "Kyrgyzstan"], ["insert", "Kazakhstan"],
                                   ["equal", " to protect refugees from Andijan."]]
    a, b = Letter(blocks=paragraphs_to_blocks(kg)), Letter(blocks=paragraphs_to_blocks(kz))
    assert shared_ratio(a, b) == 2 * 18 / 40
    assert shared_ratio(a, a) == 1.0
    assert shared_ratio(a, Letter(blocks=paragraphs_to_blocks("Nothing alike here."))) == 0.0


def test_diff_texts_of_unrelated_paragraphs_is_delete_and_insert():
    assert [c["kind"] for c in diff_texts(P1, P5)] == ["delete", "insert"]


# --- properties -------------------------------------------------------------------------

WORDS = ["the", "government", "refugees", "border", "Kyrgyzstan", "urge", "we", "must",
         "protect", "article", "31", "Convention", "torture", "return", "safety", "of"]
PUNCT = ["", "", ",", ".", ";"]
paragraph = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(PUNCT)),
                     min_size=1, max_size=12).map(lambda ws: " ".join(w + p for w, p in ws))
paragraphs = st.lists(paragraph, max_size=8)


@settings(max_examples=200, deadline=None)
@given(paragraphs, st.sampled_from(["2005-05-16", None]), st.text(max_size=20))
def test_letter_against_itself_is_empty(pars, date, title):
    old = letter(pars)
    old.date, old.title = date, title
    assert diff_letters(old, old.copy()) == []


@settings(max_examples=300, deadline=None)
@given(paragraphs, paragraphs)
def test_applying_changes_rebuilds_new_paragraphs(old, new):
    changes = diff_texts("\n\n".join(old), "\n\n".join(new))
    assert {c["kind"] for c in changes} <= {"insert", "delete", "replace", "move"}
    rebuilt = apply_changes(old, changes)
    assert [compare_key(p) for p in rebuilt] == [compare_key(p) for p in new]
    if [compare_key(p) for p in old] == [compare_key(p) for p in new]:
        assert changes == []


@settings(max_examples=300, deadline=None)
@given(paragraph, paragraph)
def test_word_diff_holds_both_texts(a, b):
    words = word_diff(a, b)
    assert "".join(t for op, t in words if op != "insert") == a
    assert "".join(t for op, t in words if op != "delete") == b
