"""The `letters` command. Every command that reports data takes --json and then
prints JSON only on stdout; progress and messages go to stderr. User errors print
`Error: ...` and exit 1."""
from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click
import git

from .errors import ArchiveError
from .home import Archive, default_home


def _home_option(f):
    return click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
                        envvar="LETTERS_HOME", help="Archive home (default: $LETTERS_HOME or ./data).")(f)


def _json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON only.")(f)


def user_errors(f):
    """Turn the archive's own exceptions into `Error: ...` and exit 1, never a traceback."""
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except ArchiveError as exc:
            raise click.ClickException(exc.message) from None
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        except git.GitError as exc:
            raise click.ClickException(f"git could not read the archive ({type(exc).__name__}: "
                                       f"{str(exc)[:300]}); run `letters verify` to see what is damaged") from None
    return wrapper


def _open(home) -> Archive:
    return Archive.open(home or default_home())


def _print_json(data):
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _say(msg: str):
    click.echo(msg, err=True)


@click.group()
@click.version_option("0.1.0", prog_name="letters")
def main():
    """Advocacy Letters Archive: open letters as TEI in git, searchable.

    Example: letters --help
    """


@main.command()
@_home_option
@click.option("--author", help="Archivist as 'Name <email>' (default: git config).")
@user_errors
def init(home, author):
    """Create an empty archive (git repository, authority files, index).

    Example: letters init --home ./data
    """
    home = home or default_home()
    Archive.init(home, author).close()
    _say(f"Created an archive in {home}")


from .cli_ingest import ingest  # noqa: E402  (registered below; kept in its own module)
main.add_command(ingest)


@main.command()
@click.argument("letter_id")
@click.option("--at", "at", help="Show the letter as it was at this commit (short sha accepted).")
@_home_option
@_json_option
@user_errors
def show(letter_id, at, home, as_json):
    """Show one letter (its record).

    Example: letters show 2005-05-16-hrw-kg --json
    """
    a = _open(home)
    rec = a.record(letter_id, at)
    if as_json:
        return _print_json(rec)
    click.echo(f"{rec['title']}\n{rec['id']}  version {rec['version'][:12]}  {rec['date'] or 'undated'}")
    if rec["version"] != rec["latest"]:
        click.echo(f"(an earlier version; the current one is {rec['latest'][:12]})")
    for label, items in (("Sender", rec["sender"]["organisations"]),
                         ("Signatories", rec["sender"]["signatories"]),
                         ("Addressees", rec["addressees"]), ("Countries", rec["countries"]),
                         ("Instruments", rec["instruments"]), ("Organisations", rec["organisations"])):
        if items:
            click.echo(f"{label}: " + "; ".join(_describe(i) for i in items))
    click.echo("\n" + rec["text"])


def _describe(item: dict) -> str:
    if "code" in item:
        return f"{item['name']} ({item['code']})"
    if "articles" in item:
        arts = ", ".join(item["articles"])
        return (item.get("short") or item["name"]) + (f" art. {arts}" if arts else "")
    parts = [item.get("name", ""), item.get("role", ""), item.get("country", "")]
    return ", ".join(p for p in parts if p)


@main.command(name="list")
@_home_option
@_json_option
@user_errors
def list_(home, as_json):
    """List every letter.

    Example: letters list --json
    """
    recs = _open(home).list()
    if as_json:
        return _print_json(recs)
    for r in recs:
        click.echo(f"{r['id']:40}  {r['date'] or 'undated':10}  {r['title']}")


@main.command()
@click.argument("query", nargs=-1)
@click.option("--limit", default=20, show_default=True, help="Hits to return.")
@click.option("--offset", default=0, help="Skip this many hits (paging).")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance")
@_home_option
@_json_option
@user_errors
def search(query, limit, offset, sort, home, as_json):
    """Search letters (see docs/query-language.md).

    Example: letters search 'country:KG instrument:"Refugee Convention"' --json
    """
    res = _open(home).search(" ".join(query), limit=limit, offset=offset, sort=sort)
    if as_json:
        return _print_json(res)
    click.echo(f"{res['total']} letter(s)")
    for h in res["hits"]:
        click.echo(f"{h['id']:40}  {h['date'] or 'undated':10}  {h['title']}")
        if h["snippet"]:
            click.echo("    " + h["snippet"][:200].replace("\n", " "))


@main.command()
@click.argument("letter_id")
@_home_option
@_json_option
@user_errors
def history(letter_id, home, as_json):
    """Versions of a letter, newest first.

    Example: letters history 2005-05-16-hrw-kg
    """
    entries = _open(home).history(letter_id)
    if as_json:
        return _print_json(entries)
    for e in entries:
        click.echo(f"{e['version'][:12]}  {e['date']}  {e['author']}\n    {e['message'].splitlines()[0]}"
                   f"\n    {e['summary']}")


@main.command()
@click.argument("letter_id")
@click.argument("a")
@click.argument("b", required=False)
@click.option("--tei", is_flag=True, help="Print the unified diff of the two TEI files instead.")
@_home_option
@_json_option
@user_errors
def diff(letter_id, a, b, tei, home, as_json):
    """What changed between two versions of a letter (or between two letters).

    With LETTER_ID A B: versions A and B of one letter (commit ids, or latest, latest~1...).
    With ID1 ID2: two different letters (e.g. one template sent to two governments).

    Example: letters diff 2005-05-16-hrw-kg latest~1 latest
    """
    arch = _open(home)
    if tei:
        if b is None:
            raise click.ClickException("--tei compares two versions of one letter: give ID A B")
        return click.echo(arch.tei_diff(letter_id, a, b), nl=False)
    res = arch.compare(letter_id, a) if b is None else arch.diff(letter_id, a, b)
    if as_json:
        return _print_json(res)
    if not res["changes"]:
        click.echo("no changes")
    for c in res["changes"]:
        label = c.get("field") or c.get("block_kind", "")
        click.echo(f"{c['kind']:8} {label}")
        if c.get("before") is not None:
            click.echo(f"  - {c['before']}")
        if c.get("after") is not None:
            click.echo(f"  + {c['after']}")


@main.command()
@click.argument("letter_id")
@_home_option
@_json_option
@user_errors
def blame(letter_id, home, as_json):
    """Which version introduced each paragraph of a letter.

    Example: letters blame 2005-05-16-hrw-kg
    """
    rows = _open(home).blame(letter_id)
    if as_json:
        return _print_json(rows)
    for r in rows:
        click.echo(f"{r['version'][:12]}  {r['date'][:10]}  {r['text'][:90]}")


@main.command()
@click.argument("letter_id")
@click.option("--at", "at", help="Cite this version (default: the current one).")
@click.option("--format", "fmt", type=click.Choice(["text", "bibtex", "csl"]), default="text",
              show_default=True)
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True,
              help="Where the archive is served, for the permanent URL.")
@_home_option
@user_errors
def cite(letter_id, at, fmt, base_url, home):
    """A citation of a letter that names its version, with the version's permanent URL.

    Example: letters cite 2005-05-16-hrw-kg --format bibtex --base-url https://letters.example.org
    """
    from .versions import citation
    rec = _open(home).cite_record(letter_id, at)
    url = f"{base_url.rstrip('/')}/letters/{letter_id}/at/{rec['version']}"
    out = citation(rec, url, fmt)
    click.echo(json.dumps(out, ensure_ascii=False, indent=2) if fmt == "csl" else out.rstrip("\n"))


@main.command()
@click.argument("letter_id")
@_home_option
@_json_option
@user_errors
def family(letter_id, home, as_json):
    """Letters of the same family: near-identical text (one template, several governments).

    Example: letters family 2019-11-20-cra-hu
    """
    rows = _open(home).family(letter_id)
    if as_json:
        return _print_json(rows)
    for r in rows:
        click.echo(f"{r['id']:40}  {r['shared']:.2f}  {r['title']}")
    if not rows:
        _say("no other letter of this family")


@main.command()
@click.argument("letter_id")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE",
              help="Correct a field: date, title, language, source_url, sender_org, addressee "
                   "('Name; Role; Country'), signatory ('Name; Role'). Repeatable.")
@click.option("--text-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Replace the letter's text with this file's (UTF-8).")
@click.option("--message", "-m", help="Commit message: why the change was made.")
@click.option("--base", help="The version you edited; refused if the letter has changed since.")
@click.option("--author", help="Archivist as 'Name <email>' (default: git config).")
@_home_option
@_json_option
@user_errors
def edit(letter_id, sets, text_file, message, base, author, home, as_json):
    """Correct a letter: a new version, never an overwrite.

    Example: letters edit 2005-05-16-hrw-kg --set "addressee=Kurmanbek Bakiev; Acting President; KG" -m "Title at the time"
    """
    fields = {}
    for s in sets:
        if "=" not in s:
            raise click.ClickException(f"--set wants FIELD=VALUE, got {s!r}")
        k, v = s.split("=", 1)
        fields[k.strip()] = v.strip()
    text = text_file.read_text(encoding="utf-8") if text_file else None
    if not fields and text is None:
        raise click.ClickException("nothing to change: give --set FIELD=VALUE or --text-file")
    res = _open(home).edit(letter_id, fields, text, message, author, base)
    if as_json:
        return _print_json(res)
    _say(f"{letter_id}: new version {res['version'][:12]} ({res['summary']})")


@main.command()
@_home_option
@_json_option
@user_errors
def reindex(home, as_json):
    """Rebuild the search index from the repository.

    Example: letters reindex
    """
    a = _open(home)
    n = a.reindex()
    if as_json:
        return _print_json({"ok": True, "letters": n, "commit": a.index.commit_id()})
    _say(f"Indexed {n} letter(s) at {a.index.commit_id()}")


@main.command()
@_home_option
@_json_option
@user_errors
def validate(home, as_json):
    """Validate every letter's TEI against the project's schema.

    Example: letters validate
    """
    problems = _open(home).validate()
    if as_json:
        _print_json({"ok": not problems, "problems": problems})
    else:
        for p in problems:
            click.echo(p)
        _say("all letters valid" if not problems else f"{len(problems)} problem(s)")
    if problems:
        sys.exit(1)


@main.command()
@click.option("--repair", is_flag=True, help="Rebuild what is derived (the index) first; never touches letters.")
@_home_option
@_json_option
@user_errors
def verify(repair, home, as_json):
    """Check the whole archive: git integrity, TEI validity, checksums, index vs head.

    Exits non-zero if anything is wrong.

    Example: letters verify --json
    """
    from .verify import verify as run_verify
    report = run_verify(_open(home), repair=repair)
    if as_json:
        _print_json(report)
    else:
        for p in report["problems"]:
            click.echo(f"{p['check']:9} {p['path']}: {p['message']}")
        for r in report["repaired"]:
            _say(f"repaired: {r}")
        _say(f"{report['letters']} letter(s) at {report['head']}: "
             + ("all checks passed" if report["ok"] else f"{len(report['problems'])} problem(s)"))
    if not report["ok"]:
        sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@_home_option
@user_errors
def serve(host, port, home):
    """Serve the web interface until stopped.

    Example: letters serve --port 8000
    """
    home = home or default_home()
    Archive.open(home).close()  # fail early with a clear message if there is no archive
    # The web app lives outside the core package (which never imports Flask): hand over to it.
    os.execvp(sys.executable, [sys.executable, "-m", "webapp", "--home", str(home),
                               "--host", host, "--port", str(port)])


from .cli_users import user; main.add_command(user)  # noqa: E402,E702

from .cli_export import export; main.add_command(export)  # noqa: E402,E702

if __name__ == "__main__":
    main()
