"""`letters ingest`: files and folders in, one result per file out.

Next to a source file `X.txt`, a sidecar `X.json` holds archivist hints (the same
fields as the flags). In one batch, `X.v2.txt`, `X.v3.txt`... are ingested as later
versions of the letter made from `X.txt`; their sidecars may carry "message" and
"author" for the commit.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from .errors import ArchiveError
from .home import Archive, default_home
from .readers import supported

_VERSION_RE = re.compile(r"^(?P<base>.+)\.v(?P<n>\d+)$")


def collect(paths) -> list[Path]:
    """Source files under the given files/folders, bases before their later versions."""
    files = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files += [f for f in p.rglob("*") if f.is_file() and supported(f.name)
                      and not f.name.startswith(".")]
        else:
            files.append(p)

    def key(f: Path):
        m = _VERSION_RE.match(f.stem)
        return (str(f.parent), m.group("base") if m else f.stem, int(m.group("n")) if m else 1)
    return sorted(dict.fromkeys(files), key=key)


def _sidecar(f: Path) -> dict:
    side = f.with_suffix(".json")
    if not side.exists() or side == f:
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"{side.name}: sidecar is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ArchiveError(f"{side.name}: sidecar must be a JSON object")
    return data


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
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None, envvar="LETTERS_HOME",
              help="Archive home (default: $LETTERS_HOME or ./data).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of per-file results only.")
def ingest(paths, as_version_of, date, sender_org, addressee, source_url, title, language,
           author, message, home, as_json):
    """Archive letters from files or folders (.txt, TEI .xml); one commit per letter.

    Example: letters ingest letter.txt --date 2005-05-16 --sender-org "Human Rights Watch"
    """
    try:
        archive = Archive.open(home or default_home())
    except ArchiveError as exc:
        raise click.ClickException(exc.message) from None
    flags = {k: v for k, v in dict(date=date, sender_org=sender_org, addressee=addressee,
                                   source_url=source_url, title=title, language=language).items() if v}
    files = collect(paths)
    if not files:
        raise click.ClickException("no source files found in " + ", ".join(map(str, paths)))
    if as_version_of and len(files) > 1:
        raise click.ClickException("--as-version-of takes exactly one file")
    results, made = [], {}
    show_progress = not as_json and sys.stderr.isatty()
    with click.progressbar(files, label="Ingesting", file=sys.stderr,
                           show_pos=True, item_show_func=lambda f: f.name if f else "") \
            if show_progress else _plain(files) as bar:
        for f in bar:
            results.append(_one(archive, f, flags, as_version_of, author, message, made))
            r = results[-1]
            if not r["ok"]:
                click.echo(f"FAILED {f}: {r['error']}", err=True)
            elif not show_progress and not as_json:
                what = "duplicate of" if r.get("duplicate") else "archived as"
                click.echo(f"{f}: {what} {r['id']} ({r['version'][:12]})", err=True)
    archive.close()
    failed = [r for r in results if not r["ok"]]
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    click.echo(f"{len(results) - len(failed)} archived or already present, {len(failed)} failed",
               err=True)
    if failed:
        sys.exit(1)


class _plain:
    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return self.items

    def __exit__(self, *exc):
        return False


def _one(archive, f: Path, flags, as_version_of, author, message, made) -> dict:
    try:
        if not f.is_file():
            raise ArchiveError(f"{f}: no such file")
        hints = _sidecar(f)
        version_author = hints.pop("author", None)
        version_message = hints.pop("message", None)
        hints.update(flags)
        target = as_version_of
        m = _VERSION_RE.match(f.stem)
        if not target and m and (f.parent, m.group("base")) in made:
            target = made[(f.parent, m.group("base"))]
        res = archive.ingest(f.read_bytes(), f.name, hints, author or version_author,
                             as_version_of=target, message=message or version_message)
        made[(f.parent, m.group("base") if m else f.stem)] = res["id"]
        res["file"] = str(f)
        return res
    except ArchiveError as exc:
        return {"file": str(f), "ok": False, "error": exc.message}
    except OSError as exc:
        return {"file": str(f), "ok": False, "error": f"{f}: {exc.strerror}"}
