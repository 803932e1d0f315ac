"""`letters ingest`: files, folders and .zip files in, one result per file out.

Next to a source file `X.txt`, a sidecar `X.json` holds archivist hints (the same
fields as the flags). In one batch, `X.v2.txt`, `X.v3.txt`... are ingested as later
versions of the letter made from `X.txt`; their sidecars may carry "message" and
"author" for the commit. A batch of several files is written as one commit per letter,
all in one new git pack, and one index update.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import click

from .errors import ArchiveError, IngestError
from .home import Archive, default_home
from .readers import supported

_VERSION_RE = re.compile(r"^(?P<base>.+)\.v(?P<n>\d+)$")


@dataclass
class Source:
    """One file to ingest: its display name, bytes (read lazily) and sidecar."""
    name: str           # shown to the archivist (path, or zip!member)
    filename: str       # the file's own name, which picks the reader
    folder: str
    load: object        # () -> bytes
    sidecar: object     # () -> bytes | None

    @property
    def stem(self):
        return PurePosixPath(self.filename).stem


def _file_source(f: Path) -> Source:
    side = f.with_suffix(".json")
    return Source(str(f), f.name, str(f.parent), f.read_bytes,
                  lambda: side.read_bytes() if side.exists() and side != f else None)


def _zip_sources(z: Path) -> list[Source]:
    from .readers.archive_zip import iter_files
    members = dict(iter_files(z.read_bytes(), str(z)))
    out = []
    for inner, data in members.items():
        p = PurePosixPath(inner)
        if not supported(p.name) or p.name.startswith("."):
            continue
        side = str(p.with_suffix(".json"))
        out.append(Source(f"{z}!{inner}", p.name, f"{z}!{p.parent}", lambda d=data: d,
                          lambda s=side: members.get(s)))
    return out


def collect(paths) -> list[Source]:
    """Sources under the given files/folders/zips, each letter's versions after it."""
    sources = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not f.name.startswith("."):
                    if f.suffix.lower() == ".zip":
                        sources += _zip_sources(f)
                    elif supported(f.name):
                        sources.append(_file_source(f))
        elif p.suffix.lower() == ".zip" and p.is_file():
            sources += _zip_sources(p)
        else:
            sources.append(_file_source(p))

    def key(s: Source):
        m = _VERSION_RE.match(s.stem)
        return (s.folder, m.group("base") if m else s.stem, int(m.group("n")) if m else 1)
    return sorted({s.name: s for s in sources}.values(), key=key)


def _sidecar(s: Source) -> dict:
    raw = s.sidecar()
    if raw is None:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise IngestError(f"{s.name}: its sidecar .json is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise IngestError(f"{s.name}: its sidecar .json must be a JSON object")
    return data


def _items(sources, flags, as_version_of, author, message, failures):
    """(data, filename, hints, options) for each source; unreadable ones go to `failures`."""
    first = {}
    for i, s in enumerate(sources):
        m = _VERSION_RE.match(s.stem)
        base = (s.folder, m.group("base") if m else s.stem)
        version_of = first[base] if m and base in first and not as_version_of else None
        first.setdefault(base, i)   # before reading: a first version that fails takes its later ones along
        try:
            hints = _sidecar(s)
            opts = {"author": hints.pop("author", None) or author,
                    "message": message or hints.pop("message", None)}
            hints.pop("message", None)
            hints.update(flags)
            if as_version_of:
                opts["as_version_of"] = as_version_of
            elif version_of is not None:
                opts["version_of_item"] = version_of
            yield (s.load(), s.filename, hints, opts)
        except ArchiveError as exc:
            failures[i] = exc.message
            yield (b"", s.filename, {}, {"failed": exc.message})
        except OSError as exc:
            failures[i] = f"{s.name}: {exc.strerror}"
            yield (b"", s.filename, {}, {"failed": failures[i]})


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as-version-of", "as_version_of", help="Ingest the file as a new version of this letter.")
@click.option("--date", help="The letter's date (YYYY-MM-DD, YYYY-MM or YYYY).")
@click.option("--sender-org", "sender_org", help="Sender organisation.")
@click.option("--addressee", help="Addressee as 'Name; Role; Country'.")
@click.option("--source-url", "source_url", help="Where the letter was published.")
@click.option("--title", help="Title of the letter.")
@click.option("--language", help="Language code (en, fr, es, ru...).")
@click.option("--author", help="Archivist as 'Name <email>' (default: git config).")
@click.option("--message", "-m", help="Commit message (default: says what was added).")
@click.option("--dry-run", "dry_run", is_flag=True, help="Show what would be archived; write nothing.")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None, envvar="LETTERS_HOME",
              help="Archive home (default: $LETTERS_HOME or ./data).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of per-file results only.")
def ingest(paths, as_version_of, date, sender_org, addressee, source_url, title, language,
           author, message, dry_run, home, as_json):
    """Archive letters from files, folders or .zip files (.txt, .html, .docx, .pdf, .eml, TEI .xml).

    Example: letters ingest letter.txt --date 2005-05-16 --sender-org "Human Rights Watch"
    """
    try:
        archive = Archive.open(home or default_home())
        sources = collect(paths)
    except ArchiveError as exc:
        raise click.ClickException(exc.message) from None
    if not sources:
        raise click.ClickException("no source files found in " + ", ".join(map(str, paths)))
    if as_version_of and len(sources) > 1:
        raise click.ClickException("--as-version-of takes exactly one file")
    flags = {k: v for k, v in dict(date=date, sender_org=sender_org, addressee=addressee,
                                   source_url=source_url, title=title, language=language).items() if v}
    failures: dict = {}
    items = _items(sources, flags, as_version_of, author, message, failures)   # read one by one
    if dry_run:
        results = _dry_run(archive, sources, items, failures, as_json)
    else:
        results = _write(archive, sources, items, failures, as_json)
    archive.close()
    failed = [r for r in results if not r["ok"]]
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    verb = "would be archived" if dry_run else "archived or already present"
    click.echo(f"{len(results) - len(failed)} {verb}, {len(failed)} failed", err=True)
    if failed:
        sys.exit(1)


def _write(archive, sources, items, failures, as_json):
    """Ingest the items as they are read (a folder is never held in memory whole); one
    result per source, in order."""
    show_bar = not as_json and sys.stderr.isatty() and len(sources) > 1
    sent: list = []   # the source number of each item handed to the archive, in order
    with click.progressbar(length=len(sources), label="Ingesting", file=sys.stderr,
                           show_pos=True) if show_bar else _NoBar() as bar:
        def progress(k, res):
            bar.update(1)
            if not res["ok"]:
                click.echo(f"\nFAILED {sources[sent[k]].name}: {res['error']}", err=True)

        def readable():
            place: dict = {}   # source number -> its place among the items sent
            for i, (data, filename, hints, opts) in enumerate(items):
                first = opts.get("version_of_item")
                if first is not None and i not in failures and first not in place:
                    failures[i] = f"{sources[i].name}: its first version could not be ingested"
                if i in failures:
                    bar.update(1)
                    continue
                if first is not None:
                    opts = {**opts, "version_of_item": place[first]}
                place[i] = len(sent)
                sent.append(i)
                yield data, filename, hints, opts

        try:
            if len(sources) == 1:
                done = [_ingest_one(archive, item) for item in readable()]
                if done:
                    progress(0, done[0])
            else:
                done = archive.ingest_many(readable(), progress=progress)
        except ArchiveError as exc:
            raise click.ClickException(exc.message) from None
    results, done_of = [], dict(zip(sent, done))
    for i, s in enumerate(sources):
        if i in failures:
            click.echo(f"FAILED {s.name}: {failures[i]}", err=True)
            results.append({"file": s.name, "ok": False, "error": failures[i]})
        else:
            r = done_of[i]
            r["file"] = s.name
            results.append(r)
            if r["ok"] and not show_bar and not as_json:
                what = "duplicate of" if r.get("duplicate") else "archived as"
                click.echo(f"{s.name}: {what} {r['id']} ({r['version'][:12]})", err=True)
    return results


def _ingest_one(archive, item) -> dict:
    data, filename, hints, opts = item
    try:
        return archive.ingest(data, filename, hints, opts.get("author"), opts.get("as_version_of"),
                              opts.get("message"))
    except ArchiveError as exc:
        return {"file": filename, "ok": False, "error": exc.message}


def _dry_run(archive, sources, items, failures, as_json):
    results = []
    for i, (s, (data, filename, hints, opts)) in enumerate(zip(sources, items)):
        if i in failures:
            results.append({"file": s.name, "ok": False, "error": failures[i]})
            continue
        try:
            res = archive.preview(data, filename, hints)
        except ArchiveError as exc:
            res = {"file": filename, "ok": False, "error": exc.message}
        res["file"] = s.name
        results.append(res)
        if not as_json:
            _print_preview(res)
    return results


def _print_preview(res):
    if not res["ok"]:
        click.echo(f"FAILED {res['file']}: {res['error']}")
        return
    if res.get("duplicate"):
        click.echo(f"{res['file']}: already archived as {res['id']}")
        return
    rec, prov = res["letter"], res["provenance"]
    click.echo(f"{res['file']} -> {res['id']}")

    def row(label, field, value):
        click.echo(f"  {label:14} {value or '-'}    [{prov.get(field, 'extracted')}]")
    row("title", "title", rec["title"])
    row("date", "date", rec["date"])
    row("language", "language", rec["language"])
    row("sender", "sender.organisations", "; ".join(o["name"] for o in rec["sender"]["organisations"]))
    row("signatories", "sender.signatories",
        "; ".join(", ".join(x for x in (s["name"], s["role"]) if x) for s in rec["sender"]["signatories"]))
    row("addressees", "addressees",
        "; ".join(", ".join(x for x in (a["name"], a["role"], a["country"]) if x) for a in rec["addressees"]))
    row("countries", "countries", ", ".join(c["code"] for c in rec["countries"]))
    row("instruments", "instruments", "; ".join(
        i["id"] + (f" art. {', '.join(i['articles'])}" if i["articles"] else "") for i in rec["instruments"]))
    row("officials", "officials", "; ".join(o["name"] or o["role"] for o in rec["officials"]))
    row("organisations", "organisations", "; ".join(o["name"] for o in rec["organisations"]))
    row("source url", "source.url", rec["source"].get("url"))
    for w in res.get("warnings", []):
        click.echo(f"  warning: {w}")


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n):
        pass
