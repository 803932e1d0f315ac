"""archive.readers.structure: letter text -> Blocks, and removal of page clutter."""
from pathlib import Path

import pytest

from archive.readers.clutter import CLUTTER_PATTERNS, is_clutter
from archive.readers.structure import analyse, segment

DATA = Path(__file__).parent / "data" / "text"
SAMPLE = Path(__file__).parents[1] / "samples" / "hrw-2005-kyrgyzstan-andijan.txt"


def blocks(text):
    return [(b.kind, b.text) for b in segment(text)]


def fixture(name):
    return blocks((DATA / name).read_text(encoding="utf-8"))


def test_seed_letter():
    raw = SAMPLE.read_text(encoding="utf-8")
    paras = [p for p in raw.split("\n\n") if p.strip()]
    body = paras[1:-2]          # between "Skip to main content" and the signature
    assert len(body) == 11 and body[-1].startswith("We thank you")
    got = blocks(raw)
    assert got[:-1] == [("p", p) for p in body]
    assert got[-1] == ("signed", "Holly Cartner\nExecutive director, Europe and Central Asia division")
    text = "\n".join(t for _, t in got)
    assert "Skip to main content" not in text and "tax deductible" not in text
    assert analyse(raw).dropped == [paras[0], paras[-1]]


def test_formal_letter_with_every_part():
    assert fixture("formal-letter.txt") == [
        ("letterhead", "Central Asia Rights Forum\nRue de la Loi 12, 1000 Brussels, Belgium\n"
                       "Tel: +32 2 555 01 23 | info@carf.example.org"),
        ("dateline", "16 May 2005"),
        ("address", "H.E. Mr. Kurmanbek Bakiev\nPresident of the Kyrgyz Republic\nBishkek"),
        ("salute", "Re: Protection of refugees from Andijan\nDear President Bakiev,"),
        ("p", "We write to ask you to protect the people who have crossed into Kyrgyzstan from "
              "Andijan since 13 May, and to keep the border open to those still fleeing."),
        ("p", "We also urge you not to return anyone to Uzbekistan until UNHCR has examined each "
              "claim for protection."),
        ("closing", "Yours sincerely,"),
        ("signed", "Anna Lindqvist\nExecutive Director\nCentral Asia Rights Forum"),
        ("signed", "Jean-Marc Dubois\nSenior Researcher, Kyrgyzstan"),
        ("postscript", "cc: Ms. Jane Doe, UNHCR Representative in Bishkek"),
    ]


def test_joint_letter_signed_by_organisations():
    assert fixture("joint-letter.txt") == [
        ("address", "To: Members of the UN Human Rights Council"),
        ("salute", "Re: The situation of human rights defenders in Uzbekistan\nExcellencies,"),
        ("p", "We, the undersigned organisations, write to urge your delegations to support a "
              "resolution at the coming session that addresses the detention of human rights "
              "defenders in Uzbekistan."),
        ("p", "At least a dozen defenders remain in prison on charges that, in our view, were "
              "brought only to punish their peaceful work."),
        ("closing", "Sincerely,"),
        ("signed", "Amnesty International\nArticle 19\nCivil Rights Defenders\nFreedom House\n"
                   "Human Rights Watch\nInternational Partnership for Human Rights (IPHR)\n"
                   "Norwegian Helsinki Committee"),
    ]


def test_hard_wrapped_letter_is_rejoined():
    assert fixture("hard-wrapped.txt") == [
        ("salute", "Dear Minister,"),
        ("p", "We are writing to express our deep concern about the arrest of three journalists "
              "in Osh on 2 April 2010. According to their colleagues, the journalists were "
              "detained while covering a peaceful demonstration and have not been allowed to see "
              "a lawyer."),
        ("p", "We urge you to ensure that the journalists are released at once. Their detention "
              "follows a pattern of arrests that has lasted since the long-standing dispute over "
              "the 2009 elections, and we would welcome a chance to discuss it with your office."),
        # A short line followed by a new sentence on its own line is a new paragraph.
        ("p", "We also ask that the police officers responsible be held to account."),
        ("p", "Thank you for your attention to this urgent matter."),
        ("closing", "Sincerely,"),
        ("signed", "Maria Gonzalez\nProgram Director"),
    ]


def test_web_page_clutter_is_removed():
    text = (DATA / "web-page.txt").read_text(encoding="utf-8")
    assert blocks(text) == [
        ("letterhead", "Letter to the Minister of Justice on Detained Lawyers"),
        ("dateline", "October 4, 2019"),
        ("salute", "Dear Minister,"),
        # "share" and "support" inside sentences do not make a paragraph clutter.
        ("p", "We are writing about the lawyers detained in Nur-Sultan last week. Their families "
              "say they were held for questioning after they had asked to share case files with "
              "their clients."),
        ("p", "We ask you to support their right to practise without interference, and to "
              "release them if they are not charged with a recognisable offence."),
        ("closing", "Sincerely,"),
        ("signed", "Jane Doe\nDirector, Central Asia Program"),
    ]
    # Every other line of the page (15 above the letter, 10 below) was dropped.
    lines = [ln for ln in text.splitlines() if ln.strip()]
    kept = {ln for b in segment(text) for ln in b.text.split("\n")}
    assert analyse(text).dropped == [ln for ln in lines if ln not in kept]
    assert len(analyse(text).dropped) == 25


def test_one_paragraph_per_line_spanish():
    assert fixture("one-line-paragraphs.txt") == [
        ("dateline", "Ciudad de México, 5 de abril de 2018"),
        ("salute", "Estimado Señor Presidente:"),
        ("p", "Le escribimos para expresar nuestra preocupación por la desaparición de dos "
              "defensores de derechos humanos en el estado de Guerrero."),
        ("p", "Le pedimos que ordene una búsqueda inmediata y que garantice la seguridad de sus "
              "familias."),
        ("closing", "Atentamente,"),
        ("signed", "Lucía Hernández\nDirectora, Red de Defensores"),
    ]


def test_body_sentences_with_clutter_words_stay():
    text = ("Dear Minister,\n\n"
            "We support the work of UNHCR and urge you to share information with the families. "
            "Please donate blankets, said the mayor; we ask you to subscribe to the treaty.\n\n"
            "Freedom House\n\n"
            "Related issues remain. We note the cookies incident of 2004, which remains "
            "unexplained in every respect.\n\n"
            "John Smith\nDirector\nYour gift can help. Donate now.\n")
    got = blocks(text)
    assert [k for k, _ in got] == ["salute", "p", "p", "p", "signed"]
    assert got[1][1].startswith("We support the work") and got[2] == ("p", "Freedom House")
    assert got[-1] == ("signed", "John Smith\nDirector")


def test_signatories_without_blank_lines_and_postscript():
    text = ("Dear Ambassador,\n\nWe ask for a meeting on the situation of detained lawyers in "
            "your country, at your earliest convenience.\n\nRespectfully,\nKenneth Roth\n"
            "Executive Director\nHolly Cartner\nDirector, Europe and Central Asia Division\n\n"
            "P.S. We enclose the list of cases.\n"
            "Read more\n\u00a9 2024 Example Watch\n")
    assert blocks(text)[-4:] == [
        ("closing", "Respectfully,"),
        ("signed", "Kenneth Roth\nExecutive Director"),
        ("signed", "Holly Cartner\nDirector, Europe and Central Asia Division"),
        ("postscript", "P.S. We enclose the list of cases."),
    ]


def test_signatories_header_and_french_letterhead():
    text = ("FÉDÉRATION DES DROITS HUMAINS\n12 rue de Rivoli, 75001 Paris\n\n"
            "Monsieur Jean Dupont\nMinistre de l'Intérieur\nPlace Beauvau\n\n"
            "Paris, le 3 mars 2015\n\nObjet : détention de journalistes\n\n"
            "Monsieur le Ministre,\n\nNous vous écrivons au sujet de la détention de trois "
            "journalistes à Tunis depuis le mois de février.\n\nCordialement,\n\n"
            "Organisations signataires :\nLigue des droits de l'homme\nReporters sans frontières\n")
    assert blocks(text) == [
        ("letterhead", "FÉDÉRATION DES DROITS HUMAINS\n12 rue de Rivoli, 75001 Paris"),
        ("address", "Monsieur Jean Dupont\nMinistre de l'Intérieur\nPlace Beauvau"),
        ("dateline", "Paris, le 3 mars 2015"),
        ("salute", "Objet : détention de journalistes\nMonsieur le Ministre,"),
        ("p", "Nous vous écrivons au sujet de la détention de trois journalistes à Tunis depuis "
              "le mois de février."),
        ("closing", "Cordialement,"),
        ("closing", "Organisations signataires :"),
        ("signed", "Ligue des droits de l'homme\nReporters sans frontières"),
    ]


def test_letter_without_opener_or_signature_keeps_every_paragraph():
    text = "First paragraph of the letter, long enough to be prose.\n\nSecond one, also prose here.\n"
    assert blocks(text) == [("p", "First paragraph of the letter, long enough to be prose."),
                            ("p", "Second one, also prose here.")]


@pytest.mark.parametrize("line", ["Skip to main content", "Aller au contenu principal",
                                  "Ir al contenido principal", "Перейти к основному содержанию",
                                  "Share this via Facebook", "Tweet", "Print", "Partager | Imprimer",
                                  "Compartir", "Поделиться"])
def test_line_clutter_anywhere(line):
    assert is_clutter(line, "body")


@pytest.mark.parametrize("line", [
    "Your tax deductible gift can help stop human rights violations and save lives around the world.",
    "Home › News › Letters", "© 2019 Example Rights Network. All rights reserved.",
    "Nous utilisons des cookies pour améliorer votre expérience.", "Related Content",
    "Lire aussi", "Artículos relacionados", "Читайте также", "Faites un don", "Suscríbete al boletín",
    "Tous droits réservés", "English | Français | Español | Русский",
])
def test_edge_clutter(line):
    assert is_clutter(line, "edge") and not is_clutter(line, "body")


@pytest.mark.parametrize("line", [
    "We support the work of UNHCR.", "Executive director, Europe and Central Asia division",
    "Press Officer", "Human Rights Watch", "Bishkek", "Director, Central Asia Program",
])
def test_not_clutter(line):
    assert not is_clutter(line, "edge")


def test_clutter_patterns_are_documented():
    names = [p.name for p in CLUTTER_PATTERNS]
    assert len(names) == len(set(names)) and {"skip-link", "donation", "copyright"} <= set(names)
    assert all(p.scope in ("line", "edge") for p in CLUTTER_PATTERNS)
