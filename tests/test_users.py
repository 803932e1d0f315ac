"""Archivist accounts (archive/users.py) and `letters user ...`: real archives, real files."""
import json
import stat

import pytest
from click.testing import CliRunner

from archive import users
from archive.cli import main
from archive.errors import ArchiveError
from archive.home import Archive

PASSWORD = "correct horse battery"


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "archive"
    Archive.init(path, "Test Archivist <test@example.org>").close()
    return path


def files_under(path):
    return [p for p in path.rglob("*") if p.is_file()]


def test_accounts_file_is_private_and_holds_only_a_hash(home):
    users.add(home, "Ana Archivist", "ana@example.org", PASSWORD)
    path = home / "users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    account = json.loads(path.read_text())["users"][0]
    assert account["name"] == "Ana Archivist" and account["email"] == "ana@example.org"
    assert account["password_hash"].split(":")[0] in ("scrypt", "pbkdf2")
    # The password is nowhere on disk: not in the accounts file, the repository or the index.
    for f in files_under(home):
        assert PASSWORD.encode() not in f.read_bytes(), f
    # Never written to git: the accounts file is outside the repository.
    assert not (home / "repo.git" / "users.json").exists()
    assert not [p for p in home.iterdir() if p.name.endswith(".tmp")]


def test_authenticate(home):
    users.add(home, "Ana Archivist", "ana@example.org", PASSWORD)
    assert users.authenticate(home, "Ana Archivist", PASSWORD)["email"] == "ana@example.org"
    assert users.authenticate(home, "ana archivist", PASSWORD) is not None  # names ignore case
    assert users.authenticate(home, "Ana Archivist", PASSWORD + "x") is None
    assert users.authenticate(home, "Nobody", PASSWORD) is None
    assert users.authenticate(home, "Ana Archivist", "") is None
    assert users.author(users.get(home, "Ana Archivist")) == "Ana Archivist <ana@example.org>"


@pytest.mark.parametrize("name,email,password,message", [
    ("Ana <x>", "ana@example.org", PASSWORD, "user name"),
    ("", "ana@example.org", PASSWORD, "user name"),
    ("Ana", "not-an-email", PASSWORD, "e-mail"),
    ("Ana", "ana@example.org", "short", "at least 8"),
])
def test_bad_accounts_are_refused(home, name, email, password, message):
    with pytest.raises(ArchiveError, match=message):
        users.add(home, name, email, password)
    assert not (home / "users.json").exists()


def test_duplicate_remove_and_password_change(home):
    users.add(home, "Ana Archivist", "ana@example.org", PASSWORD)
    with pytest.raises(ArchiveError, match="already a user"):
        users.add(home, "ANA ARCHIVIST", "other@example.org", PASSWORD)
    old = users.get(home, "Ana Archivist")
    users.set_password(home, "Ana Archivist", "a new password")
    assert users.authenticate(home, "Ana Archivist", PASSWORD) is None
    assert users.authenticate(home, "Ana Archivist", "a new password") is not None
    assert users.stamp(users.get(home, "Ana Archivist")) != users.stamp(old)
    users.remove(home, "Ana Archivist")
    assert users.list_users(home) == []
    with pytest.raises(ArchiveError, match="no user"):
        users.remove(home, "Ana Archivist")


def run(home, *args, input=None):
    return CliRunner().invoke(main, ["user", *args, "--home", str(home)], input=input)


def test_cli_add_with_prompt_and_list(home):
    res = run(home, "add", "Ana Archivist", "--email", "ana@example.org", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert res.exit_code == 0, res.output
    assert users.authenticate(home, "Ana Archivist", PASSWORD)
    res = run(home, "list", "--json")
    assert res.exit_code == 0
    listed = json.loads(res.stdout)
    assert [u["name"] for u in listed] == ["Ana Archivist"]
    assert "password_hash" not in listed[0] and "scrypt" not in res.stdout


def test_cli_prompt_must_match(home):
    res = run(home, "add", "Ana", "--email", "ana@example.org", input=f"{PASSWORD}\nsomething else\n")
    assert res.exit_code != 0
    assert users.list_users(home) == []


def test_cli_password_stdin_passwd_and_remove(home):
    res = run(home, "add", "Bo", "--email", "bo@example.org", "--password-stdin", input=PASSWORD + "\n")
    assert res.exit_code == 0, res.output
    assert users.authenticate(home, "Bo", PASSWORD)
    res = run(home, "passwd", "Bo", "--password-stdin", input="another password\n")
    assert res.exit_code == 0, res.output
    assert users.authenticate(home, "Bo", "another password") and not users.authenticate(home, "Bo", PASSWORD)
    assert run(home, "remove", "Bo").exit_code == 0
    assert users.get(home, "Bo") is None


@pytest.mark.parametrize("args,message", [
    (["add", "Bo", "--email", "nope", "--password-stdin"], "Error: e-mail must look like"),
    (["add", "Bo", "--email", "bo@example.org", "--password-stdin"], "Error: password must have at least"),
    (["remove", "Nobody"], "Error: no user 'Nobody'"),
    (["passwd", "Nobody", "--password-stdin"], "Error: no user 'Nobody'"),
])
def test_cli_errors(home, args, message):
    res = run(home, *args, input="short\n")
    assert res.exit_code == 1
    assert message in res.output
    assert "Traceback" not in res.output


def test_cli_without_an_archive(tmp_path):
    res = run(tmp_path / "nothing", "list")
    assert res.exit_code == 1 and "Error: no archive" in res.output
