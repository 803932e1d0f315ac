"""`letters export`: the archive (or one search's letters) as CMIF, CSV, JSON Lines or a TEI zip."""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click

from . import export as exports
from .errors import ArchiveError
from .home import Archive, default_home

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def _write(fmt: str, archive, out, query: str, base_url: str, stats: dict) -> None:
    """Write one export to a binary file object, chunk by chunk."""
    if fmt == "tei-zip":
        exports.write_tei_zip(archive, out, query, stats)
        return
    if fmt == "cmif":
        chunks = exports.cmif_chunks(archive, base_url, query, stats=stats)
    elif fmt == "csv":
        chunks = (c.encode("utf-8") for c in exports.csv_chunks(archive, base_url, query, stats))
    else:
        chunks = (c.encode("utf-8") for c in exports.jsonl_chunks(archive, query, stats))
    for chunk in chunks:
        out.write(chunk)


@click.command()
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), required=True,
              help="cmif (TEI correspDesc list), csv, jsonl (one letter record per line) or tei-zip.")
@click.option("--query", "-q", default="", help="Export only the letters this search finds.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--base-url", "base_url", envvar="LETTERS_BASE_URL", default=DEFAULT_BASE_URL, show_default=True,
              help="The web archive's address, for the letters' permanent URLs ($LETTERS_BASE_URL).")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None, envvar="LETTERS_HOME",
              help="Archive home (default: $LETTERS_HOME or ./data).")
@click.option("--json", "as_json", is_flag=True, help="With --output: print a JSON summary only.")
def export(fmt, query, output, base_url, home, as_json):
    """Export the letters: CMIF for correspSearch, CSV, JSON Lines, or a zip of the TEI files.

    Example: letters export --format cmif --query country:UZ --output uz-cmif.xml
    """
    if as_json and output is None:
        raise click.ClickException("--json needs --output (the export itself goes to standard output)")
    if output is None and fmt == "tei-zip" and sys.stdout.isatty():
        raise click.ClickException("a zip file is binary: give --output FILE or redirect standard output")
    stats = {"letters": 0}
    try:
        archive = Archive.open(home or default_home())
        try:
            if output is None:
                _write(fmt, archive, sys.stdout.buffer, query, base_url, stats)
                sys.stdout.buffer.flush()
            else:
                # Written beside the target and renamed: a failed export never leaves half a file.
                fd, tmp = tempfile.mkstemp(prefix=".export-", dir=output.resolve().parent)
                try:
                    with os.fdopen(fd, "wb") as out:
                        _write(fmt, archive, out, query, base_url, stats)
                    os.replace(tmp, output)
                except BaseException:
                    os.unlink(tmp)
                    raise
        finally:
            archive.close()
    except ArchiveError as exc:
        raise click.ClickException(exc.message) from None
    except OSError as exc:
        raise click.ClickException(f"could not write the export: {exc.strerror or exc}") from None
    if output is not None:
        summary = {"format": fmt, "query": query, "output": str(output), "letters": stats["letters"]}
        if as_json:
            click.echo(json.dumps(summary, ensure_ascii=False))
        else:
            click.echo(f"Wrote {stats['letters']} letter(s) as {fmt} to {output}", err=True)
