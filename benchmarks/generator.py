"""Deterministic synthetic advocacy letters: plain-text files, sidecar hints and version chains."""
from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from . import vocab as V

AUTHORS = ["Ana Archivist <ana@example.org>", "Priya Raman <p.raman@example.org>",
           "Tomas Lind <t.lind@example.org>"]
START, DAYS = dt.date(1995, 1, 1), 30 * 365
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


@dataclass
class GenLetter:
    """One synthetic letter: metadata, its blocks (kind, text) and later versions."""
    key: str
    date: str
    org: str
    country: tuple
    addressee: dict
    signatory: dict
    instruments: list
    blocks: list
    versions: list = field(default_factory=list)   # [(blocks, message, author)]
    hints: dict = field(default_factory=dict)

    def text(self, blocks=None) -> str:
        return "\n\n".join(t for _, t in (blocks if blocks is not None else self.blocks)) + "\n"

    def all_versions(self) -> list:
        """[(blocks, message, author)] from the first version to the last."""
        return [(self.blocks, "", AUTHORS[0])] + self.versions

    def words(self) -> int:
        return len(self.text().split())


def _person(r: random.Random) -> str:
    return f"{r.choice(V.FIRST)} {r.choice(V.LAST)}"


def organisation(r: random.Random) -> str:
    """An invented organisation name, e.g. 'Eurasian Centre for Fair Trials'."""
    return f"{r.choice(V.ORG_PLACES)}{r.choice(V.ORG_HEADS)} for {r.choice(V.ORG_CAUSES)}"


def _cite(r: random.Random, inst: dict, arts: list) -> str:
    short = next((s for s in inst["shorts"] if s.isupper() and len(s) <= 8), "")
    name = inst["name"] + (f" ({short})" if short else "")
    if not arts:
        return f"the {name}" if not name.startswith("the ") else name
    word = "article" if len(arts) == 1 else "articles"
    nums = arts[0] if len(arts) == 1 else ", ".join(arts[:-1]) + " and " + arts[-1]
    if arts == ["common 3"]:
        return f"common article 3 of the {name}"
    return f"{word} {nums} of the {name}"


def _pick_instruments(r: random.Random) -> list:
    table = {i["id"]: i for i in V.instruments()}
    ids = r.sample(V.PREFERRED, r.randint(1, 3))
    if r.random() < 0.3:
        ids.append(r.choice(list(table)))
    out = []
    for ident in dict.fromkeys(ids):
        pool = V.ARTICLES.get(ident) or [str(n) for n in range(1, 21)]
        arts = sorted(set(r.sample(pool, min(len(pool), r.randint(0, 3)))), key=pool.index)
        out.append({"id": ident, "name": table[ident]["name"], "shorts": table[ident]["shorts"],
                    "articles": arts})
    return out


def _sentences(r, ctx) -> list:
    c, city = ctx["country"][1], ctx["country"][3]
    return [
        f"According to information gathered by our partners, at least {r.randint(3, 400)} "
        f"{r.choice(V.VICTIMS)} were detained in {city} between {ctx['month']} and the end of the year.",
        "Several of them have reported {} and {} while in custody.".format(*r.sample(V.ABUSES, 2)),
        f"Their families were not informed of their whereabouts for {r.randint(2, 40)} days.",
        f"The authorities of {c} have not responded to our previous requests for information.",
        f"We are deeply concerned that {r.choice(V.TOPICS)} has become a pattern in {c}.",
        f"Independent observers were denied access to the court hearings in {city}.",
        f"Lawyers representing the {r.choice(V.VICTIMS)} told us they were threatened with disbarment.",
        f"These measures have a chilling effect on {r.choice(V.RIGHTS)} across the country.",
        f"The {ctx['other_org']} documented {r.randint(5, 90)} similar cases over the past two years.",
        "Official statements describing the detainees as extremists have not been substantiated.",
        "Medical examinations requested by the detainees were refused or delayed.",
        f"International law requires any restriction on {r.choice(V.RIGHTS)} to be necessary and proportionate.",
        f"On {r.randint(1, 28)} {ctx['month']}, {_person(r)}, a {r.choice(V.VICTIMS)[:-1]} from {city}, "
        f"was taken from {r.choice(['home', 'work', 'a café', 'the street', 'a courthouse'])} by men in plain clothes.",
        f"{_person(r)} was sentenced to {r.randint(2, 15)} years in prison after a trial that lasted "
        f"{r.randint(1, 9)} hours, on charges of {r.choice(V.CHARGES)}.",
        f"The court in {city} relied on confessions that the defendants say were obtained under duress.",
        f"We note the recommendations made to {c} during its {r.choice(V.REVIEWS)}.",
        f"{_person(r)}, who had worked with the {ctx['other_org']}, remains in {r.choice(V.FACILITIES)}.",
        f"Reports from {city} indicate that {r.choice(V.VICTIMS)} face {r.choice(V.ABUSES)} "
        f"in {r.choice(V.FACILITIES)}.",
    ]


def _paragraph(r, ctx, n) -> str:
    return " ".join(r.sample(_sentences(r, ctx), n))


def make_letter(seed: int, i: int) -> GenLetter:
    """Letter number `i` of the archive generated from `seed` (independent of the others)."""
    r = random.Random(seed * 1_000_003 + i)
    code, cname, capital, city = country = r.choice(V.COUNTRIES)
    day = START + dt.timedelta(days=r.randrange(DAYS))
    org = organisation(r)
    role_t, salute = r.choice(V.ROLES)
    role = role_t.format(country=cname)
    official = _person(r)
    sig = {"name": _person(r), "role": r.choice(V.SIGNATORY_ROLES)}
    insts = _pick_instruments(r)
    ctx = {"country": country, "month": MONTHS[r.randrange(12)], "other_org": organisation(r)}
    topic = r.choice(V.TOPICS)
    blocks = [
        ("letterhead", f"{org}\n{r.randint(1, 220)} {r.choice(V.STREETS)}\n{r.choice(V.OFFICE_CITIES)}"),
        ("dateline", f"{MONTHS[day.month - 1]} {day.day}, {day.year}"),
        ("address", f"{official}\n{role}\n{capital}"),
        ("salute", f"Dear {salute} {official.split()[-1]},"),
        ("p", f"We write on behalf of the {org} to express our serious concern about {topic} in "
              f"{cname}, and to urge your government to act without delay. " + _paragraph(r, ctx, 2)),
    ]
    target = r.randint(300, 900)
    legal = [f"These practices violate {_cite(r, inst, inst['articles'])}, to which {cname} is a party."
             for inst in insts]
    body = [_paragraph(r, ctx, r.randint(3, 5))]
    body.append(" ".join(legal) + " " + _paragraph(r, ctx, 1))
    while sum(len(t.split()) for _, t in blocks) + sum(len(p.split()) for p in body) < target - 60:
        body.insert(r.randrange(len(body) + 1), _paragraph(r, ctx, r.randint(2, 5)))
    blocks += [("p", p) for p in body]
    blocks.append(("p", f"We therefore call on you to {r.choice(V.ACTIONS)} the {r.choice(V.VICTIMS)} "
                        f"concerned, and to {r.choice(V.ACTIONS)} all those held for exercising "
                        f"{r.choice(V.RIGHTS)}. We would welcome the opportunity to discuss these concerns."))
    blocks += [("closing", r.choice(["Sincerely,", "Yours sincerely,", "Respectfully,"])),
               ("signed", f"{sig['name']}\n{sig['role']}, {org}")]
    if r.random() < 0.4:
        blocks.append(("postscript", "cc: Office of the United Nations High Commissioner for Human Rights"))
    letter = GenLetter(f"l{i:06d}", day.isoformat(), org, country,
                       {"name": official, "role": role, "country": code}, sig, insts, blocks)
    letter.hints = {"sender_org": org}
    if r.random() < 0.5:
        letter.hints["source_url"] = f"https://advocacy.example.org/letters/{day.year}/{letter.key}"
    if r.random() < 0.15:
        _versions(r, letter, ctx)
    return letter


def _typo(r: random.Random, text: str):
    words = [w for w in text.split() if len(w) >= 7 and w.isalpha()]
    if not words:
        return None
    w = r.choice(words)
    k = r.randrange(1, len(w) - 2)
    return w, w[:k] + w[k + 1] + w[k] + w[k + 2:]


def _versions(r: random.Random, letter: GenLetter, ctx):
    """Give the letter 1-4 later versions: typo fixes and added paragraphs."""
    kinds = [r.choice(["typo", "typo", "paragraph"]) for _ in range(r.randint(1, 4))]
    paras = [n for n, (k, _) in enumerate(letter.blocks) if k == "p"]
    typos = []
    blocks = list(letter.blocks)
    for kind in kinds:
        if kind == "typo":
            n = r.choice(paras)
            t = _typo(r, blocks[n][1])
            if t:
                blocks[n] = ("p", blocks[n][1].replace(t[0], t[1], 1))
                typos.append((n, t))
    letter.blocks = list(blocks)   # the first version carries every typo
    for kind in kinds:
        if kind == "typo" and typos:
            n, (good, bad) = typos.pop(0)
            blocks[n] = ("p", blocks[n][1].replace(bad, good, 1))
            msg = f"Fix a typo: {bad} -> {good}"
        else:
            at = paras[-1] + 1
            blocks.insert(at, ("p", _paragraph(r, ctx, r.randint(2, 4))))
            paras.append(at)
            msg = "Add the paragraph of the letter as sent"
        letter.versions.append((list(blocks), msg, r.choice(AUTHORS)))


def generate(n: int, seed: int = 1):
    """The first `n` letters of the archive generated from `seed`."""
    for i in range(n):
        yield make_letter(seed, i)


def write_corpus(directory, n: int, seed: int = 1) -> dict:
    """Write `n` letters as .txt files with .json sidecars (and .vN.txt versions); return counts."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    files = versions = words = 0
    for g in generate(n, seed):
        (d / f"{g.key}.txt").write_text(g.text())
        (d / f"{g.key}.json").write_text(json.dumps(g.hints))
        files += 1
        words += g.words()
        for v, (blocks, msg, author) in enumerate(g.versions, start=2):
            (d / f"{g.key}.v{v}.txt").write_text(g.text(blocks))
            (d / f"{g.key}.v{v}.json").write_text(json.dumps({"message": msg, "author": author}))
            versions += 1
    return {"letters": files, "versions": versions, "words": words}


def iter_corpus(directory, versions: bool = True):
    """Items for `Archive.ingest_many`, each file read when its item is reached: (data,
    filename, hints), each letter's later versions right after it as (data, filename, {},
    {"version_of_item", "message", "author"})."""
    d = Path(directory)
    n = 0
    for txt in sorted(d.glob("l*.txt")):
        if ".v" in txt.name:
            continue
        side = txt.with_suffix(".json")
        first = n
        yield txt.read_bytes(), txt.name, json.loads(side.read_text()) if side.exists() else {}
        n += 1
        v = 2
        while versions and (d / f"{txt.stem}.v{v}.txt").exists():
            meta = json.loads((d / f"{txt.stem}.v{v}.json").read_text())
            yield ((d / f"{txt.stem}.v{v}.txt").read_bytes(), f"{txt.stem}.v{v}.txt", {},
                   {"version_of_item": first, **meta})
            n += 1
            v += 1


def read_corpus(directory, versions: bool = True) -> list:
    """`iter_corpus` as a list."""
    return list(iter_corpus(directory, versions))


if __name__ == "__main__":
    print(make_letter(1, 0).text())
