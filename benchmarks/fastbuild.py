"""Fast path: a large archive repository written straight through `git fast-import`.

Letters come from the generator with their metadata already known (no extraction), are
serialised by the project's own `archive.tei.to_tei`, and are committed one commit per
version, in the archive's layout, on top of `Archive.init`'s first commit. The index is
then built by the project (`Archive.reindex`), which the runner times.
"""
from __future__ import annotations

import hashlib
import random
import subprocess
from pathlib import Path

from archive import countries, ids
from archive.authority import Authority
from archive.letter import Block, Letter
from archive.personography import Register
from archive.tei import to_tei
from archive.writer import officials_shard

from .generator import AUTHORS, GenLetter, make_letter

COMMITTER = b"Advocacy Letters Archive <archive@localhost>"
BASE_TIME = 1_500_000_000
OHCHR = "Office of the United Nations High Commissioner for Human Rights"


def to_letter(g: GenLetter, blocks: list, letter_id: str, auth: Authority) -> Letter:
    """The Letter the project would store for this generated letter version."""
    code = g.country[0]
    insts = []
    for i in g.instruments:
        known = auth.instrument(i["id"]) or {}
        insts.append({"id": i["id"], "name": known.get("name", i["name"]), "short": known.get("short", ""),
                      "wikidata": known.get("wikidata", ""), "articles": list(i["articles"])})
    orgs = [{"name": OHCHR, "ref": "ohchr"}] if any(k == "postscript" for k, _ in blocks) else []
    source = {"file": f"{g.key}.txt", "format": "text",
              "sha256": hashlib.sha256(g.text(blocks).encode()).hexdigest()}
    if g.hints.get("source_url"):
        source = {"url": g.hints["source_url"], **source}
    a = g.addressee
    return Letter(
        id=letter_id, date=g.date, language="en",
        title=f"Letter from {g.org} to {a['name']}, {a['role']}, {g.date}",
        sender={"organisations": [{"name": g.org, "ref": ""}], "signatories": [dict(g.signatory)],
                "place": ""},
        addressees=[dict(a)], countries=[{"code": code, "name": countries.name(code)}],
        officials=[dict(a)], instruments=insts, organisations=orgs,
        blocks=[Block(k, t) for k, t in blocks], source=source,
        provenance={"date": "extracted", "sender.organisations": "archivist", "addressees": "extracted",
                    "countries": "extracted", "instruments": "extracted", "title": "extracted"})


def plan(n: int, seed: int) -> tuple[list, list]:
    """(ids, events): one id per letter, and commits as (order, letter index, version index)."""
    taken, out, events = set(), [], []
    r = random.Random(seed)
    for i in range(n):
        g = make_letter(seed, i)
        base = ids.base_id(g.date, ids.org_slug(g.org), g.country[0])
        cand, k = base, 1
        while cand in taken:
            k += 1
            cand = f"{base}-{k}"
        taken.add(cand)
        out.append(cand)
        events.append((float(i), i, 0))
        for v in range(1, len(g.versions) + 1):
            events.append((i + v * r.uniform(1, max(2.0, n / 20)), i, v))
    events.sort()
    return out, events


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def build_repository(git_dir: Path, n: int, seed: int, parent: str | None, sources: bool = True) -> dict:
    """Commit `n` generated letters (with their versions) to `main` of a bare repository.

    `sources=False` leaves out `sources/<id>/original.txt`: that flat folder makes every
    commit rewrite a tree with one entry per letter, which fast-import cannot do 100k times.
    """
    letter_ids, events = plan(n, seed)
    auth = Authority.bundled()
    proc = subprocess.Popen(["git", "--git-dir", str(git_dir), "fast-import", "--quiet", "--done"],
                            stdin=subprocess.PIPE)
    out = proc.stdin
    cache: dict = {}
    with_versions = []
    registers: dict = {}
    for order, (_, i, v) in enumerate(events):
        g = cache.pop(i, None) or make_letter(seed, i)
        if v < len(g.versions):
            cache[i] = g   # later versions of this letter still to come
        blocks, msg, author = g.all_versions()[v]
        letter_id = letter_ids[i]
        path = ids.path_for(letter_id)
        letter = to_letter(g, blocks, letter_id, auth)
        tei = to_tei(letter)
        for o in letter.officials:  # the officials registers, as letter-by-letter ingests grow them
            if o.get("name"):
                shard = officials_shard(o.get("country", ""), o["name"])
                if shard not in registers:
                    registers[shard] = Register(None)
                registers[shard].add([o], letter_id, letter.date)
        if v == 0:
            message = f"Add {letter_id}: Letter from {g.org}\n\nSource: {g.key}.txt (text)"
            if g.versions:
                with_versions.append(letter_id)
        else:
            message = f"New version of {letter_id} from {g.key}.v{v + 1}.txt\n\n{msg}"
        when = BASE_TIME + order * 60
        name, _, email = author.partition(" <")
        out.write(b"commit refs/heads/main\n")
        out.write(b"author %s <%s %d +0000\n" % (name.encode(), email.encode(), when))
        out.write(b"committer %s %d +0000\n" % (COMMITTER, when))
        out.write(_data(message.encode()))
        if order == 0 and parent:
            out.write(b"from %s\n" % parent.encode())
        out.write(b"M 100644 inline %s\n" % path.encode() + _data(tei))
        if sources:
            out.write(b"M 100644 inline %s\n" % ids.source_path(letter_id, "txt").encode()
                      + _data(g.text(blocks).encode()))
    if registers:  # one last commit, as a bulk ingest writes them
        when = BASE_TIME + len(events) * 60
        out.write(b"commit refs/heads/main\n")
        out.write(b"committer %s %d +0000\n" % (COMMITTER, when))
        out.write(_data(f"Register the officials named in {len(events)} new letter version(s)".encode()))
        for shard, register in sorted(registers.items()):
            out.write(b"M 100644 inline %s\n" % shard.encode() + _data(register.to_bytes()))
    out.write(b"done\n")
    out.close()
    if proc.wait() != 0:
        raise RuntimeError("git fast-import failed")
    return {"letters": n, "commits": len(events) + bool(registers), "ids": letter_ids,
            "with_versions": with_versions, "sources": sources}


def build_archive(home: Path, n: int, seed: int, sources: bool = True) -> dict:
    """An archive home with `n` generated letters committed through fast-import (index not built)."""
    from archive.home import Archive
    a = Archive.init(home, AUTHORS[0])
    head = a.reader.head()
    a.close()
    manifest = build_repository(Path(home) / "repo.git", n, seed, head, sources)
    a = Archive.open(home)
    if hasattr(a, "write_commit_graph"):  # what the project's own writers keep current
        a.write_commit_graph()
    a.close()
    return manifest
