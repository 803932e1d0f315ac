"""Archivist accounts: `users.json` in the archive home, outside git (it holds password hashes).

Each account has a name (what the archivist logs in with, and the author name of their
commits), an e-mail (the author e-mail) and a salted password hash from Werkzeug.
The file is replaced atomically (temp file + rename) with 0600 permissions, so a crash
never leaves half an accounts file and other users of the machine cannot read the hashes.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
from contextlib import contextmanager
from functools import lru_cache
from datetime import datetime, timezone
from hashlib import sha256
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from .atomic import replacing
from .errors import ArchiveError, NotFound

USERS_FILE = "users.json"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # hashing a megabyte "password" would be a cheap denial of service
_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# A name becomes the author of git commits ("Name <email>"), so no angle brackets or controls.
_NAME_RE = re.compile(r"^[^\x00-\x1f\x7f<>]{1,100}$")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked when a login names no account, so a wrong name costs as long as a wrong password."""
    return generate_password_hash("not anyone's password")


def users_path(home) -> Path:
    return Path(home) / USERS_FILE


def _key(name: str) -> str:
    return name.strip().casefold()


def check_name(name: str) -> str:
    """The account name, trimmed; ArchiveError if it cannot be a git author name."""
    name = (name or "").strip()
    if not _NAME_RE.match(name):
        raise ArchiveError(f"user name must be 1 to 100 characters without '<', '>' or control "
                           f"characters, got {name!r}")
    return name


def check_email(email: str) -> str:
    email = (email or "").strip()
    if not _EMAIL_RE.match(email):
        raise ArchiveError(f"e-mail must look like name@example.org, got {email!r}")
    return email


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ArchiveError(f"password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise ArchiveError(f"password must have at most {MAX_PASSWORD} characters")
    return password


def load(home) -> dict:
    """{casefolded name: account} from the accounts file (empty if there is none)."""
    path = users_path(home)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ArchiveError(f"cannot read the accounts file: {exc.strerror}") from None
    try:
        data = json.loads(raw)
        users = data["users"]
        return {_key(u["name"]): u for u in users}
    except (ValueError, KeyError, TypeError):
        raise ArchiveError("the accounts file is damaged (not the expected JSON)") from None


def _save(home, users: dict) -> None:
    path = users_path(home)
    data = {"users": sorted(users.values(), key=lambda u: _key(u["name"]))}
    with replacing(path, "w", perms=0o600, encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)


@contextmanager
def _locked(home):
    """Serialise read-modify-write of the accounts file across processes."""
    home = Path(home)
    if not (home / "repo.git").is_dir():
        raise ArchiveError(f"no archive in {home}; create one with `letters init`")
    fd = os.open(home / "users.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def public(user: dict) -> dict:
    """An account without its password hash (for listings)."""
    return {k: v for k, v in user.items() if k != "password_hash"}


def add(home, name: str, email: str, password: str) -> dict:
    """Create an account; ArchiveError if the name is taken or a value is malformed."""
    name, email, password = check_name(name), check_email(email), check_password(password)
    with _locked(home):
        users = load(home)
        if _key(name) in users:
            raise ArchiveError(f"there is already a user {users[_key(name)]['name']!r}")
        user = {"name": name, "email": email, "password_hash": generate_password_hash(password),
                "created": _now()}
        users[_key(name)] = user
        _save(home, users)
    return public(user)


def remove(home, name: str) -> None:
    with _locked(home):
        users = load(home)
        if _key(name) not in users:
            raise NotFound(f"no user {name!r}")
        del users[_key(name)]
        _save(home, users)


def set_password(home, name: str, password: str) -> None:
    check_password(password)
    with _locked(home):
        users = load(home)
        if _key(name) not in users:
            raise NotFound(f"no user {name!r}")
        users[_key(name)]["password_hash"] = generate_password_hash(password)
        users[_key(name)]["password_changed"] = _now()
        _save(home, users)


def list_users(home) -> list[dict]:
    return [public(u) for u in sorted(load(home).values(), key=lambda u: _key(u["name"]))]


def get(home, name: str) -> dict | None:
    """The account (with its hash) of this name, or None."""
    if not isinstance(name, str):
        return None
    return load(home).get(_key(name))


def authenticate(home, name: str, password: str) -> dict | None:
    """The account if the password is right, else None; as slow for unknown names as for known."""
    user = get(home, name) if isinstance(name, str) else None
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        password = ""
    ok = check_password_hash(user["password_hash"] if user else _dummy_hash(), password)
    return user if user and ok else None


def author(user: dict) -> str:
    """The git author of this archivist's commits."""
    return f"{user['name']} <{user['email']}>"


def stamp(user: dict) -> str:
    """A short fingerprint of the password hash: a session holding an old one is void."""
    return sha256(user["password_hash"].encode()).hexdigest()[:16]
