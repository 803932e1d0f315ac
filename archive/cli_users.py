"""`letters user add|list|remove|passwd`: the archivist accounts that may write on the web."""
from __future__ import annotations

import json
import sys

import click

from . import users
from .cli import _home_option, _json_option, user_errors
from .home import Archive, default_home


def _home(home):
    home = home or default_home()
    Archive.open(home).close()  # a clear error when there is no archive there
    return home


def _read_password(password_stdin: bool) -> str:
    """From the first line of stdin (for scripts), else typed twice at a hidden prompt."""
    if password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


@click.group()
def user():
    """Archivist accounts for the web interface (stored in the archive home, not in git).

    Example: letters user add "Ana Archivist" --email ana@example.org
    """


@user.command()
@click.argument("name")
@click.option("--email", required=True, help="E-mail, used as the git author of their commits.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin instead of a prompt.")
@_home_option
@_json_option
@user_errors
def add(name, email, password_stdin, home, as_json):
    """Create an archivist account (asks for the password twice).

    Example: printf '%s\\n' "$PW" | letters user add "Ana Archivist" --email ana@example.org --password-stdin
    """
    home = _home(home)
    # Check the name and e-mail first so a typo does not cost a password prompt.
    users.check_name(name)
    users.check_email(email)
    if users.get(home, name):
        raise click.ClickException(f"there is already a user {name.strip()!r}")
    account = users.add(home, name, email, _read_password(password_stdin))
    if as_json:
        return click.echo(json.dumps(account, ensure_ascii=False, indent=2))
    click.echo(f"Added {account['name']} <{account['email']}>", err=True)


@user.command(name="list")
@_home_option
@_json_option
@user_errors
def list_(home, as_json):
    """List the archivist accounts (never their password hashes).

    Example: letters user list --json
    """
    rows = users.list_users(_home(home))
    if as_json:
        return click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    for u in rows:
        click.echo(f"{u['name']:30}  {u['email']}")
    if not rows:
        click.echo("no archivist accounts; add one with `letters user add NAME --email E`", err=True)


@user.command()
@click.argument("name")
@_home_option
@user_errors
def remove(name, home):
    """Delete an archivist account (their sessions end with it; their commits stay).

    Example: letters user remove "Ana Archivist"
    """
    users.remove(_home(home), name)
    click.echo(f"Removed {name}", err=True)


@user.command()
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin instead of a prompt.")
@_home_option
@user_errors
def passwd(name, password_stdin, home):
    """Set a new password (logs the archivist out everywhere).

    Example: letters user passwd "Ana Archivist"
    """
    home = _home(home)
    if not users.get(home, name):
        raise click.ClickException(f"no user {name!r}")
    users.set_password(home, name, _read_password(password_stdin))
    click.echo(f"Changed the password of {name}", err=True)
