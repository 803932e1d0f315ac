"""Score the extractor against the labelled letters: precision, recall and F1 per field.

Each letter runs through the real pipeline (archive.readers.read_file ->
archive.letter.normalise_structure -> archive.extract.extract) and is compared with its
hand-written `letters/<name>.expected.json`. Matching rules are in docs/extraction.md; in short:
people match on their name (surname, allowing for Russian case endings and honorifics), and
addressees and signatories must also agree on role (a shared content word) and, for
addressees, country; organisations match on authority id or normalised name; officials
without a name (offices) are not scored.
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
LETTERS = HERE / "letters"
SOURCES = HERE / "sources"
FIELDS = ("countries", "instruments", "articles", "officials", "addressees", "signatories",
          "sender_organisations", "organisations")
# The bars of issue 4: the accuracy test fails below them.
BARS = {"countries": 0.95, "instruments": 0.95, "articles": 0.9, "officials": 0.85, "addressees": 0.85}
DATE_BAR = 0.95

_HONORIFICS = {"mr", "mrs", "ms", "dr", "he", "sheikh", "shri", "lic", "c", "г-н", "г-ну", "г-жа",
               "господин", "господину", "госпожа", "the", "honorable", "honourable"}
_STOP = set("""of the and for in on to de la le les du des del el los las y et и по в при
a al au aux d l""".split())
_RU_END = re.compile(r"(?:ыми|ими|ого|его|ому|ему|ой|ей|ая|яя|ую|юю|ий|ый|ом|ем|ам|ям|ах|ях|ов|ев|"
                     r"у|ю|а|я|е|ы|и|о|ь|й)$")


def cases() -> list[tuple[str, Path]]:
    """(file name, path of the file or its source) for every labelled letter, sorted."""
    out = []
    for path in LETTERS.iterdir():
        if path.suffix in (".txt", ".html", ".eml"):
            out.append((path.name, path))
    for path in SOURCES.glob("*.txt"):
        out.append((path.name[:-len(".txt")], path))
    return sorted(out)


def load(name: str, path: Path) -> bytes:
    if path.parent == SOURCES:
        import importlib.util
        spec = importlib.util.spec_from_file_location("make_binaries", HERE / "make_binaries.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod.build(path)[1]
    return path.read_bytes()


def expected(name: str) -> dict:
    stem = name.rsplit(".", 1)[0]
    return json.loads((LETTERS / f"{stem}.expected.json").read_text(encoding="utf-8"))


def run_extraction(name: str, data: bytes, authority):
    from archive.extract import extract
    from archive.letter import normalise_structure
    from archive.readers import read_file

    result = read_file(data, name)
    return extract(normalise_structure(result.blocks), authority)


# -- normalisation and matching -----------------------------------------------------------

def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s or "")
    s = "".join(ch for ch in s if not unicodedata.combining(ch) or "\u0400" <= ch <= "\u04ff")
    s = unicodedata.normalize("NFC", s).casefold().replace("ё", "е")
    return " ".join(re.findall(r"[^\W_]+", s))


def _stem(word: str) -> str:
    if any("\u0400" <= ch <= "\u04ff" for ch in word) and len(word) > 3:
        return _RU_END.sub("", word)
    return word


def _name_tokens(name: str) -> list[str]:
    words = [w for w in _fold(name).split() if w not in _HONORIFICS]
    return [_stem(w) for w in words]


def names_match(gold: str, got: str) -> bool:
    """Same person: the surnames agree, and any written first name or initial is compatible."""
    g, p = _name_tokens(gold), _name_tokens(got)
    if not g or not p:
        return False
    if g[-1] != p[-1] and not (set(g) <= set(p) or set(p) <= set(g)):
        return False
    # "Jane Doe" is not "John Doe": first tokens must agree on their initial
    return g[0][0] == p[0][0] or len(g) == 1 or len(p) == 1


def _content(role: str) -> set:
    return {_stem(w)[:6] for w in _fold(role).split() if w not in _STOP and len(w) > 2}


def roles_match(gold: str, got: str) -> bool:
    """Roles agree when both are empty or they share a content word."""
    if not gold:
        return True
    return bool(_content(gold) & _content(got))


def org_key(name: str, ref: str, authority) -> str:
    if ref:
        return "id:" + ref
    known = authority.find_org(name)
    if known:
        return "id:" + known["id"]
    return "name:" + _fold(re.sub(r"^(?i:the)\s+", "", name))


def _greedy(gold: list, got: list, same) -> int:
    """True positives under a one-to-one matching that pairs each gold item with a free match."""
    used, tp = set(), 0
    for g in gold:
        for i, p in enumerate(got):
            if i not in used and same(g, p):
                used.add(i)
                tp += 1
                break
    return tp


def compare(exp: dict, ex, authority) -> dict:
    """{field: (true positives, predicted, expected, [(kind, item)...])} for one letter."""
    out = {}

    def record(field, gold, got, same, show=lambda x: x):
        tp = _greedy(gold, got, same)
        missing = [show(g) for g in gold if not any(same(g, p) for p in got)]
        extra = [show(p) for p in got if not any(same(g, p) for g in gold)]
        out[field] = (tp, len(got), len(gold), [("missing", m) for m in missing] + [("extra", e) for e in extra])

    record("countries", list(dict.fromkeys(exp["countries"])),
           list(dict.fromkeys(c["code"] for c in ex.countries)), lambda g, p: g == p)
    record("instruments", list(exp["instruments"]), [i["id"] for i in ex.instruments], lambda g, p: g == p)
    gold_arts = [(i, a) for i, arts in exp["instruments"].items() for a in arts]
    got_arts = [(i["id"], a) for i in ex.instruments for a in i["articles"]]
    record("articles", list(dict.fromkeys(gold_arts)), list(dict.fromkeys(got_arts)), lambda g, p: g == p)
    record("officials", [o for o in exp["officials"] if o[0]], [o for o in ex.officials if o["name"]],
           lambda g, p: names_match(g[0], p["name"]), lambda x: x if isinstance(x, list) else x["name"])

    def same_addressee(g, p):
        if g[0]:
            who = names_match(g[0], p["name"])
        else:
            who = not p["name"] and roles_match(g[1], p["role"])
        return who and roles_match(g[1], p["role"]) and g[2] == p["country"]
    record("addressees", exp["addressees"], ex.addressees, same_addressee,
           lambda x: x if isinstance(x, list) else [x["name"], x["role"], x["country"]])
    record("signatories", exp["signatories"], ex.signatories,
           lambda g, p: names_match(g[0], p["name"]) and roles_match(g[1], p["role"]),
           lambda x: x if isinstance(x, list) else [x["name"], x["role"]])
    for field, got in (("sender_organisations", ex.sender_organisations), ("organisations", ex.organisations)):
        gold_keys = list(dict.fromkeys(org_key(n, "", authority) for n in exp[field]))
        got_keys = list(dict.fromkeys(org_key(o["name"], o.get("ref", ""), authority) for o in got))
        record(field, gold_keys, got_keys, lambda g, p: g == p)
    return out


def _prf(tp: int, got: int, gold: int) -> tuple[float, float, float]:
    p = tp / got if got else 1.0
    r = tp / gold if gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(authority=None) -> dict:
    """Run every labelled letter; the summary plus per-letter errors."""
    from archive.authority import Authority

    authority = authority or Authority.bundled()
    totals = {f: [0, 0, 0] for f in FIELDS}
    letters, dated, dated_ok, undated, invented = [], 0, 0, 0, 0
    languages, formats = {}, {}
    for name, path in cases():
        exp = expected(name)
        ex = run_extraction(name, load(name, path), authority)
        scores = compare(exp, ex, authority)
        for field, (tp, got, gold, _) in scores.items():
            for i, v in enumerate((tp, got, gold)):
                totals[field][i] += v
        if exp["date"]:
            dated += 1
            dated_ok += ex.date == exp["date"]
        else:
            undated += 1
            invented += ex.date is not None
        languages[exp["language"]] = languages.get(exp["language"], 0) + 1
        ext = Path(name).suffix.lstrip(".")
        formats[ext] = formats.get(ext, 0) + 1
        errors = {f: s[3] for f, s in scores.items() if s[3]}
        if ex.date != exp["date"]:
            errors["date"] = [("expected", exp["date"]), ("got", ex.date)]
        if ex.language != exp["language"]:
            errors["language"] = [("expected", exp["language"]), ("got", ex.language)]
        letters.append({"file": name, "errors": errors})
    fields = {}
    for field, (tp, got, gold) in totals.items():
        p, r, f = _prf(tp, got, gold)
        fields[field] = {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3),
                         "expected": gold, "extracted": got, "correct": tp}
    return {"letters": len(letters), "languages": languages, "formats": formats, "fields": fields,
            "dates": {"dated": dated, "exact": dated_ok, "share_exact": round(dated_ok / dated, 3) if dated else 1.0,
                      "undated": undated, "invented": invented},
            "per_letter": letters}


def table(summary: dict) -> str:
    """The summary as a Markdown table."""
    rows = ["| field | precision | recall | F1 | bar |", "| --- | --- | --- | --- | --- |"]
    for field, s in summary["fields"].items():
        bar = f">= {BARS[field]}" if field in BARS else ""
        rows.append(f"| {field.replace('_', ' ')} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {bar} |")
    d = summary["dates"]
    rows.append(f"| dates exactly right | {d['exact']} of {d['dated']} dated letters ({d['share_exact']:.1%}) "
                f"| | | >= {DATE_BAR:.0%} |")
    rows.append(f"| dates invented | {d['invented']} of {d['undated']} undated letters | | | 0 |")
    langs = ", ".join(f"{k} {v}" for k, v in sorted(summary["languages"].items()))
    fmts = ", ".join(f"{k} {v}" for k, v in sorted(summary["formats"].items()))
    return f"{summary['letters']} letters ({langs}; {fmts})\n\n" + "\n".join(rows)


def failures(summary: dict) -> list[str]:
    """The bars this summary misses (empty when extraction is good enough)."""
    out = [f"{f} F1 {summary['fields'][f]['f1']} < {bar}" for f, bar in BARS.items()
           if summary["fields"][f]["f1"] < bar]
    d = summary["dates"]
    if d["share_exact"] < DATE_BAR:
        out.append(f"dates exactly right on {d['share_exact']} < {DATE_BAR}")
    if d["invented"]:
        out.append(f"{d['invented']} undated letter(s) given a date")
    return out
