"""End-to-end tests of the web app: a real archive built with the core, the real Flask app."""
import csv
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import lxml.etree
import lxml.html
import pytest

from archive.home import Archive
from archive.letter import Block, Letter, Mention
from archive.tei import to_tei
from webapp import create_app
from webapp.home import close_archive

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
AUTHOR = "Test Archivist <archivist@example.org>"
HOSTILE_TITLE = '<script>alert("title")</script> Journalists detained'
HOSTILE_TEXT = """Dear Minister <script>alert("body")</script>,

We write about the detention of journalists in Uzbekistan <img src=x onerror=alert(1)>. We urge you to
release them in line with article 19 of the International Covenant on Civil and Political Rights.

We also ask you to let <a href="javascript:alert(2)">observers</a> attend their trials.

Sincerely,

Jane Doe
Director, Example Watch
"""
FORMULA_TITLE = '=HYPERLINK("http://evil.example","click")'
HAND_P = ("We write to the government of Uzbekistan about detentions that breach article 9(1) "
          "of the International Covenant on Civil and Political Rights, as UNHCR and "
          "Islam Karimov's own ombudsman have noted.")


def hand_encoded() -> bytes:
    """A letter in the archive's own TEI, with every kind of inline entity and a hostile source URL."""
    def span(text, kind, key="", n=""):
        start = HAND_P.index(text)
        return Mention(1, start, start + len(text), kind, key, n)
    letter = Letter(
        id="2006-06-01-hand-uz", title="Hand-encoded letter to Uzbekistan", date="2006-06-01",
        sender={"organisations": [{"name": "Example Monitor", "ref": ""}],
                "signatories": [{"name": "Jane Roe", "role": "Director"}], "place": ""},
        addressees=[{"name": "Islam Karimov", "role": "President", "country": "UZ"}],
        countries=[{"code": "UZ", "name": "Uzbekistan"}],
        officials=[{"name": "Islam Karimov", "role": "President", "country": "UZ"}],
        instruments=[{"id": "iccpr", "name": "International Covenant on Civil and Political Rights",
                      "short": "ICCPR", "wikidata": "", "articles": ["9(1)"]}],
        organisations=[{"name": "UNHCR", "ref": ""}],
        source={"url": "javascript:alert(3)"},
        blocks=[Block("salute", "Dear President,"), Block("p", HAND_P),
                Block("closing", "Yours sincerely,"), Block("signed", "Jane Roe\nDirector")],
        mentions=[span("Uzbekistan", "place", "UZ"), span("article 9(1)", "article", "iccpr", "9(1)"),
                  span("International Covenant on Civil and Political Rights", "instrument", "iccpr"),
                  span("UNHCR", "org"), span("Islam Karimov", "person")])
    return to_tei(letter)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """An archive with the sample letters, a hostile letter and a letter with two versions."""
    path = tmp_path_factory.mktemp("archive")
    a = Archive.init(path, author=AUTHOR)
    try:
        hints = json.loads((SAMPLES / "hrw-2005-kyrgyzstan-andijan.json").read_text())
        hrw = a.ingest((SAMPLES / "hrw-2005-kyrgyzstan-andijan.txt").read_bytes(),
                       "hrw-2005-kyrgyzstan-andijan.txt", hints, author=AUTHOR)
        for f in sorted((SAMPLES / "letters").glob("*.txt"))[:8]:  # enough for pages and facets
            a.ingest(f.read_bytes(), f.name, {}, author=AUTHOR)
        a.ingest(HOSTILE_TEXT.encode(), "hostile.txt",
                 {"title": HOSTILE_TITLE, "sender_org": "Example Watch", "date": "2019-03-01"},
                 author=AUTHOR)
        a.ingest(hand_encoded(), "hand.xml", {}, author=AUTHOR)
        a.ingest(b"Dear Minister,\n\nWe ask you to free the formula-writers of Atlantis.\n\nYours,\nA. Writer\n",
                 "formula.txt", {"title": FORMULA_TITLE, "date": "2020-01-01"}, author=AUTHOR)
        text = a.record(hrw["id"])["text"].replace("We call on you", "We ask you", 1).replace(
            "We thank you", "We look forward to your reply.\n\nWe thank you", 1)
        a.edit(hrw["id"], sets={"title": "Kyrgyzstan: Ensure the Safety of Refugees"},
               text=text, message="Correct the title", author=AUTHOR)
    finally:
        a.close()
    return path


@pytest.fixture(scope="module")
def archive(home):
    """The same archive opened directly, to compare pages with the core's answers."""
    a = Archive.open(home)
    yield a
    a.close()


@pytest.fixture
def app(home):
    app = create_app({"TESTING": True, "LETTERS_HOME": str(home), "PAGE_SIZE": 2})
    yield app
    close_archive(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def ids(archive):
    """Letter ids by role: the two-version HRW letter and the hostile one."""
    records = archive.list()
    hrw = next(r["id"] for r in records if r["source"].get("url", "").startswith("https://www.hrw.org/"))
    hostile = next(r["id"] for r in records if "Example Watch" in
                   [o["name"] for o in r["sender"]["organisations"]])
    hand = next(r["id"] for r in records if r["title"] == "Hand-encoded letter to Uzbekistan")
    return {"hrw": hrw, "hostile": hostile, "hand": hand, "all": [r["id"] for r in records]}


def page(response):
    assert response.mimetype == "text/html"
    return lxml.html.fromstring(response.get_data(as_text=True))


def q_of(url):
    return parse_qs(urlsplit(url).query).get("q", [""])[0]


# ---------------------------------------------------------------- every response

@pytest.mark.parametrize("url", ["/", "/help", "/letters/no-such-letter", "/search.json?q=(",
                                 "/static/style.css"])
def test_security_headers_on_every_response(client, url):
    r = client.get(url)
    assert r.headers["Content-Security-Policy"] == "default-src 'self'"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_are_accessible_landmarks(client):
    doc = page(client.get("/"))
    assert doc.get("lang") == "en"
    for tag in ("header", "nav", "main", "footer"):
        assert doc.findall(f".//{tag}"), tag
    q = doc.get_element_by_id("q")
    assert doc.xpath("//label[@for='q']")
    assert q.get("name") == "q"
    assert not doc.xpath("//script") and not doc.xpath("//*[@style]")


# ---------------------------------------------------------------- search

def test_empty_query_lists_all_letters_newest_first(client, ids):
    data = client.get("/search.json?size=100").get_json()
    assert data["total"] == len(ids["all"])
    dates = [h["date"] for h in data["hits"] if h["date"]]
    assert len(dates) >= 5 and dates == sorted(dates, reverse=True)
    doc = page(client.get("/"))
    assert f"{len(ids['all'])} letters" in doc.text_content()


def test_search_json_is_the_archive_search(client, archive):
    data = client.get("/search.json?q=refugees&page=2").get_json()
    expected = archive.search("refugees", limit=2, offset=2, sort="relevance")
    assert data == json.loads(json.dumps(dict(expected, page=2)))


def test_search_results_page(client, archive):
    expected = archive.search("refugees", limit=2)
    doc = page(client.get("/search?q=refugees"))
    text = doc.text_content()
    assert f"{expected['total']} letter" in text
    links = doc.xpath("//ol[@class='hits']//h3/a/@href")
    assert links == [f"/letters/{h['id']}" for h in expected["hits"]]
    marks = doc.xpath("//p[@class='snippet']/mark")
    assert marks and all("refug" in m.text.lower() for m in marks)
    first = expected["hits"][0]
    assert first["date"] in text and first["sender"][0] in text


def test_pagination_has_stable_urls(client, ids):
    doc = page(client.get("/"))
    nxt = doc.xpath("//nav[@class='pagination']//a[@rel='next']/@href")
    assert nxt == ["/search?page=2"]
    first = client.get("/search.json").get_json()["hits"]
    second = client.get("/search.json?page=2").get_json()["hits"]
    assert {h["id"] for h in first}.isdisjoint({h["id"] for h in second})
    current = page(client.get(nxt[0])).xpath("//a[@aria-current='page']/text()")
    assert current == ["2"]


@pytest.mark.parametrize("args", ["page=0", "page=two", "sort=sideways", "size=-1"])
def test_bad_search_parameters_are_400(client, args):
    assert client.get(f"/search?{args}").status_code == 400
    r = client.get(f"/search.json?{args}")
    assert r.status_code == 400 and r.get_json()["ok"] is False


def test_facet_links_narrow_the_search(client):
    doc = page(client.get("/"))
    groups = doc.xpath("//aside[@class='facets']//section[@class='facet']")
    names = [g.get("aria-labelledby") for g in groups]
    for name in ("country", "instrument", "article", "official", "addressee", "organisation", "year",
                 "language"):
        assert f"facet-{name}" in names
    links = doc.xpath("//aside[@class='facets']//section[@class='facet']//li")
    assert len(links) > 20
    total = client.get("/search.json").get_json()["total"]
    for li in links:
        url = li.find("a").get("href")
        count = int(li.find("span").text)
        data = client.get(url.replace("/search?", "/search.json?")).get_json()
        # Facet links search the exact values the facet counted, so the numbers agree.
        assert data["total"] == count <= total, (url, count)


def test_year_histogram_and_chips(client):
    doc = page(client.get("/"))
    bars = doc.xpath("//section[contains(@class, 'histogram')]//li")
    years = client.get("/search.json").get_json()["facets"]["year"]
    assert len(bars) >= len(years) and bars[0].xpath(".//text()")
    link = bars[0].xpath(".//a/@href")[0]
    assert q_of(link) == f"year:{years[0]['value']}"
    # The narrowed page shows the filter as a chip; the chip removes it.
    narrowed = page(client.get(link))
    chip = narrowed.xpath("//nav[@class='chips']//a")
    assert len(chip) == 1 and "Year" in chip[0].text_content()
    assert q_of(chip[0].get("href")) == ""
    two = page(client.get("/search", query_string={"q": "refugees country:KG year:2005"}))
    chips = {a.text_content().split(":")[0].strip(): q_of(a.get("href"))
             for a in two.xpath("//nav[@class='chips']//a")}
    assert chips == {"Country": "refugees year:2005", "Year": "refugees country:KG"}
    grouped = page(client.get("/search", query_string={"q": "(country:KG OR country:UZ) refugees"}))
    assert not grouped.xpath("//nav[@class='chips']")  # an OR is not a filter to peel off


def test_atom_feed_per_query(client):
    r = client.get("/search.atom?q=refugees")
    assert r.mimetype == "application/atom+xml"
    feed = lxml.etree.fromstring(r.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    total = client.get("/search.json?q=refugees").get_json()["total"]
    assert len(entries) == total > 0
    dates = [e.findtext("a:updated", namespaces=ns) for e in entries]
    assert dates == sorted(dates, reverse=True)
    assert feed.find("a:link[@rel='self']", ns).get("href") == "http://localhost/search.atom?q=refugees"
    doc = page(client.get("/search?q=refugees"))
    assert doc.xpath("//link[@type='application/atom+xml']/@href") == ["/search.atom?q=refugees"]


def test_original_file_and_related_letters(client, archive, ids):
    r = client.get(f"/letters/{ids['hrw']}/original")
    assert r.status_code == 200 and r.mimetype == "application/octet-stream"
    assert r.data == (SAMPLES / "hrw-2005-kyrgyzstan-andijan.txt").read_bytes()
    assert r.headers["Content-Disposition"] == f'attachment; filename="{ids["hrw"]}.txt"'
    doc = page(client.get(f"/letters/{ids['hrw']}"))
    assert f"/letters/{ids['hrw']}/original" in doc.xpath("//p[@class='version-line']//a/@href")
    related = client.get(f"/letters/{ids['hrw']}/related.json").get_json()["related"]
    assert related and all(r["reasons"] for r in related)
    listed = doc.xpath("//section[@class='related']//li/a/@href")
    assert listed == [f"/letters/{r['id']}" for r in related]
    assert client.get("/letters/no-such-letter/related.json").status_code == 404


def test_facet_link_adds_a_field_term_and_toggles_off(client):
    data = client.get("/search.json?q=refugees").get_json()
    kg = next(f for f in data["facets"]["country"] if f["value"] == "KG")
    doc = page(client.get("/search?q=refugees"))
    hrefs = doc.xpath("//section[@aria-labelledby='facet-country']//a/@href")
    narrowed = next(h for h in hrefs if q_of(h) == "refugees country:KG")
    result = client.get(narrowed.replace("/search?", "/search.json?")).get_json()
    assert result["total"] == kg["count"] <= data["total"]
    assert all("KG" in h["countries"] for h in result["hits"])
    back = page(client.get(narrowed)).xpath("//li[@class='active']/a/@href")
    assert any(q_of(h) == "refugees" for h in back)


def test_org_facet_values_with_spaces_are_quoted(client):
    doc = page(client.get("/search?q=Bakiev"))
    hrefs = doc.xpath("//section[@aria-labelledby='facet-organisation']//a/@href")
    assert 'Bakiev org_exact:"Human Rights Watch"' in [q_of(h) for h in hrefs]


def test_csv_streams_every_match(client, archive):
    r = client.get("/search.csv")
    assert r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0] == ["id", "title", "date", "sender", "addressees", "countries", "instruments", "url"]
    assert len(rows) - 1 == archive.search("")["total"] > 2   # more than one page of PAGE_SIZE
    hrw = next(row for row in rows if row[2] == "2005-05-16")
    assert hrw[3] == "Human Rights Watch" and "KG" in hrw[5].split("; ")
    assert hrw[7] == f"http://localhost/letters/{hrw[0]}"


def test_csv_defuses_spreadsheet_formulas(client):
    rows = list(csv.reader(io.StringIO(client.get("/search.csv").get_data(as_text=True))))
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    assert "'" + FORMULA_TITLE in [row[1] for row in rows]
    assert FORMULA_TITLE in [h["title"] for h in client.get("/search.json?size=100").get_json()["hits"]]


@pytest.mark.parametrize("q", ["(", "NOT refugees", "AND", '""'])
def test_bad_query_is_a_400_page_with_the_message(client, q):
    r = client.get("/search", query_string={"q": q})
    assert r.status_code == 400
    doc = page(r)
    assert doc.xpath("//p[@role='alert']")[0].text_content().strip()
    assert doc.get_element_by_id("q").get("value") == q
    j = client.get("/search.json", query_string={"q": q})
    assert j.status_code == 400
    assert j.get_json()["ok"] is False and j.get_json()["status"] == 400 and j.get_json()["error"]


def test_pure_not_query_is_refused(client):
    r = client.get("/search.json?q=NOT+refugees")
    assert r.status_code == 400 and "NOT" in r.get_json()["error"]


def test_help_examples_are_valid_searches(client):
    doc = page(client.get("/help"))
    examples = doc.xpath("//main//a[starts-with(@href, '/search?')]/@href")
    assert len(examples) >= 10
    for href in examples:
        assert client.get(href).status_code == 200, href
    text = doc.text_content()
    for word in ("country:", "instrument:", "official:", "org:", "year:", "AND", "OR", "NOT"):
        assert word in text


# ---------------------------------------------------------------- one letter

def test_letter_page_typesets_the_tei(client, archive, ids):
    rec = archive.record(ids["hrw"])
    r = client.get(f"/letters/{ids['hrw']}")
    assert r.status_code == 200
    doc = page(r)
    assert doc.xpath("//h1")[0].text_content() == rec["title"]
    body = doc.xpath("//div[@class='letter-text']")[0]
    assert len(body.xpath(".//p")) >= len([s for s in rec["structure"] if s["kind"] == "p"])
    assert "We ask you" in body.text_content()
    assert body.xpath(".//*[@class='closer']") or body.xpath(".//p[@class='signed']")
    # Inline entities link to the search for them.
    entity_links = body.xpath(".//a[contains(@class, 'entity')]/@href")
    assert "country:KG" in [q_of(h) for h in entity_links]
    for href in set(entity_links):
        assert client.get(href.replace("/search?", "/search.json?")).get_json()["total"] >= 1, href


def test_letter_metadata_panel(client, archive, ids):
    rec = archive.record(ids["hrw"])
    doc = page(client.get(f"/letters/{ids['hrw']}"))
    panel = doc.xpath("//aside[@class='metadata']")[0]
    text = panel.text_content()
    assert rec["date"] in text and "Human Rights Watch" in text
    assert "Kurmanbek Bakiev" in text and "Acting President" in text
    for c in rec["countries"]:
        assert c["name"] in text
    src = panel.xpath(".//a[@href='https://www.hrw.org/news/2005/05/16/kyrgyzstan-ensure-safety-refugees']")
    assert src
    cite = panel.xpath(".//section[@class='cite']/p[@class='citation']/a/@href")
    assert cite == [f"http://localhost/letters/{ids['hrw']}/at/{rec['version']}"]
    hrefs = doc.xpath("//a/@href")
    assert f"/letters/{ids['hrw']}.xml" in hrefs and f"/letters/{ids['hrw']}/history" in hrefs
    assert "You are reading an earlier version" not in doc.text_content()


def test_letter_json_and_tei(client, archive, ids):
    assert client.get(f"/letters/{ids['hrw']}.json").get_json() == archive.record(ids["hrw"])
    r = client.get(f"/letters/{ids['hrw']}.xml")
    assert r.mimetype == "application/xml"
    assert r.data == archive.tei(ids["hrw"])
    assert r.headers["Content-Disposition"] == f'attachment; filename="{ids["hrw"]}.xml"'


def test_earlier_version_is_marked_and_short_shas_work(client, archive, ids):
    versions = archive.history(ids["hrw"])
    old, new = versions[1]["version"], versions[0]["version"]
    doc = page(client.get(f"/letters/{ids['hrw']}/at/{old[:8]}"))
    notice = doc.xpath("//div[@class='notice']")[0]
    assert "You are reading an earlier version" in notice.text_content()
    assert f"/letters/{ids['hrw']}" in notice.xpath(".//a/@href")
    assert "We call on you" in doc.xpath("//div[@class='letter-text']")[0].text_content()
    assert doc.xpath("//link[@rel='canonical']/@href") == [f"http://localhost/letters/{ids['hrw']}/at/{old}"]
    current = page(client.get(f"/letters/{ids['hrw']}/at/{new}"))
    assert not current.xpath("//div[@class='notice']")
    rec = client.get(f"/letters/{ids['hrw']}/at/{old[:8]}.json").get_json()
    assert rec == archive.record(ids["hrw"], at=old) and rec["version"] == old
    r = client.get(f"/letters/{ids['hrw']}/at/{old[:8]}.xml")
    assert r.mimetype == "application/xml" and r.data == archive.tei(ids["hrw"], at=old)
    assert f'filename="{ids["hrw"]}-{old[:12]}.xml"' in r.headers["Content-Disposition"]


@pytest.mark.parametrize("path", ["/letters/no-such-letter", "/letters/2005-05-16-nobody",
                                  "/letters/{hrw}/at/0000000", "/letters/{hrw}/at/HEAD",
                                  "/letters/{hrw}/at/{other_only}", "/letters/{hrw}/history/x",
                                  "/letters/nope/history", "/letters/{hrw}/diff/0000000..1111111"])
def test_unknown_letters_and_versions_are_404(client, archive, ids, path):
    # The archive's first commit holds only the authority files: no letter exists there.
    before = archive.repo.git.rev_list("--max-parents=0", "HEAD").strip()
    url = path.format(hrw=ids["hrw"], other_only=before)
    r = client.get(url)
    assert r.status_code == 404
    assert "Error 404" in page(r).text_content()
    if "/history/" not in url:
        j = client.get(url + ".json")
        assert j.status_code == 404
        assert j.get_json() == {"ok": False, "error": j.get_json()["error"], "status": 404}
        assert j.get_json()["error"]


# ---------------------------------------------------------------- history and diff

def test_history_page_and_json(client, archive, ids):
    versions = archive.history(ids["hrw"])
    assert client.get(f"/letters/{ids['hrw']}/history.json").get_json() == versions
    doc = page(client.get(f"/letters/{ids['hrw']}/history"))
    rows = doc.xpath("//table[@class='history']/tbody/tr")
    assert len(rows) == len(versions) == 2
    hrefs = doc.xpath("//table[@class='history']//a/@href")
    for v in versions:
        assert f"/letters/{ids['hrw']}/at/{v['version']}" in hrefs
    diff = f"/letters/{ids['hrw']}/diff/{versions[1]['version']}..{versions[0]['version']}"
    assert diff in hrefs
    text = doc.text_content()
    assert "Correct the title" in text and "Test Archivist" in text and versions[0]["summary"] in text


def test_diff_page_and_json(client, archive, ids):
    old, new = [v["version"] for v in archive.history(ids["hrw"])][::-1]
    j = client.get(f"/letters/{ids['hrw']}/diff/{old[:7]}..{new[:7]}.json").get_json()
    assert j == archive.diff(ids["hrw"], old, new)
    doc = page(client.get(f"/letters/{ids['hrw']}/diff/{old[:7]}..{new[:7]}"))
    meta = doc.xpath("//table[@class='meta-diff']//tr[th[contains(., 'title')]]")[0]
    assert "Kyrgyzstan: Ensure Safety of Refugees" in meta.xpath(".//del")[0].text
    assert "Kyrgyzstan: Ensure the Safety of Refugees" in meta.xpath(".//ins")[0].text
    changes = doc.xpath("//ol[@class='text-diff']/li")
    words = doc.xpath("//li[contains(@class, 'change-replace')]//p[@class='words']")[0]
    assert [d.text for d in words.findall("del")] == ["call on"]
    assert [i.text for i in words.findall("ins")] == ["ask"]
    added = doc.xpath("//li[contains(@class, 'change-insert')]//ins/text()")
    assert any("We look forward to your reply." in a for a in added) and len(changes) >= 2


# ---------------------------------------------------------------- letter text stays inert

def _assert_inert(html):
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert 'href="javascript:' not in html.lower()


def test_hostile_letter_is_escaped_everywhere(client, archive, ids):
    hid = ids["hostile"]
    html = client.get(f"/letters/{hid}").get_data(as_text=True)
    _assert_inert(html)
    assert "&lt;script&gt;alert(&#34;body&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; Journalists detained" in html
    for url in ("/search?q=journalists", "/search?q=alert", "/", f"/letters/{hid}/history"):
        r = client.get(url)
        assert r.status_code == 200
        _assert_inert(r.get_data(as_text=True))
    assert "onerror" in client.get("/search?q=journalists").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/search.csv?q=journalists").get_data(as_text=True))))
    assert HOSTILE_TITLE in [row[1] for row in rows]



def test_inline_entities_link_to_their_searches(client, ids):
    doc = page(client.get(f"/letters/{ids['hand']}"))
    body = doc.xpath("//div[@class='letter-text']")[0]
    links = {a.text_content(): (q_of(a.get("href")), a.get("title"))
             for a in body.xpath(".//a[contains(@class, 'entity')]")}
    assert links == {
        "Uzbekistan": ("country:UZ", "Place"),
        "article 9(1)": ("instrument:iccpr", "Article 9(1)"),
        "International Covenant on Civil and Political Rights": ("instrument:iccpr", "Legal instrument"),
        "UNHCR": ("org:UNHCR", "Organisation"),
        "Islam Karimov": ('official:"Islam Karimov"', "Person"),
    }
    assert body.xpath(".//p[@class='salute']")[0].text == "Dear President,"
    assert body.xpath(".//div[@class='closer']/p[@class='closing']")[0].text == "Yours sincerely,"
    assert body.xpath(".//p[@class='signed']/br")


def test_only_http_source_urls_become_links(client, ids):
    html = client.get(f"/letters/{ids['hand']}").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    panel = doc.xpath("//aside[@class='metadata']")[0]
    assert "javascript:alert(3)" in panel.text_content()
    assert not [h for h in doc.xpath("//a/@href") if "javascript" in h.lower()]


def test_missing_archive_is_a_friendly_error(tmp_path):
    app = create_app({"TESTING": True, "LETTERS_HOME": str(tmp_path / "none")})
    client = app.test_client()
    r = client.get("/")
    assert r.status_code == 503
    assert str(tmp_path) not in r.get_data(as_text=True)
    assert "not available" in page(r).xpath("//p[@role='alert']")[0].text
    j = client.get("/search.json")
    assert j.status_code == 503 and j.get_json()["ok"] is False


def test_every_search_link_on_a_letter_page_works(client, ids):
    for letter_id in {ids["hrw"], ids["hand"], ids["hostile"], *ids["all"][::6]}:
        doc = page(client.get(f"/letters/{letter_id}"))
        # What the metadata panel lists is indexed for this letter, so its links find it.
        for href in set(doc.xpath("//aside[@class='metadata']//a[starts-with(@href, '/search?')]/@href")):
            assert q_of(href).strip() and 'official:""' not in q_of(href), (letter_id, href)
            data = client.get(href.replace("/search?", "/search.json?") + "&size=100").get_json()
            assert letter_id in [h["id"] for h in data["hits"]], (letter_id, href)
        # A place named in passing need not be a subject of the letter; the search must still run.
        for href in set(doc.xpath("//div[@class='letter-text']//a/@href")):
            assert q_of(href).strip(), (letter_id, href)
            assert client.get(href).status_code == 200, (letter_id, href)
