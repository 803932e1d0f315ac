"""Block roles: the structure a letter's blocks play, guessed when a reader gave only paragraphs.

The structure module normally labels blocks (letterhead, dateline, address, salute, p,
closing, signed, postscript). When every block is a plain 'p', the short blocks at the top
and bottom of the letter are re-read here so that date, addressees and signatories can
still be found.
"""
from __future__ import annotations

import re

from .dates import dateline_date

SALUTE = re.compile(
    r"^(?:dear|my dear|your (?:excellency|majesty|highness|honou?r)|excellency|excellencies|"
    r"to whom it may concern|monsieur|madame|mesdames|messieurs|excellence|"
    r"estimad[oa]s?|señor|señora|señores|excelentísim[oa]|distinguid[oa]|"
    r"уважаем\w+|многоуважаем\w+|ваше превосходительство)\b", re.I)
CLOSING = re.compile(
    r"^(?:(?:yours\s+)?(?:sincerely|faithfully|truly|respectfully)|sincerely yours|respectfully yours|"
    r"(?:with\s+)?(?:kind|best|warm)(?:est)?\s+regards|regards|with (?:respect|appreciation|thanks)|"
    r"thank you(?: for your attention)?[.,]?$|cordialement|bien cordialement|respectueusement|"
    r"veuillez agréer|je vous prie d'agréer|nous vous prions d'agréer|atentamente|cordialmente|"
    r"saludos?|reciba|с уважением|с глубоким уважением|искренне ваш\w*)", re.I)
SIGNATORY_LIST = re.compile(
    r"^(?:signatories|signatory organi[sz]ations|signed(?: by)?|co-?signed(?: by)?|endorsed by|"
    r"list of signatories|the undersigned organi[sz]ations|organi[sz]ations? signing|"
    r"signataires|organisations signataires|firmantes|organizaciones firmantes|подписали|подписанты)\b", re.I)
POSTSCRIPT = re.compile(r"^(?:cc|c\.c\.|copy to|copies to|p\.s\.|ps:|enclosures?|annex)\b", re.I)
LETTERHEAD = re.compile(r"(?:www\.|https?://|@\w|\b(?:tel|fax|phone|t|f)\s*[.:]?\s*\+?\d|\+\d[\d\s().-]{6,})", re.I)
HONORIFIC = re.compile(
    r"^(?:to:|h\.\s?e\.|his excellency|her excellency|the honou?rable|hon\.|mr\.?|mrs\.?|ms\.?|dr\.?|prof\.?|"
    r"(?:à\s+)?son excellence|m\.|mme\.?|monsieur|madame|me|maître|sr\.?|sra\.?|señor|señora|"
    r"excm[oa]\.?|excelentísim[oa]|lic\.|licenciad[oa]|mtr[oa]\.|dra?\.|ing\.|abg\.|"
    r"counsellor|counselor|chief|sheikh|senator|ambassador|judge|lieutenant general|general|colonel|"
    r"alhaji|shri|c\.|d\.|ciudadan[oa]|à l['’]attention de|à l['’]attention d['’]|à|"
    r"господину|госпоже|г-ну|г-же)(?=\s)", re.I)

# First words of an address block that has no honorific ("President Roza Otunbayeva").
ADDRESS_START = re.compile(
    r"^(?:to:|president|prime minister|minister|ambassador|prosecutor|procurator|attorney|governor|"
    r"mayor|king|queen|emir|sultan|speaker|chair\w*|secretary|commissioner|special rapporteur|"
    r"members? of|deputy|director|president[ea]|ministr[oa]|ministre|президент|министр|генеральн)", re.I)

_SHORT = 260


def _short(text: str) -> bool:
    return len(text) <= _SHORT and text.count("\n") <= 10


def effective_kinds(blocks: list) -> list[str]:
    """Each block's kind; for a letter given as only 'p' blocks, a guess from their content."""
    kinds = [b.kind for b in blocks]
    if any(k != "p" for k in kinds):
        return kinds
    n = len(blocks)
    # top of the letter: letterhead, date line, address, salutation, then the body begins
    for i, block in enumerate(blocks[:6]):
        text = block.text
        first = text.split("\n", 1)[0]
        if SALUTE.match(first) and len(first) < 120:
            kinds[i] = "salute"
            break
        if not _short(text):
            break
        lines = text.split("\n")
        if any(dateline_date(line) for line in lines) and len(lines) <= 2:
            kinds[i] = "dateline"
        elif LETTERHEAD.search(text) and i < 3:
            kinds[i] = "letterhead"
        elif len(lines) >= 2 and (HONORIFIC.match(first) or any(HONORIFIC.match(l) for l in lines[:2])
                                  or ADDRESS_START.match(first)):
            kinds[i] = "address"
        elif len(lines) >= 2 and not re.search(r"[.!?]\s*$", text) and i == 0:
            kinds[i] = "letterhead"
        else:
            break
    # bottom: closing formula, then signatures, lists of signatories and postscripts
    closing_at = None
    for i in range(n - 1, max(-1, n - 8), -1):
        first = blocks[i].text.split("\n", 1)[0]
        if CLOSING.match(first) and _short(blocks[i].text) and kinds[i] == "p":
            closing_at = i
            break
    start = closing_at + 1 if closing_at is not None else None
    if closing_at is not None:
        kinds[closing_at] = "closing"
    for i in range(n):
        text = blocks[i].text
        if kinds[i] != "p":
            continue
        if SIGNATORY_LIST.match(text) and (start is None or i >= start - 1):
            kinds[i] = "signed"
            start = i + 1 if start is None else start
        elif start is not None and i >= start:
            kinds[i] = "postscript" if POSTSCRIPT.match(text) else "signed"
    if start is None and n >= 2 and kinds[-1] == "p" and _looks_like_signature(blocks[-1].text):
        kinds[-1] = "signed"
    return kinds


def _looks_like_signature(text: str) -> bool:
    """A short final block of a name line plus role lines, none ending like a sentence."""
    lines = text.split("\n")
    if not 1 <= len(lines) <= 6 or len(text) > 300:
        return False
    if any(re.search(r"[.!?]$", l) and len(l) > 40 for l in lines):
        return False
    first = lines[0].split()
    return 2 <= len(first) <= 5 and all(w[:1].isupper() for w in first if len(w) > 3)
