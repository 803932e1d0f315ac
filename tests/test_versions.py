"""Version chains through the real ingest and edit: exact change lists, blame, citations, web."""
import io
import json
import textwrap
from pathlib import Path

import docx
import lxml.html
import pytest

from archive import versions
from archive.errors import NotFound
from archive.home import Archive
from archive.readers import read_file
from archive.textdiff import compare_key
from webapp import create_app
from webapp.home import close_archive

DATA = Path(__file__).resolve().parent / "data" / "versions"
AUTHOR = "Ana Archivist <ana@example.org>"
EDITOR = "Ben Editor <ben@example.org>"
HINTS = {"sender_org": "Central Asia Press Freedom Monitor"}
ORIGINAL = (DATA / "letter.txt").read_text()
INSERTED = "One of them, who suffers from diabetes, has been refused the medicine his doctor prescribed."
ASK = ("We ask your government to release them at once, or to bring them before a judge without "
       "further delay, and to let their families and lawyers visit them.")
ALSO = ("We also ask that the police officers who seized the newspaper's computers return them, and "
        "that the investigation into the newspaper's finances be closed unless there is credible "
        "evidence of an offence.")
THANKS = ("We would welcome the opportunity to discuss these concerns with your office, and we thank "
          "you for your attention to this urgent matter.")
CITED = ASK[:-1] + (", as article 9 of the International Covenant on Civil and Political Rights "
                    "requires.")


def _move_also_before_ask(text: str) -> str:
    paras = text.split("\n\n")
    paras.remove(ALSO)
    paras.insert(paras.index(ASK), ALSO)
    return "\n\n".join(paras)


# Each step: (name, edit arguments taking the current text); block 4 is the first paragraph.
STEPS = [
    ("typo", lambda t: {"text": t.replace("goverment", "government")}),
    ("insert", lambda t: {"text": t.replace("\n\n" + ASK, f"\n\n{INSERTED}\n\n{ASK}")}),
    ("reword", lambda t: {"text": t.replace("welcome the opportunity to discuss", "be glad to discuss")}),
    ("move", lambda t: {"text": _move_also_before_ask(t)}),
    ("instrument", lambda t: {"text": t.replace(ASK, CITED)}),
    ("date", lambda t: {"sets": {"date": "2019-03-15"}}),
]


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """One letter through every step: {"archive", "id", "versions": {step: sha}}."""
    a = Archive.init(tmp_path_factory.mktemp("chain") / "home", AUTHOR)
    first = a.ingest(ORIGINAL.encode(), "letter.txt", HINTS, author=AUTHOR)
    shas = {"ingest": first["version"]}
    for name, change in STEPS:
        text = a.record(first["id"])["text"]
        shas[name] = a.edit(first["id"], message=f"Step {name}", author=EDITOR,
                            **change(text))["version"]
    yield {"archive": a, "id": first["id"], "versions": shas}
    a.close()


def _step_diff(chain, before, after):
    v = chain["versions"]
    return chain["archive"].diff(chain["id"], v[before], v[after])["changes"]


def _strip(changes):
    # Word lists are asserted separately where they matter.
    return [{k: v for k, v in c.items() if k != "words"} for c in changes]


def text_change(kind, before, after, block, from_block, to_block, block_kind="p"):
    return {"kind": kind, "before": before, "after": after, "field": None, "block": block,
            "block_kind": block_kind, "from_block": from_block, "to_block": to_block}


def test_typo_fixed(chain):
    changes = _step_diff(chain, "ingest", "typo")
    bad = ASK.replace("government", "goverment")
    assert _strip(changes) == [text_change("replace", bad, ASK, 6, 6, 6)]
    assert changes[0]["words"] == [["equal", "We ask your "], ["delete", "goverment"],
                                   ["insert", "government"], ["equal", ASK[len("We ask your government"):]]]


def test_paragraph_inserted(chain):
    assert _step_diff(chain, "typo", "insert") == [
        text_change("insert", None, INSERTED, 6, None, 6)]


def test_sentence_reworded(chain):
    changes = _step_diff(chain, "insert", "reword")
    new = THANKS.replace("welcome the opportunity to discuss", "be glad to discuss")
    assert _strip(changes) == [text_change("replace", THANKS, new, 9, 9, 9)]
    assert changes[0]["words"] == [["equal", "We would "], ["delete", "welcome the opportunity"],
                                   ["insert", "be glad"], ["equal", new[len("We would be glad"):]]]


def test_paragraph_moved_is_one_move(chain):
    assert _step_diff(chain, "reword", "move") == [text_change("move", ALSO, ALSO, 7, 8, 7)]


def test_instrument_citation_added(chain):
    changes = _step_diff(chain, "move", "instrument")
    assert _strip(changes) == [
        text_change("replace", ASK, CITED, 8, 8, 8),
        {"kind": "metadata", "field": "instruments", "before": None, "after": "ICCPR art. 9"}]


def test_date_changed(chain):
    assert _step_diff(chain, "instrument", "date") == [
        {"kind": "metadata", "field": "date", "before": "2019-03-14", "after": "2019-03-15"}]


def test_history_summaries(chain):
    got = [(e["version"], e["author"], e["summary"])
           for e in chain["archive"].history(chain["id"])]
    v = chain["versions"]
    assert got == [
        (v["date"], EDITOR, "metadata: date"),
        (v["instrument"], EDITOR, "text: 13 words changed; metadata: instruments"),
        (v["move"], EDITOR, "text: 1 paragraph moved"),
        (v["reword"], EDITOR, "text: 3 words changed"),
        (v["insert"], EDITOR, "text: 1 paragraph added"),
        (v["typo"], EDITOR, "text: 1 word changed"),
        (v["ingest"], AUTHOR, "letter added"),
    ]


def test_addressee_title_corrected_in_a_new_source(chain, tmp_path):
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        lid = a.ingest(ORIGINAL.encode(), "letter.txt", HINTS, author=AUTHOR)["id"]
        v1 = a.version_of(lid)
        role, acting = "President of the Republic of Kazakhstan", "Acting President of the Republic of Kazakhstan"
        fixed = ORIGINAL.replace(f"Tokayev\n{role}\n", f"Tokayev\n{acting}\n")
        v2 = a.ingest(fixed.encode(), "letter-v2.txt", HINTS, author=AUTHOR, as_version_of=lid)
        title = "Letter from Central Asia Press Freedom Monitor to Kassym-Jomart Tokayev, {}, 2019-03-14"
        # The title was derived from the addressee at ingest, so it follows the correction.
        assert _strip(a.diff(lid, v1, v2["version"])["changes"]) == [
            text_change("replace", f"Kassym-Jomart Tokayev\n{role}\nAstana",
                        f"Kassym-Jomart Tokayev\n{acting}\nAstana", 2, 2, 2, "address"),
            {"kind": "metadata", "field": "title", "before": title.format(role),
             "after": title.format(acting)},
            {"kind": "metadata", "field": "addressees[0].role", "before": role, "after": acting},
            {"kind": "metadata", "field": "officials[0].role", "before": role, "after": acting}]
        assert a.history(lid)[0]["summary"] == (
            "text: 1 word changed; metadata: title, addressee role, official role")
    finally:
        a.close()


def test_addressee_title_corrected_by_edit(tmp_path):
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        lid = a.ingest(ORIGINAL.encode(), "letter.txt", HINTS, author=AUTHOR)["id"]
        v1 = a.version_of(lid)
        v2 = a.edit(lid, sets={"addressee": "Kassym-Jomart Tokayev; President; KZ"}, author=EDITOR)
        assert a.diff(lid, v1, v2["version"])["changes"] == [
            {"kind": "metadata", "field": "addressees[0].role",
             "before": "President of the Republic of Kazakhstan", "after": "President"},
            {"kind": "metadata", "field": "officials[0].role",
             "before": "President of the Republic of Kazakhstan", "after": "President"}]
    finally:
        a.close()


# ---------------------------------------------------------------- changes that are not changes

def _new_version_is_no_change(tmp_path, first, second, hints=HINTS):
    """Ingest two source files as versions of one letter; return (changes, summary)."""
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        lid = a.ingest(first[1], first[0], hints, author=AUTHOR)["id"]
        v1 = a.version_of(lid)
        v2 = a.ingest(second[1], second[0], hints, author=AUTHOR, as_version_of=lid)["version"]
        assert v2 != v1   # a new version really was committed
        return a.diff(lid, v1, v2)["changes"], a.history(lid)[0]["summary"]
    finally:
        a.close()


def test_rescraped_page_with_different_clutter_is_no_change(tmp_path):
    pages = [(n, (DATA / n).read_bytes()) for n in ("page-2019.html", "page-2021.html")]
    assert pages[0][1] != pages[1][1]
    blocks = [[(b.kind, compare_key(b.text)) for b in read_file(d, n).blocks] for n, d in pages]
    assert blocks[0] == blocks[1] and len(blocks[0]) == 10
    hints = dict(HINTS, source_url="https://capfm.example.org/letters/kazakhstan-journalists")
    assert _new_version_is_no_change(tmp_path, *pages, hints=hints) == ([], "no changes")


def _docx(paragraphs, resave: bool) -> bytes:
    d = docx.Document()
    props = d.core_properties
    props.author, props.title = "Aigerim Sadykova", ""
    if resave:
        # What Word changes when the same letter is opened and saved again, plus formatting.
        props.last_modified_by, props.revision, props.comments = "Office PC 7", 9, "re-saved"
        props.keywords = "press freedom; Kazakhstan"
    for text in paragraphs:
        p = d.add_paragraph()
        if resave and len(text) > 40:
            cut = text.index(" ", 20)
            first = p.add_run(text[:cut])
            first.bold = True
            second = p.add_run(text[cut:])
            second.italic = True
            second.font.name = "Garamond"
            p.paragraph_format.space_after = docx.shared.Pt(18)
        else:
            p.add_run(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_resaved_docx_with_only_formatting_changed_is_no_change(tmp_path):
    paragraphs = [p.replace("\n", " ") for p in ORIGINAL.split("\n\n")]
    first, second = _docx(paragraphs, False), _docx(paragraphs, True)
    assert first != second
    changes = _new_version_is_no_change(tmp_path, ("letter.docx", first), ("letter.docx", second))
    assert changes == ([], "no changes")


def test_reflowed_plain_text_is_no_change(tmp_path):
    reflowed = "\n\n".join(textwrap.fill(p, 64) if len(p) > 100 else p
                           for p in ORIGINAL.split("\n\n"))
    assert reflowed != ORIGINAL
    changes = _new_version_is_no_change(tmp_path, ("letter.txt", ORIGINAL.encode()),
                                        ("letter.txt", reflowed.encode()))
    assert changes == ([], "no changes")


# ---------------------------------------------------------------- reading any version

def test_resolve_accepts_short_and_later_shas(chain):
    a, lid, v = chain["archive"], chain["id"], chain["versions"]
    assert versions.resolve(a, lid, v["reword"][:7]) == v["reword"]
    assert versions.resolve(a, lid, "HEAD") == v["date"]


def test_unknown_and_unrelated_versions_are_not_found(chain):
    a, lid = chain["archive"], chain["id"]
    root = a.repo.git.rev_list("--max-parents=0", "main").strip()   # before the letter existed
    tree = a.repo.git.rev_parse("main^{tree}")
    # A commit that holds the letter but is not on the archive's main line.
    dangling = a.repo.git.commit_tree(tree, "-p", "main", "-m", "not in the archive")
    for rev in ("0000000", "ffffffffffff", root, dangling, "main~1..main", "--all"):
        with pytest.raises(NotFound):
            versions.resolve(a, lid, rev)
    with pytest.raises(NotFound):
        versions.resolve(a, "2019-01-01-nobody-kz", "HEAD")


# ---------------------------------------------------------------- aligned rows, TEI diff

def test_aligned_rows_show_a_move_in_both_places(chain):
    a, lid, v = chain["archive"], chain["id"], chain["versions"]
    old, new = a.get(lid, v["reword"])[0], a.get(lid, v["move"])[0]
    rows = versions.aligned(old, new)
    assert [(r["kind"], r["old_block"], r["new_block"]) for r in rows] == [
        ("equal", 0, 0), ("equal", 1, 1), ("equal", 2, 2), ("equal", 3, 3), ("equal", 4, 4),
        ("equal", 5, 5), ("equal", 6, 6), ("move", 8, 7), ("equal", 7, 8),
        ("moved-away", 8, 7), ("equal", 9, 9), ("equal", 10, 10), ("equal", 11, 11)]


def test_aligned_rows_of_insert_and_delete(chain):
    a, lid, v = chain["archive"], chain["id"], chain["versions"]
    old, new = a.get(lid, v["typo"])[0], a.get(lid, v["insert"])[0]
    rows = versions.aligned(old, new)
    assert [(r["kind"], r["old"] is None, r["new"]) for r in rows if r["kind"] != "equal"] == [
        ("insert", True, INSERTED)]
    back = versions.aligned(new, old)
    assert [(r["kind"], r["old"], r["new"]) for r in back if r["kind"] != "equal"] == [
        ("delete", INSERTED, None)]
    assert [r["old_block"] for r in back].index(6) == 6


def test_tei_diff_is_a_unified_diff_of_the_files(chain):
    a, lid, v = chain["archive"], chain["id"], chain["versions"]
    patch = versions.tei_diff(a, lid, v["instrument"][:8], v["date"])
    assert patch.startswith(f"--- a/letters/2019/{lid}.xml@{v['instrument'][:12]}\n")
    removed = [l for l in patch.splitlines() if l.startswith("-") and not l.startswith("---")]
    added = [l for l in patch.splitlines() if l.startswith("+") and not l.startswith("+++")]
    assert any('when="2019-03-14"' in l for l in removed)
    assert any('when="2019-03-15"' in l for l in added)
    assert versions.tei_diff(a, lid, v["date"], v["date"]) == ""


# ---------------------------------------------------------------- blame

def test_blame_names_the_version_of_each_paragraph(chain):
    a, lid, v = chain["archive"], chain["id"], chain["versions"]
    rows = versions.blame(a, lid)
    assert [r["text"] for r in rows] == [b["text"] for b in a.record(lid)["structure"]]
    by_text = {r["text"]: r for r in rows}
    assert by_text[INSERTED]["version"] == v["insert"] == by_text[INSERTED]["since"]["version"]
    assert by_text[INSERTED]["author"] == EDITOR
    assert by_text[CITED]["version"] == v["instrument"]        # last reworded there...
    assert by_text[CITED]["since"]["version"] == v["ingest"]   # ...but there from the start
    assert by_text[ALSO]["version"] == v["ingest"]             # a move is not a rewrite
    assert by_text["Dear Mr. President,"] == {
        "block": 3, "kind": "salute", "text": "Dear Mr. President,", "version": v["ingest"],
        "author": AUTHOR, "date": by_text["Dear Mr. President,"]["date"],
        "message": by_text["Dear Mr. President,"]["message"],
        "since": {"version": v["ingest"], "author": AUTHOR,
                  "date": by_text["Dear Mr. President,"]["date"]}}
    assert by_text["Dear Mr. President,"]["message"].startswith("Add ")


# ---------------------------------------------------------------- citations

def test_citations_name_the_version(chain):
    a, lid, v = chain["archive"], chain["id"], chain["versions"]
    rec = versions.cite_record(a, lid, v["move"][:10])
    assert rec["version"] == v["move"] and rec["version_date"][:4] >= "2024"
    url = f"https://archive.example.org/letters/{lid}/at/{v['move']}"
    text = versions.citation(rec, url, "text")
    assert text == (f"Central Asia Press Freedom Monitor. \u201c{rec['title']}.\u201d Letter to "
                    f"Kassym-Jomart Tokayev, President of the Republic of Kazakhstan, 14 March 2019. "
                    f"Advocacy Letters Archive, {lid}, version {v['move'][:12]} of "
                    f"{rec['version_date'][:10]}. {url}")
    bib = versions.citation(rec, url, "bibtex")
    assert bib.startswith(f"@misc{{{lid.replace('-', '')}_{v['move'][:7]},\n")
    assert f"  version = {{{v['move']}}},\n" in bib and f"  url = {{{url}}},\n" in bib
    assert "  author = {{Central Asia Press Freedom Monitor}},\n" in bib
    assert bib.count("{") == bib.count("}")
    csl = versions.citation(rec, url, "csl")
    assert csl["version"] == v["move"] and csl["URL"] == url
    assert csl["issued"] == {"date-parts": [[2019, 3, 14]]} and csl["type"] == "personal_communication"
    with pytest.raises(ValueError):
        versions.citation(rec, url, "mla")


def test_bibtex_escapes_hostile_titles():
    rec = {"id": "x", "version": "a" * 40, "title": "50% of {all} cases & more}\\", "date": None}
    bib = versions.citation(rec, "https://e.org/x", "bibtex")
    assert r"50\% of \{all\} cases \& more\}\textbackslash{}" in bib
    body = bib.replace(r"\{", "").replace(r"\}", "")
    assert body.count("{") == body.count("}")


# ---------------------------------------------------------------- web

@pytest.fixture
def client(chain):
    app = create_app({"TESTING": True, "LETTERS_HOME": str(chain["archive"].home)})
    yield app.test_client()
    close_archive(app)


def _page(response):
    assert response.status_code == 200, response.data[:300]
    return lxml.html.fromstring(response.data)


def test_web_diff_side_by_side_and_patch(client, chain):
    lid, v = chain["id"], chain["versions"]
    base = f"/letters/{lid}/diff/{v['reword'][:8]}..{v['move'][:8]}"
    inline = _page(client.get(base))
    assert [li.get("class") for li in inline.xpath("//ol[@class='text-diff']/li")] == ["change change-move"]
    assert f"{base.split('/diff/')[0]}/diff/{v['reword']}..{v['move']}?view=side" in inline.xpath("//a/@href")
    side = _page(client.get(base + "?view=side"))
    rows = side.xpath("//table[@class='side-diff']/tbody/tr")
    assert len(rows) == 13
    assert [r.get("class") for r in rows if r.get("class") != "row-equal"] == ["row-move", "row-moved-away"]
    assert client.get(base + "?view=columns").status_code == 400
    patch = client.get(f"/letters/{lid}/diff/{v['instrument']}..{v['date']}.patch")
    assert patch.mimetype == "text/x-diff" and "attachment" in patch.headers["Content-Disposition"]
    assert b'+' in patch.data and b'when="2019-03-15"' in patch.data
    typo = _page(client.get(f"/letters/{lid}/diff/{v['ingest']}..{v['typo']}?view=side"))
    assert typo.xpath("//tr[@class='row-replace']/td[@class='old']//del/text()") == ["goverment"]
    assert typo.xpath("//tr[@class='row-replace']/td[@class='new']//ins/text()") == ["government"]


def test_web_blame_cite_and_404s(client, chain):
    lid, v = chain["id"], chain["versions"]
    assert client.get(f"/letters/{lid}/blame.json").get_json() == versions.blame(chain["archive"], lid)
    doc = _page(client.get(f"/letters/{lid}/blame"))
    assert len(doc.xpath("//table[@class='blame']/tbody/tr")) == len(versions.blame(chain["archive"], lid))
    page = _page(client.get(f"/letters/{lid}/at/{v['typo'][:7]}/cite"))
    permalink = f"http://localhost/letters/{lid}/at/{v['typo']}"
    assert permalink in page.xpath("//a/@href") and "cite the current one" in page.text_content()
    assert client.get(f"/letters/{lid}/cite.txt").data.decode().endswith(
        f"/letters/{lid}/at/{v['date']}")
    bib = client.get(f"/letters/{lid}/at/{v['typo']}/cite.bib")
    assert bib.mimetype == "application/x-bibtex" and f"version = {{{v['typo']}}}".encode() in bib.data
    csl = json.loads(client.get(f"/letters/{lid}/cite.json").data)
    assert csl[0]["version"] == v["date"]
    root = chain["archive"].repo.git.rev_list("--max-parents=0", "main").strip()
    for url in (f"/letters/{lid}/at/{root}/cite", f"/letters/{lid}/at/0000000/cite.bib",
                f"/letters/{lid}/diff/{root}..{v['date']}.patch", "/letters/nobody/blame",
                f"/compare/{lid}..nobody", f"/letters/{lid}/at/{root}"):
        assert client.get(url).status_code == 404, url
    assert client.get("/letters/nobody/blame.json").get_json()["status"] == 404


def test_web_letter_at_dangling_commit_is_404(client, chain):
    a, lid = chain["archive"], chain["id"]
    dangling = a.repo.git.commit_tree(a.repo.git.rev_parse("main^{tree}"), "-p", "main",
                                      "-m", "not in the archive")
    assert client.get(f"/letters/{lid}/at/{dangling}").status_code == 404


# ---------------------------------------------------------------- two letters compared

def test_compare_two_letters_of_one_template(tmp_path):
    KG = (DATA / "letter-kg.txt").read_text()
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        kz = a.ingest(ORIGINAL.encode(), "kz.txt", HINTS, author=AUTHOR)["id"]
        kg = a.ingest(KG.encode(), "kg.txt", HINTS, author=AUTHOR)["id"]
        res = versions.compare(a, kz, kg)
        assert res["from"] == kz and res["to"] == kg and 0.7 < res["shared"] < 1
        assert [c["text"] for c in res["common"]] == [
            "Central Asia Press Freedom Monitor\n12 Rue des Lilas, Geneva", "Dear Mr. President,",
            ASK.replace("government", "goverment"), ALSO, THANKS, "Sincerely,",
            "Aigerim Sadykova\nExecutive Director, Central Asia Press Freedom Monitor"]
        assert [(c["kind"], c.get("block")) for c in res["changes"] if c["kind"] != "metadata"] == [
            ("replace", 1), ("replace", 2), ("replace", 4), ("replace", 5)]
        assert {c["field"] for c in res["changes"] if c["kind"] == "metadata"} >= {
            "date", "addressees[0].name", "countries"}
        app = create_app({"TESTING": True, "LETTERS_HOME": str(a.home)})
        try:
            client = app.test_client()
            assert client.get(f"/compare/{kz}..{kg}.json").get_json() == res
            doc = _page(client.get(f"/compare/{kz}..{kg}"))
            assert len(doc.xpath("//ol[@class='shared-text']/li")) == 7
            assert len(doc.xpath("//ol[@class='text-diff']/li")) == 4
            side = _page(client.get(f"/compare/{kz}..{kg}?view=side"))
            assert len(side.xpath("//table[@class='side-diff']/tbody/tr")) == 11
            assert client.get(f"/letters/{kz}/family.json").get_json()[0]["id"] == kg
        finally:
            close_archive(app)
    finally:
        a.close()
