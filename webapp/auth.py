"""Archivist login: /login, /logout, `login_required`, the session key and CSRF tokens.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax). It holds the archivist's
name, a fingerprint of their password hash (a changed password or a removed account ends
every session) and the CSRF token that every form carries and every POST must return.
"""
from __future__ import annotations

import functools
import hmac
import os
import secrets
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, abort, current_app, g, redirect, render_template,
                   request, session, url_for)

from archive import users
from archive.errors import ArchiveError

bp = Blueprint("auth", __name__)

SECRET_FILE = "secret_key"
_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_READ_ONLY_POSTS = {"exports.oai_pmh"}  # or mark the view with @csrf_exempt


def _secret_key(app: Flask) -> str:
    """`home/secret_key`, created once (0600) so sessions survive a restart."""
    home = Path(app.config["LETTERS_HOME"])
    path = home / SECRET_FILE
    if not path.exists():
        if not (home / "repo.git").is_dir():
            raise FileNotFoundError(2, "no archive in the archive home")
        # Written whole under a temporary name, then linked into place: a second process
        # starting at the same moment either wins or reads the complete key.
        fd, tmp = tempfile.mkstemp(prefix=".secret-", dir=home)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_hex(32))
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise RuntimeError("the archive's secret_key file is too short; delete it to make a new one")
    return key


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_exempt(view):
    """Mark a view whose POSTs only read (no session, nothing changes), so it needs no token."""
    view.csrf_exempt = True
    return view


def _check_csrf():
    """Every state-changing request returns the session's token, or is refused with nothing done."""
    if request.method not in _UNSAFE_METHODS:
        return None
    view = current_app.view_functions.get(request.endpoint)
    # OAI-PMH allows harvesters to POST its (read-only) requests; they have no session.
    if request.endpoint in _READ_ONLY_POSTS or getattr(view, "csrf_exempt", False):
        return None
    expected = session.get("csrf", "")
    given = request.form.get("csrf_token", "")
    if not expected or not given or not hmac.compare_digest(expected.encode(), given.encode()):
        abort(400, "This form has expired or did not come from this site. Reload the page and try again.")
    return None


def current_archivist() -> dict | None:
    """The logged-in archivist's account, or None (checked against the accounts file)."""
    if "archivist" in g:
        return g.archivist
    account = None
    name = session.get("user")
    if name:
        try:
            found = users.get(current_app.config["LETTERS_HOME"], name)
        except ArchiveError:
            found = None
        # A removed account or a changed password ends the session.
        if found and hmac.compare_digest(users.stamp(found), session.get("stamp", "")):
            account = found
    g.archivist = account
    return account


def safe_next(target) -> str:
    """`target` if it is a path on this site, else the front page (no open redirects)."""
    default = url_for("search.index")
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return default
    # Browsers read a backslash as a slash and drop tabs and newlines: "/\\evil.example".
    if any(c in target for c in "\\\t\r\n") or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def _here() -> str:
    return request.full_path if request.query_string else request.path


def login_required(view):
    """Pages send anonymous visitors to the login form; writes get a 401 and change nothing."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_archivist() is None:
            if request.method in _UNSAFE_METHODS:
                abort(401, "Log in as an archivist to do this.")
            return redirect(url_for("auth.login", next=_here()))
        return view(*args, **kwargs)
    return wrapper


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; a wrong name or password gets one message, after a fixed delay."""
    target = safe_next(request.values.get("next"))
    error, name, status = "", "", 200
    if request.method == "POST":
        name = request.form.get("name", "")
        account = users.authenticate(current_app.config["LETTERS_HOME"], name,
                                     request.form.get("password", ""))
        if account:
            # A fresh session at login: nothing from before (e.g. a planted token) carries over.
            session.clear()
            session["user"] = account["name"]
            session["stamp"] = users.stamp(account)
            csrf_token()
            return redirect(target)
        # Slows guessing, and takes as long for unknown names as for wrong passwords.
        time.sleep(current_app.config["LOGIN_FAIL_DELAY"])
        error, status = "Wrong name or password.", 401
    return render_template("login.html", error=error, name=name, next=target), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session (a POST with the CSRF token, so no other site can log anyone out)."""
    session.clear()
    return redirect(url_for("search.index"))


def _unauthorised(exc):
    return render_template("error.html", status=401, message=exc.description,
                           title="Log in required", query_error=False, q=""), 401


def init_app(app: Flask) -> None:
    """Session key and cookie settings, the CSRF check and template helpers."""
    app.config.setdefault("LOGIN_FAIL_DELAY", 0.5)
    # Scripts never need the cookie, and other sites' forms never send it.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if app.config.get("SESSION_COOKIE_SAMESITE") not in ("Strict", "Lax"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if not app.config.get("SECRET_KEY"):
        try:
            app.config["SECRET_KEY"] = _secret_key(app)
        except OSError as exc:
            # No writable archive home: nobody can log in anyway; the session still needs a key.
            app.logger.warning("no secret_key file in the archive home (%s); sessions end at restart",
                               exc.strerror)
            app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.before_request(_check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"archivist": current_archivist()})
    app.register_error_handler(401, _unauthorised)
    app.register_blueprint(bp)
