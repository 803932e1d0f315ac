"""Archivist web: login, CSRF, upload (with preview) and edit, on a real archive and the real app."""
import io
import re
import stat
import subprocess
import zipfile
from pathlib import Path

import lxml.html
import pytest

from archive import users
from archive.home import Archive
from webapp import create_app
from webapp.home import close_archive

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SEED = SAMPLES / "hrw-2005-kyrgyzstan-andijan.txt"
NAME, EMAIL, PASSWORD = "Ana Archivist", "ana@example.org", "correct horse battery"
OTHER = "Other Archivist <other@example.org>"
LETTER_TWO = (SAMPLES / "letters" / "cra-2019-child-detention-greece.txt").read_bytes()
LETTER_THREE = (SAMPLES / "letters" / "cra-2019-child-detention-malta.txt").read_bytes()


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "archive"
    a = Archive.init(path, OTHER)
    a.ingest(SEED.read_bytes(), SEED.name, {"date": "2005-05-16", "sender_org": "Human Rights Watch"},
             author=OTHER)
    a.close()
    users.add(path, NAME, EMAIL, PASSWORD)
    return path


@pytest.fixture
def app(home):
    app = create_app({"TESTING": True, "LETTERS_HOME": str(home), "LOGIN_FAIL_DELAY": 0.01})
    yield app
    close_archive(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def letter_id(home):
    a = Archive.open(home)
    try:
        return a.list()[0]["id"]
    finally:
        a.close()


def git(home, *args) -> str:
    return subprocess.run(["git", "--git-dir", str(home / "repo.git"), *args],
                          capture_output=True, text=True, check=True).stdout.strip()


def head(home) -> str:
    return git(home, "rev-parse", "main")


def token(client, path="/login") -> str:
    """The CSRF token from a form on `path`."""
    doc = lxml.html.fromstring(client.get(path).get_data(as_text=True))
    return doc.xpath("//input[@name='csrf_token']/@value")[0]


def login(client, name=NAME, password=PASSWORD, next_="", csrf=None):
    data = {"csrf_token": csrf or token(client), "name": name, "password": password}
    if next_:
        data["next"] = next_
    return client.post("/login", data=data)


def upload(client, files, **form):
    data = {"csrf_token": token(client, "/archivist/upload"),
            "files": [(io.BytesIO(content), name) for name, content in files], **form}
    return client.post("/archivist/upload", data=data, content_type="multipart/form-data")


def letters_in(home) -> list:
    a = Archive.open(home)
    try:
        return a.list()
    finally:
        a.close()


# ------------------------------------------------------------------ login
def test_login_and_logout(client, home):
    assert "Log in" in client.get("/").get_data(as_text=True)
    res = login(client, next_="/archivist/upload")
    assert res.status_code == 302 and res.headers["Location"] == "/archivist/upload"
    cookie = res.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/").get_data(as_text=True)
    assert "Log out" in page and "Add letters" in page and NAME in page
    assert client.get("/archivist/upload").status_code == 200
    res = client.post("/logout", data={"csrf_token": token(client, "/archivist/upload")})
    assert res.status_code == 302
    assert client.get("/archivist/upload").status_code == 302


def test_secret_key_is_kept_in_the_home(app, home):
    key = home / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert app.secret_key == key.read_text().strip()
    # A restarted server signs with the same key, so sessions survive.
    assert create_app({"LETTERS_HOME": str(home)}).secret_key == app.secret_key


def test_failed_logins_say_the_same_thing(client):
    wrong_password = login(client, password="wrong password")
    unknown_user = login(client, name="Nobody At All")
    assert wrong_password.status_code == unknown_user.status_code == 401
    for res in (wrong_password, unknown_user):
        text = res.get_data(as_text=True)
        assert "Wrong name or password." in text
        assert "Set-Cookie" not in res.headers or "user" not in res.headers["Set-Cookie"]
    assert client.get("/archivist/upload").status_code == 302  # still not logged in


def test_a_changed_password_ends_sessions(client, home):
    login(client)
    assert client.get("/archivist/upload").status_code == 200
    users.set_password(home, NAME, "a brand new password")
    assert client.get("/archivist/upload").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "/\t/evil.example"])
def test_next_cannot_leave_the_site(client, target):
    res = login(client, next_=target)
    assert res.status_code == 302
    assert res.headers["Location"] == "/"


def test_login_page_keeps_a_local_next(client):
    res = client.get("/login?next=https://evil.example/")
    doc = lxml.html.fromstring(res.get_data(as_text=True))
    assert doc.xpath("//input[@name='next']/@value") == ["/"]


# ------------------------------------------------------------------ access and CSRF
def test_anonymous_visitors_cannot_write(client, home, letter_id):
    before = head(home)
    for path in ("/archivist/upload", f"/letters/{letter_id}/edit"):
        res = client.get(path)
        assert res.status_code == 302 and res.headers["Location"].startswith("/login?next=")
    csrf = token(client)  # a valid token of an anonymous session: still not allowed to write
    res = client.post(f"/letters/{letter_id}/edit", data={"csrf_token": csrf, "base": before,
                                                          "title": "Hijacked"})
    assert res.status_code == 401
    res = client.post("/archivist/upload", data={"csrf_token": csrf, "files": (io.BytesIO(LETTER_TWO), "a.txt")},
                      content_type="multipart/form-data")
    assert res.status_code == 401
    assert head(home) == before


def test_every_post_without_a_csrf_token_is_refused(client, home, letter_id):
    login(client)
    before = head(home)
    version = Archive.open(home).version_of(letter_id)
    edit = {"base": version, "title": "Changed without a token", "text": ""}
    posts = [("/archivist/upload", lambda: {"files": (io.BytesIO(LETTER_TWO), "a.txt")}),
             ("/archivist/upload/confirm", lambda: {"token": "x" * 32}),
             (f"/letters/{letter_id}/edit", lambda: edit),
             ("/login", lambda: {"name": NAME, "password": PASSWORD}),
             ("/logout", lambda: {})]
    for path, data in posts:
        for bad in ({}, {"csrf_token": "forged"}):
            res = client.post(path, data={**data(), **bad}, content_type="multipart/form-data")
            assert res.status_code == 400, path
    assert head(home) == before
    assert client.get("/archivist/upload").status_code == 200  # logout without a token did nothing


# ------------------------------------------------------------------ upload
def test_upload_one_text_file(client, home):
    login(client)
    res = upload(client, [("andijan-greece.txt", LETTER_TWO)], sender_org="Child Rights Alliance")
    assert res.status_code == 200
    doc = lxml.html.fromstring(res.get_data(as_text=True))
    link = doc.xpath("//table[@class='upload-results']//a/@href")
    assert len(link) == 1 and link[0].startswith("/letters/")
    new_id = link[0].rsplit("/", 1)[1]
    assert git(home, "log", "-1", "--format=%an <%ae>") == f"{NAME} <{EMAIL}>"
    rec = [r for r in letters_in(home) if r["id"] == new_id][0]
    assert rec["sender"]["organisations"][0]["name"] == "Child Rights Alliance"
    assert client.get(link[0]).status_code == 200


def test_upload_a_zip_of_two_letters(client, home):
    login(client)
    before = head(home)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("batch/greece.txt", LETTER_TWO)
        z.writestr("batch/malta.txt", LETTER_THREE)
        z.writestr("batch/malta.json", '{"date": "2019-11-21"}')
    res = upload(client, [("batch.zip", buf.getvalue())])
    assert res.status_code == 200
    rows = lxml.html.fromstring(res.get_data(as_text=True)).xpath("//tr[@class='archived']")
    assert len(rows) == 2
    authors = git(home, "log", "--format=%an <%ae>", f"{before}..main", "--", "letters").splitlines()
    assert authors == [f"{NAME} <{EMAIL}>"] * 2
    assert len(letters_in(home)) == 3
    malta = [r for r in letters_in(home) if "Malta" in r["title"] or r["date"] == "2019-11-21"]
    assert malta and malta[0]["date"] == "2019-11-21"  # the sidecar's hint was applied


def test_a_zip_with_versions_archives_one_letter_with_two_versions(client, home):
    login(client)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in sorted((SAMPLES / "letters").glob("atan-2006-uzbekistan-andijan-detainees.*")):
            if ".v3." not in f.name:
                z.writestr(f"atan/{f.name}", f.read_bytes())
    res = upload(client, [("atan.zip", buf.getvalue())])
    assert res.status_code == 200 and "a new version of" in res.get_data(as_text=True)
    added = [r for r in letters_in(home) if r["source"].get("url", "").startswith("https://www.antitortureaction")]
    assert len(added) == 1
    log = git(home, "log", "--format=%an|%s", "--", added[0]["path"]).splitlines()
    # The sidecar's message is kept; its author is not: the logged-in archivist is.
    assert len(log) == 2
    assert log[0] == f"{NAME}|Correct the addressee's title: Minister of Internal Affairs, not Minister of Justice"
    assert log[1].startswith(f"{NAME}|Add {added[0]['id']}: ")


def test_preview_commits_nothing_and_confirm_archives(client, home):
    login(client)
    before = head(home)
    res = upload(client, [("greece.txt", LETTER_TWO)], preview="1", date="2019-11-20")
    assert res.status_code == 200
    text = res.get_data(as_text=True)
    doc = lxml.html.fromstring(text)
    assert "Would be archived as" in text
    # Each field says where its value came from: the date was given, the countries extracted.
    sources = {tr.xpath("th")[0].text_content().strip(): tr.xpath("td")[1].text_content().strip()
               for tr in doc.xpath("//table[@class='provenance']/tbody/tr")}
    assert sources["Date"] == "archivist" and sources["Countries"] == "extracted"
    assert head(home) == before and len(letters_in(home)) == 1
    form = {i.get("name"): i.get("value") or "" for i in doc.xpath("//form[@class='archivist']//input")}
    form["title"] = "Corrected on the preview page"
    res = client.post("/archivist/upload/confirm", data={**form, "action": "archive"})
    assert res.status_code == 200 and "Archived as" in res.get_data(as_text=True)
    assert head(home) != before
    titles = [r["title"] for r in letters_in(home)]
    assert "Corrected on the preview page" in titles
    # The staged files are gone: the same confirmation cannot archive twice.
    again = client.post("/archivist/upload/confirm", data={**form, "action": "archive"})
    assert again.status_code == 400


def test_a_broken_file_shows_its_error_and_commits_nothing(client, home):
    login(client)
    before = head(home)
    res = upload(client, [("broken.docx", b"<script>alert(1)</script> this is no Word file")])
    assert res.status_code == 200
    text = res.get_data(as_text=True)
    assert "Failed: broken.docx" in text
    assert "<script>alert(1)" not in text  # the error is escaped, whatever it quotes
    assert head(home) == before


def test_bad_files_in_a_batch_do_not_stop_the_others(client, home):
    login(client)
    res = upload(client, [("bad.pdf", b"not a pdf"), ("good.txt", LETTER_TWO), ("notes.exe", b"MZ")])
    doc = lxml.html.fromstring(res.get_data(as_text=True))
    assert [tr.get("class") for tr in doc.xpath("//table[@class='upload-results']/tbody/tr")] == \
        ["failed", "archived", "failed"]
    assert len(letters_in(home)) == 2


def test_the_uploaded_name_decides_nothing_on_disk(client, home):
    login(client)
    res = upload(client, [("../../escape.txt", LETTER_TWO)], preview="1")
    assert res.status_code == 200
    assert not (home.parent / "escape.txt").exists() and not (home / "escape.txt").exists()
    staged = [p for p in (home / "uploads").rglob("*") if p.is_file()]
    assert staged and all(p.name in ("0", "manifest.json") for p in staged)


def test_a_duplicate_upload_is_reported(client, home, letter_id):
    login(client)
    before = head(home)
    res = upload(client, [("again.txt", SEED.read_bytes())])
    assert "Duplicate of" in res.get_data(as_text=True) and letter_id in res.get_data(as_text=True)
    assert head(home) == before


def test_uploads_over_the_limit_get_a_friendly_page(home):
    app = create_app({"TESTING": True, "LETTERS_HOME": str(home), "MAX_CONTENT_LENGTH": 1024})
    client = app.test_client()
    login(client)
    res = upload(client, [("big.txt", b"x" * 4096)])
    assert res.status_code == 413
    assert "larger than the limit" in res.get_data(as_text=True)
    close_archive(app)


def test_hints_are_checked_before_anything_is_read(client, home):
    login(client)
    res = upload(client, [("greece.txt", LETTER_TWO)], date="next tuesday")
    assert res.status_code == 422 and "date must be" in res.get_data(as_text=True)
    assert len(letters_in(home)) == 1


# ------------------------------------------------------------------ edit
def edit_form(client, letter_id) -> dict:
    doc = lxml.html.fromstring(client.get(f"/letters/{letter_id}/edit").get_data(as_text=True))
    form = doc.xpath("//form[contains(@class, 'edit')]")[0]
    values = {i.get("name"): i.get("value") or "" for i in form.xpath(".//input")}
    values.update({t.get("name"): t.text or "" for t in form.xpath(".//textarea")})
    return values


def test_the_letter_page_links_to_edit_only_for_archivists(client, letter_id):
    assert "/edit" not in client.get(f"/letters/{letter_id}").get_data(as_text=True)
    login(client)
    assert f"/letters/{letter_id}/edit" in client.get(f"/letters/{letter_id}").get_data(as_text=True)


def test_edit_makes_a_new_version_with_exactly_that_change(client, home, letter_id):
    login(client)
    form = edit_form(client, letter_id)
    before = head(home)
    assert form["base"] == before
    form.update(title="Kyrgyzstan: protect Andijan refugees", message="Use the published title")
    res = client.post(f"/letters/{letter_id}/edit", data=form)
    assert res.status_code == 302 and res.headers["Location"] == f"/letters/{letter_id}"
    new = head(home)
    assert new != before
    assert git(home, "log", "-1", "--format=%an <%ae>%n%s") == f"{NAME} <{EMAIL}>\nUse the published title"
    page = client.get(f"/letters/{letter_id}").get_data(as_text=True)
    assert "Saved as a new version" in page and f"/letters/{letter_id}/diff/{before}..{new}" in page
    diff = client.get(f"/letters/{letter_id}/diff/{before}..{new}.json").get_json()
    assert [(c["kind"], c.get("field")) for c in diff["changes"]] == [("metadata", "title")]
    assert diff["changes"][0]["after"] == "Kyrgyzstan: protect Andijan refugees"


def test_edit_of_the_text_only(client, home, letter_id):
    login(client)
    form = edit_form(client, letter_id)
    before = head(home)
    paras = form["text"].split("\n\n")
    added = "We also ask you to publish the number of refugees registered at each border post."
    form["text"] = "\n\n".join(paras[:3] + [added] + paras[3:]).replace("\n", "\r\n")
    assert client.post(f"/letters/{letter_id}/edit", data=form).status_code == 302
    diff = client.get(f"/letters/{letter_id}/diff/{before}..{head(home)}.json").get_json()
    assert [(c["kind"], c["after"]) for c in diff["changes"]] == [("insert", added)]


def test_an_unchanged_form_commits_nothing(client, home, letter_id):
    login(client)
    form = edit_form(client, letter_id)
    form["text"] = form["text"].replace("\n", "\r\n")  # browsers send CRLF: not a change
    before = head(home)
    res = client.post(f"/letters/{letter_id}/edit", data=form)
    assert res.status_code == 422 and "Nothing to change" in res.get_data(as_text=True)
    assert head(home) == before


def test_a_stale_edit_is_a_conflict(client, home, letter_id):
    login(client)
    stale = edit_form(client, letter_id)
    a = Archive.open(home)
    current = a.edit(letter_id, {"title": "Someone else's title"}, author=OTHER)["version"]
    a.close()
    stale["title"] = "My title"
    res = client.post(f"/letters/{letter_id}/edit", data=stale)
    assert res.status_code == 409
    assert current in res.get_data(as_text=True)
    assert head(home) == current
    assert [r["title"] for r in letters_in(home)] == ["Someone else's title"]


def test_edit_values_are_escaped_and_checked(client, home, letter_id):
    login(client)
    form = edit_form(client, letter_id)
    form["title"] = '<script>alert("t")</script> Title'
    assert client.post(f"/letters/{letter_id}/edit", data=form).status_code == 302
    page = client.get(f"/letters/{letter_id}/edit").get_data(as_text=True)
    assert '<script>alert("t")' not in page and "&lt;script&gt;" in page
    form = edit_form(client, letter_id)
    before = head(home)
    form["date"] = "sometime"
    res = client.post(f"/letters/{letter_id}/edit", data=form)
    assert res.status_code == 422 and "date must be" in res.get_data(as_text=True)
    form = edit_form(client, letter_id)
    form["title"] = ""
    assert client.post(f"/letters/{letter_id}/edit", data=form).status_code == 422
    assert head(home) == before


def test_pages_keep_the_security_headers(client, letter_id):
    login(client)
    for path in ("/login", "/archivist/upload", f"/letters/{letter_id}/edit"):
        res = client.get(path)
        assert res.headers["Content-Security-Policy"] == "default-src 'self'"
        assert not re.search(r"<script|style=", res.get_data(as_text=True))


def test_read_only_oai_posts_need_no_token(client, home):
    before = head(home)
    res = client.post("/oai", data={"verb": "Identify"})
    assert res.status_code == 200 and b"Identify" in res.data
    assert head(home) == before
