"""Countries: ISO codes, the names letters use, demonyms, and spans in running text."""
from __future__ import annotations

import pytest

from archive import countries


@pytest.mark.parametrize("text,code", [
    ("Kyrgyzstan", "KG"), ("Kyrgyz Republic", "KG"), ("Burma", "MM"), ("Myanmar", "MM"),
    ("Ivory Coast", "CI"), ("Côte d'Ivoire", "CI"), ("Russia", "RU"), ("Russian Federation", "RU"),
    ("Turkey", "TR"), ("Türkiye", "TR"), ("Swaziland", "SZ"), ("Eswatini", "SZ"), ("Iran", "IR"),
    ("Syria", "SY"), ("Laos", "LA"), ("North Korea", "KP"), ("DPRK", "KP"), ("South Korea", "KR"),
    ("Vietnam", "VN"), ("Moldova", "MD"), ("Tanzania", "TZ"), ("Bolivia", "BO"), ("Venezuela", "VE"),
    ("Palestine", "PS"), ("DRC", "CD"), ("Democratic Republic of Congo", "CD"), ("Congo", "CG"),
    ("UK", "GB"), ("Britain", "GB"), ("USA", "US"), ("the United States", "US"),
    # demonyms and adjectives
    ("Uzbek", "UZ"), ("Kyrgyz", "KG"), ("Kazakh", "KZ"), ("Tajik", "TJ"), ("Russian", "RU"),
    ("Chinese", "CN"), ("Egyptian", "EG"), ("Saudi", "SA"),
    # French, Spanish, Russian
    ("Ouzbékistan", "UZ"), ("Kirghizistan", "KG"), ("Russie", "RU"), ("Turquie", "TR"),
    ("Estados Unidos", "US"), ("Reino Unido", "GB"), ("Узбекистан", "UZ"), ("России", "RU"),
    ("Кыргызстана", "KG"),
    # ISO codes
    ("KG", "KG"), ("UZB", "UZ"),
])
def test_lookup(text, code):
    assert countries.lookup(text)["code"] == code


@pytest.mark.parametrize("text", ["", "Human Rights Watch", "Andijan", "the", "Korea", "XX"])
def test_lookup_not_a_country(text):
    assert countries.lookup(text) is None


def test_name():
    assert countries.name("KG") == "Kyrgyzstan"
    assert countries.name("uz") == "Uzbekistan"
    assert countries.name("RU") == "Russia"
    assert countries.name("IR") == "Iran"
    assert countries.name("ZZ") == ""


def _found(text):
    return [(text[s:e], code) for s, e, code in countries.find_all(text)]


def test_find_all_names_and_demonyms():
    text = ("Kyrgyz border officials insist that people fleeing Uzbekistan show passports; "
            "the Uzbek government and the Kyrgyz Republic disagree.")
    assert _found(text) == [("Kyrgyz", "KG"), ("Uzbekistan", "UZ"), ("Uzbek", "UZ"), ("Kyrgyz Republic", "KG")]


def test_find_all_prefers_the_longest_name():
    text = "Refugees from South Sudan, Papua New Guinea, Guinea-Bissau and the Democratic Republic of the Congo."
    assert _found(text) == [("South Sudan", "SS"), ("Papua New Guinea", "PG"), ("Guinea-Bissau", "GW"),
                            ("Democratic Republic of the Congo", "CD")]


def test_find_all_is_case_sensitive_and_word_bounded():
    assert _found("We ate turkey and chinese food in Nigeria.") == [("Nigeria", "NG")]
    assert _found("Niger and Turkey") == [("Niger", "NE"), ("Turkey", "TR")]


def test_find_all_skips_given_names_and_compound_adjectives():
    assert _found("Chad Smith visited Chad.") == [("Chad", "TD")]
    assert _found("the Inter-American Commission and Latin American states") == []


def test_find_all_skips_languages():
    assert _found("The letter was translated into Russian.") == []
    assert _found("in Russian prisons") == [("Russian", "RU")]


def test_find_all_russian_inflections():
    text = "в Узбекистане и Российской Федерации, а также в Кыргызстане"
    assert [c for _, c in _found(text)] == ["UZ", "RU", "KG"]


def test_find_all_french_and_spanish():
    assert [c for _, c in _found("la situation en Côte d'Ivoire et au Kirghizistan")] == ["CI", "KG"]
    assert [c for _, c in _found("los asesinatos en Colombia y en Venezuela")] == ["CO", "VE"]
