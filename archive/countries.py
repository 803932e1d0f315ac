"""Countries: ISO 3166-1 (pycountry) plus the names, aliases and demonyms letters actually use.

Three entry points: `lookup` (one name -> code), `name` (code -> display name) and
`find_all` (every country name or demonym in a text, as character spans).
"""
from __future__ import annotations

import gettext
import re
import unicodedata
from functools import lru_cache

import pycountry

# Display names where pycountry's short name is not the one readers expect.
_DISPLAY = {"RU": "Russia", "CD": "Democratic Republic of the Congo", "CG": "Republic of the Congo",
            "PS": "Palestine", "VA": "Holy See", "FM": "Micronesia", "BN": "Brunei", "XK": "Kosovo"}

# Names in English, French, Spanish and Russian that pycountry lacks or inverts ("Korea, Republic of").
_ALIASES = """
MM: Burma | Myanmar/Burma | Republic of the Union of Myanmar | Birmanie | Мьянма | Бирма
CI: Ivory Coast | Cote d'Ivoire | Costa de Marfil | Кот-д'Ивуар
KG: Kyrgyz Republic | Kirgizstan | Kirghizia | Kirghizistan | Kirguistán | Киргизия | Кыргызстан | Кыргызская Республика
RU: Russia | Russie | Rusia | Россия | Российская Федерация
TR: Turkey | Türkiye | Turkiye | Republic of Turkey | Turquie | Turquía | Турция
SZ: Swaziland | Eswatini | Kingdom of Swaziland
IR: Iran | Persia
SY: Syria | Syrian Arab Republic
LA: Laos | Lao PDR
KP: North Korea | DPRK | Democratic People's Republic of Korea | Corée du Nord | Corea del Norte | КНДР | Северная Корея
KR: South Korea | Republic of Korea | Corée du Sud | Corea del Sur | Южная Корея
VN: Vietnam | Viet Nam
MD: Moldova | Republic of Moldova | Moldavia | Молдова | Молдавия
TZ: Tanzania
BO: Bolivia
VE: Venezuela
PS: Palestine | State of Palestine | Occupied Palestinian Territories | Occupied Palestinian Territory | West Bank | Gaza Strip | Gaza | Palestina | Палестина
CD: Democratic Republic of Congo | Democratic Republic of the Congo | DR Congo | DRC | Congo-Kinshasa | Zaire | RDC | République démocratique du Congo | República Democrática del Congo
CG: Republic of Congo | Republic of the Congo | Congo-Brazzaville | Congo
GB: United Kingdom | UK | U.K. | Britain | Great Britain | Royaume-Uni | Reino Unido | Великобритания
US: United States | United States of America | USA | U.S.A. | US | U.S. | États-Unis | Estados Unidos | США
CZ: Czech Republic
MK: Macedonia | North Macedonia | Former Yugoslav Republic of Macedonia
TL: East Timor | Timor-Leste
CV: Cape Verde
VA: Holy See | Vatican
BN: Brunei
FM: Micronesia
TW: Taiwan
HK: Hong Kong
MO: Macau | Macao
BY: Belarus | Беларусь | Белоруссия | Biélorussie | Bielorrusia
UZ: Uzbekistan | Ouzbékistan | Uzbekistán | Узбекистан
KZ: Kazakhstan | Kazajistán | Казахстан
TJ: Tajikistan | Tadjikistan | Tayikistán | Таджикистан
TM: Turkmenistan | Turkménistan | Turkmenistán | Туркменистан | Туркмения
AZ: Azerbaijan | Азербайджан
GE: Georgia | Грузия
AM: Armenia | Армения
UA: Ukraine | Украина | Ucrania
CN: China | People's Republic of China | PRC | Chine | Китай
EG: Egypt | Egypte | Égypte | Egipto | Египет
SA: Saudi Arabia | Kingdom of Saudi Arabia | Arabie saoudite | Arabia Saudita | Саудовская Аравия
XK: Kosovo | Косово
"""

# English adjectives and demonyms; matched case-sensitively, so they must be capitalised.
_DEMONYMS = """
AF: Afghan | Afghans ; AL: Albanian ; DZ: Algerian ; AO: Angolan ; AR: Argentine | Argentinian ;
AM: Armenian | Armenians ; AU: Australian ; AT: Austrian ; AZ: Azerbaijani | Azeri | Azerbaijanis ;
BH: Bahraini | Bahrainis ; BD: Bangladeshi | Bangladeshis ; BY: Belarusian | Belarussian | Belarusians ;
BE: Belgian ; BJ: Beninese ; BT: Bhutanese ; BO: Bolivian ; BA: Bosnian ; BR: Brazilian ; BG: Bulgarian ;
BF: Burkinabe | Burkinabè ; BI: Burundian | Burundians ; KH: Cambodian | Cambodians ; CM: Cameroonian ;
CA: Canadian ; CF: Central African ; TD: Chadian ; CL: Chilean ; CN: Chinese ; CO: Colombian | Colombians ;
CD: Congolese ; CR: Costa Rican ; HR: Croatian ; CU: Cuban | Cubans ; CY: Cypriot ; CZ: Czech ; DK: Danish ;
DJ: Djiboutian ; EC: Ecuadorian | Ecuadorean ; EG: Egyptian | Egyptians ; SV: Salvadoran | Salvadorean ;
GQ: Equatorial Guinean ; ER: Eritrean | Eritreans ; EE: Estonian ; SZ: Swazi ; ET: Ethiopian | Ethiopians ;
FJ: Fijian ; FI: Finnish ; FR: French ; GA: Gabonese ; GM: Gambian ; GE: Georgian | Georgians ; DE: German ;
GH: Ghanaian ; GR: Greek ; GT: Guatemalan | Guatemalans ; GN: Guinean ; GW: Bissau-Guinean ; HT: Haitian | Haitians ;
HN: Honduran | Hondurans ; HU: Hungarian ; IN: Indian ; ID: Indonesian ; IR: Iranian | Iranians ; IQ: Iraqi | Iraqis ;
IE: Irish ; IL: Israeli | Israelis ; IT: Italian ; CI: Ivorian ; JM: Jamaican ; JP: Japanese ; JO: Jordanian ;
KZ: Kazakh | Kazakhstani | Kazakhs ; KE: Kenyan | Kenyans ; KW: Kuwaiti ; KG: Kyrgyz | Kirghiz | Kyrgyzstani ;
LA: Lao | Laotian ; LV: Latvian ; LB: Lebanese ; LR: Liberian ; LY: Libyan | Libyans ; LT: Lithuanian ;
MG: Malagasy ; MW: Malawian ; MY: Malaysian ; MV: Maldivian ; ML: Malian ; MT: Maltese ; MR: Mauritanian ;
MX: Mexican | Mexicans ; MD: Moldovan ; MN: Mongolian ; ME: Montenegrin ; MA: Moroccan | Moroccans ;
MZ: Mozambican ; MM: Burmese ; NA: Namibian ; NP: Nepali | Nepalese ; NL: Dutch ; NI: Nicaraguan | Nicaraguans ;
NE: Nigerien ; NG: Nigerian | Nigerians ; KP: North Korean | North Koreans ; MK: Macedonian ; NO: Norwegian ;
OM: Omani ; PK: Pakistani | Pakistanis ; PS: Palestinian | Palestinians ; PA: Panamanian ; PY: Paraguayan ;
PE: Peruvian ; PH: Philippine | Filipino | Filipinos ; PL: Polish ; PT: Portuguese ; QA: Qatari ;
RO: Romanian ; RU: Russian | Russians ; RW: Rwandan | Rwandans ; SA: Saudi | Saudis | Saudi Arabian ;
SN: Senegalese ; RS: Serbian | Serbs ; SL: Sierra Leonean ; SG: Singaporean ; SK: Slovak ; SI: Slovenian ;
SO: Somali | Somalis ; ZA: South African ; KR: South Korean ; SS: South Sudanese ; ES: Spanish ;
LK: Sri Lankan ; SD: Sudanese ; SE: Swedish ; CH: Swiss ; SY: Syrian | Syrians ; TW: Taiwanese ;
TJ: Tajik | Tajiks | Tajikistani ; TZ: Tanzanian ; TH: Thai ; TL: Timorese ; TG: Togolese ; TN: Tunisian | Tunisians ;
TR: Turkish ; TM: Turkmen ; UG: Ugandan | Ugandans ; UA: Ukrainian | Ukrainians ; AE: Emirati ; GB: British ;
US: American | Americans ; UY: Uruguayan ; UZ: Uzbek | Uzbeks | Uzbekistani ; VE: Venezuelan | Venezuelans ;
VN: Vietnamese ; YE: Yemeni | Yemenis ; ZM: Zambian ; ZW: Zimbabwean | Zimbabweans ; BN: Bruneian ;
CV: Cape Verdean ; BH: Bahraini ; XK: Kosovar | Kosovan
"""

# Capitals and seats of government, for address blocks that name a city but no country
# ("Place Beauvau, 75008 Paris"). Never used for letterheads.
_CAPITALS = """
AF: Kabul ; DZ: Algiers | Alger | Argel ; AO: Luanda ; AR: Buenos Aires ; AM: Yerevan | Ереван ;
AU: Canberra ; AT: Vienna | Vienne | Viena ; AZ: Baku | Bakou | Баку ; BH: Manama ; BD: Dhaka | Dacca ;
BY: Minsk | Минск ; BE: Brussels | Bruxelles | Bruselas ; BJ: Porto-Novo | Cotonou ; BO: La Paz | Sucre ;
BR: Brasília | Brasilia ; BF: Ouagadougou ; BI: Bujumbura | Gitega ; KH: Phnom Penh ; CM: Yaoundé | Yaounde ;
CA: Ottawa ; CF: Bangui ; TD: N'Djamena | N’Djamena ; CL: Santiago de Chile ; CN: Beijing | Pékin | Pekín ;
CO: Bogotá | Bogota ; CD: Kinshasa ; CG: Brazzaville ; CR: San José de Costa Rica ; CI: Abidjan | Yamoussoukro ;
CU: La Habana | Havana ; EG: Cairo | Le Caire | El Cairo ; SV: San Salvador ; ER: Asmara ; ET: Addis Ababa | Addis-Abeba ;
FR: Paris | París ; GA: Libreville ; GE: Tbilisi | Тбилиси ; DE: Berlin ; GH: Accra ; GR: Athens ;
GT: Ciudad de Guatemala | Guatemala City ; GN: Conakry ; HT: Port-au-Prince ; HN: Tegucigalpa ; HU: Budapest ;
IN: New Delhi | Delhi ; ID: Jakarta ; IR: Tehran | Téhéran ; IQ: Baghdad | Bagdad ; IL: Jerusalem ; IT: Rome | Roma ;
JP: Tokyo ; JO: Amman ; KZ: Astana | Nur-Sultan | Астана ; KE: Nairobi ; KW: Kuwait City ; KG: Bishkek | Бишкек ;
LA: Vientiane ; LB: Beirut | Beyrouth ; LY: Tripoli ; MG: Antananarivo ; MW: Lilongwe ; MY: Kuala Lumpur ;
ML: Bamako ; MR: Nouakchott ; MX: Ciudad de México | Mexico City ; MD: Chișinău | Chisinau | Кишинев ;
MA: Rabat ; MZ: Maputo ; MM: Naypyidaw | Nay Pyi Taw ; NP: Kathmandu ; NI: Managua ; NE: Niamey ; NG: Abuja ;
KP: Pyongyang ; OM: Muscat ; PK: Islamabad ; PA: Ciudad de Panamá ; PY: Asunción ; PE: Lima ; PH: Manila ;
PL: Warsaw | Varsovie ; QA: Doha ; RU: Moscow | Moscou | Moscú | Москва ; RW: Kigali ; SA: Riyadh | Riyad ;
SN: Dakar ; RS: Belgrade ; SL: Freetown ; SO: Mogadishu ; ZA: Pretoria ; SS: Juba ; ES: Madrid ; LK: Colombo ;
SD: Khartoum | Jartum ; SY: Damascus | Damas ; TJ: Dushanbe | Douchanbé | Душанбе ; TZ: Dodoma | Dar es Salaam ;
TH: Bangkok ; TG: Lomé ; TN: Tunis | Túnez ; TR: Ankara | Анкара ; TM: Ashgabat | Ashkhabad | Ашхабад ;
UG: Kampala ; UA: Kyiv | Kiev | Kyïv | Киев ; AE: Abu Dhabi ; GB: London | Londres | Лондон ;
US: Washington | Washington, DC | Washington, D.C. ; UY: Montevideo ; UZ: Tashkent | Tachkent | Ташкент ;
VE: Caracas ; VN: Hanoi ; YE: Sanaa | Sana'a ; ZM: Lusaka ; ZW: Harare
"""

# Country names that are also given names: "Chad Smith" is a person, not the country.
_GIVEN_NAMES = {"Chad", "Jordan", "Georgia", "Israel"}
# "Latin American", "Inter-American": the demonym is part of a larger adjective.
_DEMONYM_PREFIX = re.compile(r"(?:Latin|North|South|Central|Native|African|Inter|Pan)[\s-]$")


def _strip_stress(s: str) -> str:
    # Russian stress marks only: in French or Spanish the same accent is part of the name
    if not _is_cyrillic(s):
        return s
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", s).replace("\u0301", ""))


def _parse_table(table: str, sep: str) -> list[tuple[str, str]]:
    pairs = []
    for entry in table.replace("\n", sep).split(sep):
        if ":" not in entry:
            continue
        code, names = entry.split(":", 1)
        pairs += [(code.strip(), n.strip()) for n in names.split("|") if n.strip()]
    return pairs


@lru_cache(maxsize=1)
def _tables():
    """(names: surface form -> code, demonyms: surface form -> code, folded: casefold -> code)."""
    names: dict[str, str] = {}
    countries = {c.alpha_2: c for c in pycountry.countries}
    translators = []
    for lang in ("fr", "es", "ru"):
        try:
            translators.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]))
        except OSError:  # a pycountry build without locales: English names still work
            pass
    inverted: dict[str, set] = {}
    for code, c in countries.items():
        english = [v for v in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)) if v]
        forms = list(english)
        for t in translators:
            forms += [_strip_stress(t.gettext(v)) for v in english]
        for form in forms:
            if ", " in form:
                # "Corée, République de": keep the head only if no other country shares it
                inverted.setdefault(form.split(", ")[0], set()).add(code)
            else:
                names.setdefault(form, code)
    for head, codes in inverted.items():
        if len(codes) == 1:
            names.setdefault(head, next(iter(codes)))
    for code, alias in _parse_table(_ALIASES, "\n"):
        names[alias] = code   # hand-written aliases override pycountry's collisions
    demonyms = {n: c for c, n in _parse_table(_DEMONYMS, ";")}
    folded = {k.casefold(): v for k, v in {**demonyms, **names}.items()}
    return names, demonyms, folded


@lru_cache(maxsize=1)
def _capital_pattern():
    pairs = _parse_table(_CAPITALS, ";")
    table = {city: code for code, city in pairs}
    body = "|".join(re.escape(c) for c in sorted(table, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])"), table


def find_capitals(text: str) -> list[tuple[int, int, str]]:
    """Spans (start, end, code) of capital cities named in `text` (address blocks, fallbacks)."""
    pattern, table = _capital_pattern()
    return [(m.start(), m.end(), table[m.group(0)]) for m in pattern.finditer(text)]


def name(code: str) -> str:
    """The display name of an ISO 3166-1 alpha-2 code ('' if unknown)."""
    code = (code or "").upper()
    if code in _DISPLAY:
        return _DISPLAY[code]
    c = pycountry.countries.get(alpha_2=code)
    if c is None:
        return ""
    return getattr(c, "common_name", None) or c.name


def lookup(text: str) -> dict | None:
    """{'code', 'name'} for a country name, alias, demonym or ISO code; None if not a country."""
    s = " ".join(_strip_stress(text or "").split()).strip(" .,;:")
    if not s:
        return None
    if s.casefold().startswith("the "):
        s = s[4:]
    _, _, folded = _tables()
    code = folded.get(s.casefold())
    if code is None and len(s) in (2, 3) and s.isupper():
        c = pycountry.countries.get(alpha_2=s) if len(s) == 2 else pycountry.countries.get(alpha_3=s)
        code = c.alpha_2 if c else None
    if code is None and _is_cyrillic(s):
        code = _cyrillic_stems().get(_ru_key(s))
    return {"code": code, "name": name(code)} if code else None


_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _is_cyrillic(s: str) -> bool:
    return _CYRILLIC.search(s) is not None   # in C: called for every name looked up


_RU_ENDING = re.compile(r"(?:ией|ия|ии|ию|ой|ая|ую|ий|ый|ого|ему|ому|ом|ей|ах|ы|а|у|е|и|я|ю|ь|й|о)$")


def _ru_stem(word: str) -> str:
    w = word.lower().replace("ё", "е")
    stem = _RU_ENDING.sub("", w) if len(w) > 4 else w
    return stem


def _ru_key(s: str) -> str:
    return " ".join(_ru_stem(w) for w in s.split())


@lru_cache(maxsize=1)
def _cyrillic_stems() -> dict:
    names, _, _ = _tables()
    return {_ru_key(n): c for n, c in names.items() if _is_cyrillic(n)}


def _pattern_for(form: str) -> str:
    if not _is_cyrillic(form):
        return re.escape(form)
    # Russian declines names ("в Узбекистане", "Российской Федерации"): stem + short ending
    parts = []
    for w in form.split():
        stem = w.replace("ё", "е")[:len(_ru_stem(w))]   # keep the capital letter
        esc = re.escape(stem).replace("е", "[её]")
        parts.append(esc + (r"[а-яё]{0,3}" if len(w) > 4 else (r"[а-яё]{0,2}" if len(w) > 2 else "")))
    return r"\s+".join(parts)


@lru_cache(maxsize=1)
def _matcher():
    """Every name, upper-cased name and demonym, longest first, as one alternation."""
    # imported here: archive.extract imports this module, so a top-level import would be circular
    from .extract.alternation import Alternation

    names, demonyms, _ = _tables()
    forms = set(names) | {n.upper() for n in names if not _is_cyrillic(n) and len(n) > 4} | set(demonyms)
    ordered = sorted(forms, key=len, reverse=True)
    return Alternation([(_pattern_for(f), False) for f in ordered])


def _code_of(surface: str) -> str | None:
    names, demonyms, folded = _tables()
    if surface in names:
        return names[surface]
    if surface in demonyms:
        return demonyms[surface]
    code = folded.get(surface.casefold())
    if code is None and _is_cyrillic(surface):
        code = _cyrillic_stems().get(_ru_key(surface))
    return code


def find_all(text: str) -> list[tuple[int, int, str]]:
    """Spans (start, end, code) of country names and demonyms in `text`, longest match first."""
    _, demonyms, _ = _tables()
    out = []
    for start, end, _ in _matcher().finditer(text):
        surface = text[start:end]
        code = _code_of(surface)
        if code is None:
            continue
        after = text[end:end + 30]
        if surface in _GIVEN_NAMES and re.match(r" [A-Z][a-z]+", after):
            continue
        if surface in demonyms:
            before = text[max(0, start - 8):start]
            if _DEMONYM_PREFIX.search(before):
                continue
            # "translated into Russian." is a language, not the country
            if re.search(r"\b(?:in|into|from|speak|speaks|speaking)\s$", before) and not re.match(r"\s+[a-z]", after):
                continue
        out.append((start, end, code))
    return out
