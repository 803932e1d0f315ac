"""archive.readers.text: encoding detection, refusal of non-text, cleaning, read_text."""
import codecs
from pathlib import Path

import pytest

from archive.errors import IngestError
from archive.readers.base import ReadResult
from archive.readers.text import MAX_TEXT_BYTES, decode, read_text

DATA = Path(__file__).parent / "data" / "text"


def read(name):
    return read_text((DATA / name).read_bytes(), name)


def kinds_texts(result):
    return [(b.kind, b.text) for b in result.blocks]


def test_cp1252_letter_keeps_curly_quotes_and_em_dash():
    r = read("cp1252-letter.txt")
    assert isinstance(r, ReadResult) and r.format == "text"
    assert r.meta == {"encoding": "windows-1252"}
    assert kinds_texts(r) == [
        ("letterhead", "Central Asia Rights Forum"),
        ("dateline", "12 June 2006"),
        ("salute", "Dear Minister,"),
        ("p", "We write to you about the case of Ms. Aziza Karimova, who was detained on 3 June "
              "2006 in Osh. Her lawyer was told that she was held \u201cfor questioning only\u201d "
              "\u2014 yet she has now spent nine days in custody without charge."),
        ("p", "We ask that your ministry\u2019s officials explain the legal basis for her detention, "
              "and that she be released or charged with a recognisable offence without delay."),
        ("closing", "Sincerely,"),
        ("signed", "Anna Lindqvist\nExecutive Director"),
    ]
    assert r.warnings == []


def test_latin1_french_letter():
    r = read("latin1-french.txt")
    assert r.meta["encoding"] == "iso-8859-1"
    assert kinds_texts(r) == [
        ("dateline", "Paris, le 3 mars 2015"),
        ("salute", "Monsieur le Ministre,"),
        ("p", "Nous vous écrivons au sujet de la détention de M. Karim Benali, journaliste, arrêté "
              "à Tunis le 12 février 2015. Selon sa famille, il n'a pas pu consulter d'avocat "
              "depuis son arrestation."),
        ("p", "Nous vous demandons de garantir son droit à un procès équitable, conformément à "
              "l'article 14 du Pacte international relatif aux droits civils et politiques, et de "
              "le libérer s'il n'est pas inculpé d'une infraction reconnue."),
        ("closing", "Veuillez agréer, Monsieur le Ministre, l'expression de notre très haute "
                    "considération."),
        ("signed", "Claire Martin\nDirectrice, Fédération des droits humains"),
    ]


def test_utf16_with_bom():
    r = read("utf16-bom.txt")
    assert r.meta["encoding"] == "utf-16-le"
    assert kinds_texts(r) == [
        ("dateline", "16 May 2005"),
        ("salute", "Your Excellency,"),
        ("p", "We welcome the decision to open the border crossing at Kara-Suu to people fleeing "
              "the violence in Andijan."),
        ("p", "We urge you to keep it open and to let UNHCR register every person who asks for "
              "protection."),
        ("closing", "Yours faithfully,"),
        ("signed", "Holly Cartner"),
    ]


RUSSIAN = [
    ("dateline", "Москва, 12 мая 2019 г."),
    ("address", "Министру внутренних дел\nРоссийской Федерации"),
    ("salute", "Уважаемый господин министр!"),
    ("p", "Мы обращаемся к вам в связи с задержанием мирных демонстрантов в Екатеринбурге. "
          "По нашим данным, задержанным не предоставили адвокатов."),
    ("p", "Просим вас обеспечить их право на защиту и освободить всех, кто задержан за мирный "
          "протест."),
    ("closing", "С уважением,"),
    ("signed", "Анна Иванова\nДиректор правозащитного центра"),
]


@pytest.mark.parametrize("name,encoding", [("cp1251-russian.txt", "windows-1251"),
                                           ("koi8r-russian.txt", "koi8-r")])
def test_cyrillic_code_pages(name, encoding):
    r = read(name)
    assert r.meta["encoding"] == encoding
    assert kinds_texts(r) == RUSSIAN


@pytest.mark.parametrize("enc", ["cp1251", "koi8-r", "iso8859-5", "mac-cyrillic", "cp866"])
def test_cyrillic_with_capitals_heading(enc):
    # An all-capitals letterhead must not tip the choice to a table that swaps case.
    text = ("ПРАВОЗАЩИТНЫЙ ЦЕНТР \"МЕМОРИАЛ\"\nМосква, ул. Каретный Ряд, д. 5/10\n\n"
            "Уважаемый Игорь Викторович!\n\nНам стало известно, что в Чечне задержаны "
            "сотрудники ООН и ОБСЕ. Просим Вас вмешаться.\n")
    assert decode(text.encode(enc), "x.txt") == text


@pytest.mark.parametrize("bom,codec,label", [
    (codecs.BOM_UTF8, "utf-8", "utf-8"), (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
])
def test_other_boms(bom, codec, label):
    text = "Dear Minister,\n\nWe write about Ms. Łukasiewicz and Mr. Öztürk, held since 2 May.\n"
    r = read_text(bom + text.encode(codec), "bom.txt")
    assert r.meta["encoding"] == label
    assert decode(bom + text.encode(codec), "bom.txt") == text


def test_plain_utf8_sample_letter():
    path = Path(__file__).parents[1] / "samples" / "hrw-2005-kyrgyzstan-andijan.txt"
    r = read_text(path.read_bytes(), path.name)
    assert r.meta == {"encoding": "utf-8"}
    assert r.blocks[-1].kind == "signed"
    assert any("page clutter" in w and "Skip to main content" in w for w in r.warnings)


@pytest.mark.parametrize("name", ["empty.txt", "whitespace.txt"])
def test_empty_files_are_refused(name):
    with pytest.raises(IngestError) as exc:
        read(name)
    assert name in exc.value.message and "empty" in exc.value.message


def test_png_renamed_txt_is_refused():
    with pytest.raises(IngestError) as exc:
        read("image-renamed.txt")
    assert "image-renamed.txt" in exc.value.message and "PNG" in exc.value.message


def test_binary_garbage_is_refused(tmp_path):
    # Bytes with many control characters and no known signature.
    path = tmp_path / "garbage.txt"
    path.write_bytes(bytes(range(1, 32)) * 40 + b"some words")
    with pytest.raises(IngestError) as exc:
        decode(path.read_bytes(), path.name)
    assert "garbage.txt" in exc.value.message and "not a text file" in exc.value.message


def test_nul_bytes_are_refused():
    with pytest.raises(IngestError, match="NUL"):
        decode("Dear Minister,".encode("utf-16-le"), "nobom.txt")


def test_oversized_file_is_refused():
    data = b"a" * (MAX_TEXT_BYTES + 1)
    with pytest.raises(IngestError) as exc:
        decode(data, "huge.txt")
    assert "huge.txt" in exc.value.message and "limit" in exc.value.message
    assert decode(b"a" * 1000, "ok.txt") == "a" * 1000


def test_cleaning_line_ends_invisibles_and_nfc():
    raw = ("Caf\u0065\u0301\r\nline\u200btwo\rthree\u0007\u00adx\u2028four\ufeff").encode("utf-8")
    assert decode(raw, "c.txt") == "Caf\u00e9\nlinetwo\nthreex\nfour"


def test_latin1_without_c1_bytes_but_cp1252_with_them():
    assert read_text("Déclaration de l'ONG à Genève, signée par vingt-deux associations "
                     "françaises et suisses.\n".encode("latin-1"), "f.txt").meta["encoding"] == "iso-8859-1"
    r = read_text("\u201cAll refugees\u201d \u2014 said the minister \u2014 \u201cwill be "
                  "protected\u201d, and we welcomed that.\n".encode("cp1252"), "q.txt")
    assert r.meta["encoding"] == "windows-1252"
    assert r.blocks[0].text.startswith("\u201cAll refugees\u201d \u2014")


def test_truncated_utf8_keeps_the_text():
    data = "Dear Minister, the refugees’".encode("utf-8")[:-1]
    r = read_text(data, "cut.txt")
    assert r.meta["encoding"] == "utf-8"
    assert r.blocks[0].text == "Dear Minister, the refugees"
    assert any("ends inside" in w for w in r.warnings)


def test_only_clutter_is_refused():
    with pytest.raises(IngestError, match="clutter.txt"):
        read_text(b"Skip to main content\nShare this\nTweet\n", "clutter.txt")
