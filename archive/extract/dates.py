"""Dates: parse dates written in English, French, Spanish or Russian, and find a letter's own date.

A letter's date is the one on its date line (or a line that is only a date near the top or
the signature). Dates inside body paragraphs are deadlines and events, never the letter date.
"""
from __future__ import annotations

import re
from datetime import date as _date

_MONTH_NAMES = {
    1: "january jan janvier janv enero ene январь января янв",
    2: "february feb février fevrier févr fevr febrero feb февраль февраля фев",
    3: "march mar mars marzo март марта",
    4: "april apr avril abril апрель апреля апр",
    5: "may mai mayo май мая",
    6: "june jun juin junio июнь июня",
    7: "july jul juillet juil julio июль июля",
    8: "august aug août aout agosto август августа авг",
    9: "september sep sept septembre septiembre setiembre сентябрь сентября сен",
    10: "october oct octobre octubre октябрь октября окт",
    11: "november nov novembre noviembre ноябрь ноября ноя",
    12: "december dec décembre decembre diciembre dic декабрь декабря дек",
}
MONTHS = {w: n for n, words in _MONTH_NAMES.items() for w in words.split()}
_MONTH_RE = "|".join(sorted((re.escape(w) for w in MONTHS), key=len, reverse=True))

_DAY = r"(?P<d>[0-3]?\d)(?:er|st|nd|rd|th|º|°|o)?"
_YEAR = r"(?P<y>1[89]\d\d|20\d\d)"
_MON = rf"(?P<m>{_MONTH_RE})\.?"
_PATTERNS = [
    re.compile(r"(?<!\d)(?P<y>1[89]\d\d|20\d\d)-(?P<mn>[01]?\d)-(?P<d>[0-3]?\d)(?!\d)"),
    # 16 May 2005 / 3 mars 2015 / 14 de julio de 2019 / 12 марта 2016 г.
    re.compile(rf"(?<!\w){_DAY}\.?\s+(?:de\s+)?{_MON}(?:\s+de|\s+del)?,?\s+{_YEAR}(?!\d)", re.I),
    # May 16, 2005
    re.compile(rf"(?<!\w){_MON}\s+{_DAY},?\s+{_YEAR}(?!\d)", re.I),
    # 16.05.2005 / 16/05/2005: day first, the usual order outside the United States
    re.compile(r"(?<!\d)(?P<d>[0-3]?\d)[./](?P<mn>[01]?\d)[./](?P<y>1[89]\d\d|20\d\d)(?!\d)"),
    # May 2005 / mars 2015 / julio de 2019
    re.compile(rf"(?<!\w){_MON}(?:\s+de)?,?\s+{_YEAR}(?!\d)", re.I),
]

# What may sit around a date on a date line: a place, "le", "Date:", "г.", weekday names.
_DATELINE_FILLER = re.compile(
    r"\b(?:le|el|de|du|the|on|date|dated|fecha|дата|г|года|год|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi|jeudi|"
    r"vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes|sábado|domingo)\b\.?", re.I)


_NUMERIC = _PATTERNS[3]
# "March 3, 2018": a writer who puts the month first in words does so in figures too
US_STYLE = re.compile(rf"(?<!\w){_MON}\s+{_DAY},?\s+{_YEAR}(?!\d)", re.I)


def parse_dates(text: str, month_first: bool = False) -> list[tuple[int, int, str]]:
    """Every date in `text` as (start, end, ISO 'YYYY-MM-DD' or 'YYYY-MM'), in text order.

    `month_first` reads 3/4/2020 as 4 March (United States usage); otherwise 3 April.
    """
    found = []
    taken = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            iso = _to_iso(m, month_first and pattern is _NUMERIC)
            if iso:
                found.append((m.start(), m.end(), iso))
                taken.append((m.start(), m.end()))
    return sorted(found)


def _to_iso(m: re.Match, month_first: bool = False) -> str | None:
    g = dict(m.groupdict())
    if month_first and int(g["mn"]) <= 12 and int(g["d"]) <= 12:
        g["d"], g["mn"] = g["mn"], g["d"]
    year = int(g["y"])
    month = int(g["mn"]) if g.get("mn") else MONTHS.get(g["m"].lower().rstrip("."))
    if not month:
        return None
    if g.get("d") is None:
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
    day = int(g["d"])
    try:
        _date(year, month, day)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def dateline_date(line: str, month_first: bool = False) -> str | None:
    """The date if `line` is a date line ('Paris, le 3 mars 2015'), else None."""
    line = line.strip()
    if not line or len(line) > 90:
        return None
    dates = parse_dates(line, month_first)
    if len(dates) != 1:
        return None
    start, end, iso = dates[0]
    rest = _DATELINE_FILLER.sub(" ", line[:start] + " " + line[end:])
    rest = re.sub(r"[\s,.;:()\-–—/]+", " ", rest).strip()
    # what is left is at most a place name ("New York", "Bogotá D.C."), never a sentence
    if len(rest) > 40 or len(rest.split()) > 4 or re.search(r"\d", rest):
        return None
    return iso


def letter_date(blocks: list, kinds: list[str], month_first: bool = False) -> str | None:
    """The letter's own date: date line first, then date-only lines in the opener or closer."""
    for block, kind in zip(blocks, kinds):
        if kind == "dateline":
            for line in block.text.split("\n"):
                iso = dateline_date(line, month_first)
                if iso:
                    return iso
            dates = parse_dates(block.text, month_first)
            if dates:
                return dates[0][2]
    for wanted in (("letterhead", "address", "salute"), ("closing", "signed", "postscript")):
        for block, kind in zip(blocks, kinds):
            if kind in wanted:
                for line in block.text.split("\n"):
                    iso = dateline_date(line, month_first)
                    if iso:
                        return iso
    return None


def dateline_place(line: str) -> str:
    """The place written before the date on a date line ('Paris, le 3 mars 2015' -> 'Paris')."""
    dates = parse_dates(line)
    if not dates or dateline_date(line) is None:
        return ""
    head = line[:dates[0][0]]
    head = re.sub(r"(?i)[\s,]*(?:le|el|the|on|date|dated|fecha)?[\s:,]*$", "", head)
    return head.strip(" ,.;:")
