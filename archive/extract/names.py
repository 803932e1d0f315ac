"""Names and offices as letters write them: Russian dative forms, role lines, honorific prefixes.

Russian letters address officials in the dative ("Генеральному прокурору ... г-ну Ержану
Сатпаеву"); the record keeps the nominative ("Генеральный прокурор", "Ержан Сатпаев") so the
same person is one entity whichever case a letter used. The rules cover the regular endings of
first names and surnames; an irregular name keeps its written form.
"""
from __future__ import annotations

import re

# Dative office titles at the start of an address line, with their nominative.
_RU_DATIVE_ROLES = [
    ("Генеральному прокурору", "Генеральный прокурор"), ("Премьер-министру", "Премьер-министр"),
    ("Уполномоченному", "Уполномоченный"), ("Президенту", "Президент"), ("Министру", "Министр"),
    ("Председателю", "Председатель"), ("Послу", "Посол"), ("Прокурору", "Прокурор"),
    ("Губернатору", "Губернатор"), ("Мэру", "Мэр"), ("Главе", "Глава"), ("Директору", "Директор"),
    ("Руководителю", "Руководитель"), ("Начальнику", "Начальник"), ("Заместителю", "Заместитель"),
]
RU_DATIVE_ALT = "|".join(d for d, _ in _RU_DATIVE_ROLES)
RU_DATIVE_ROLE = re.compile(rf"^(?:{RU_DATIVE_ALT})(?![а-яё])", re.I)
RU_DATIVE_HONORIFIC = re.compile(r"^(?:г-ну|г-же|господину|госпоже)\s+", re.I)

# Offices that open an address line in the other languages ("To the Chairman of ...",
# "Monsieur le Ministre de l'Intérieur", "Señor Presidente de la República").
ROLE_LINE = re.compile(
    r"^(?:to:?\s+)?(?:the\s+|le\s+|la\s+|l['’]|el\s+)?(?:(?:deputy|acting|first|vice)[\s-]+)?"
    r"(?:president|prime minister|minister|chairman|chairperson|chair|secretary|prosecutor|procurator|"
    r"attorney general|governor|mayor|ambassador|commissioner|ombuds\w+|speaker|director|head|chief|"
    r"inspector general|high representative|permanent representatives?|members? of|king|queen|emir|"
    r"(?:foreign\s+)?ministers|"
    r"premier ministre|ministre|président|présidente|procureur|gouverneur|ambassadeur|"
    r"president[ea]|ministr[oa]|secretari[oa]|fiscal|procurador[a]?|gobernador[a]?|embajador[a]?|"
    r"defensor[a]?|canciller|jef[ea])\b", re.I)
# Offices of international bodies: their holders belong to no country the letter is about.
INTERNATIONAL_ROLE = re.compile(r"\b(?:European|EU|Union|United Nations|UN|Council of Europe|Security Council|"
                                r"Human Rights Council|européenne?|Unión|Nations Unies|Naciones Unidas|ООН)\b")
_ROLE_LEAD = re.compile(r"^(?:to:?\s+)?(?:the\s+|le\s+|la\s+|el\s+)", re.I)


def ru_nominative_role(role: str) -> str:
    """'Генеральному прокурору Республики Казахстан' -> 'Генеральный прокурор Республики Казахстан'."""
    for dative, nominative in _RU_DATIVE_ROLES:
        if role.lower().startswith(dative.lower()):
            return nominative + role[len(dative):]
    return role


_WORD_RULES = [   # (dative ending, nominative ending), most specific first
    ("ской", "ская"), ("цкой", "цкая"), ("овой", "ова"), ("евой", "ева"), ("ёвой", "ёва"),
    ("иной", "ина"), ("ыной", "ына"), ("ию", "ий"), ("ею", "ей"), ("ии", "ия"),
]
_CONSONANT_U = re.compile(r"[бвгджзклмнпрстфхцчшщ]у$")


def ru_nominative_name(name: str) -> str:
    """'Ержану Сатпаеву' -> 'Ержан Сатпаев'; 'Т. Н. Ясенской' -> 'Т. Н. Ясенская'."""
    out = []
    for word in name.split():
        low = word.lower()
        if len(word) <= 3 or word.endswith("."):
            out.append(word)
            continue
        for dat, nom in _WORD_RULES:
            if low.endswith(dat):
                word = word[:-len(dat)] + nom
                break
        else:
            if _CONSONANT_U.search(low):
                word = word[:-1]
            elif low.endswith("е") and len(word) > 4:
                word = word[:-1] + "а"      # Татьяне -> Татьяна, Рахимзоде -> Рахимзода
        out.append(word)
    return " ".join(out)


def clean_role(role: str) -> str:
    """A role as the record keeps it: no 'To the' / 'le', no trailing comma, nominative in Russian."""
    role = _ROLE_LEAD.sub("", role.strip()).strip(" ,:;")
    return ru_nominative_role(role)
