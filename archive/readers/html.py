"""HTML pages saved from an organisation's website: the letter without the site around it.

The page is parsed with lxml (no network), scripts and other active content are removed,
obvious site furniture (navigation, cookie banners, share bars, sidebars, donation
appeals) is cut, and trafilatura picks the main content. Its paragraphs become the
blank-line-separated text that `structure.segment` cuts into Blocks.
"""
from __future__ import annotations

import codecs
import configparser
import re
from datetime import date

from lxml import etree, html as lxml_html

from archive.errors import IngestError
from archive.readers.base import ReadResult
from archive.readers.structure import analyse
from archive.readers.text import decode

# Elements whose content is never letter text (and some of which could run code).
_ACTIVE = ("script", "style", "noscript", "template", "iframe", "frame", "frameset", "object",
           "embed", "applet", "svg", "math", "canvas", "form", "button", "input", "select",
           "textarea", "link", "meta", "base", "dialog")
# class/id words of site furniture; matched against whole tokens of the attribute.
_CLUTTER = {"cookie", "cookies", "consent", "gdpr", "share", "sharing", "sharebar", "social",
            "donate", "donation", "donations", "appeal", "newsletter", "subscribe", "signup",
            "related", "sidebar", "breadcrumb", "breadcrumbs", "navbar", "menu", "promo",
            "advert", "advertisement", "ads", "popup", "modal", "skip", "nav", "navigation",
            "banner"}
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "nav",
               "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table",
               "tr", "blockquote", "pre", "address", "figure", "figcaption", "hr", "center",
               "body", "html", "td", "th", "caption", "details", "summary", "fieldset"}
_WS = re.compile(r"[ \t\n\r\f\v]+")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]{1,40})""", re.I)
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})")


def read_html(data: bytes, name: str) -> ReadResult:
    """Read a saved web page: the letter's Blocks plus title, date, author, URL and language."""
    return _guarded(_read_html, data, name)


def _read_html(data: bytes, name: str) -> ReadResult:
    root = parse_html(data, name)
    meta = page_meta(root)
    titles = [t for t in (_meta(root, "og:title"), _page_title(root)) if t]
    text, headline = _main_text(root, name, titles)
    if headline and not meta.get("title"):
        meta["title"] = headline
    seg = analyse(text)
    if not seg.blocks:
        raise IngestError(f"{name}: no letter text found in the HTML page")
    warnings = []
    if seg.dropped:
        warnings.append(f"removed {len(seg.dropped)} line(s) of page clutter around the letter")
    return ReadResult(blocks=seg.blocks, meta=meta, format="html", warnings=warnings)


def html_text(data: bytes | str, name: str, main: bool = True) -> str:
    """Plain text of an HTML document, paragraphs separated by blank lines.

    main=True keeps only the page's main content (a web page); main=False keeps the
    whole body (an HTML e-mail, which has no site around it), minus quoted replies.
    """
    return _guarded(_html_text, data, name, main)


def _guarded(fn, data, name: str, *args):
    try:
        return fn(data, name, *args)
    except (etree.LxmlError, ValueError, TypeError, RecursionError) as exc:
        # Broken markup that got past the parser; whatever it is, the file is the problem.
        raise IngestError(f"{name}: not readable as HTML ({type(exc).__name__}: {exc})") from None


def _html_text(data: bytes | str, name: str, main: bool) -> str:
    root = parse_html(data, name)
    if main:
        return _main_text(root, name)[0]
    _defuse(root)
    for el in root.xpath("//blockquote | //*[contains(concat(' ', normalize-space(@class), ' '), "
                         "' gmail_quote ')] | //*[@id='divRplyFwdMsg']"):
        # Quoted replies in HTML mail: the letter is what the sender wrote, not what they quote.
        _drop(el)
    text = _walk_text(root)
    if not text.strip():
        raise IngestError(f"{name}: the HTML has no text")
    return text


def parse_html(data: bytes | str, name: str) -> etree._Element:
    """Decode and parse HTML with lxml; IngestError if it is not HTML text."""
    text = data if isinstance(data, str) else _decode(data, name)
    # lxml refuses str input that still carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", _XML_INVALID.sub("", text))
    if not text.strip():
        raise IngestError(f"{name}: the HTML file is empty")
    try:
        parser = lxml_html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                                      huge_tree=False)
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.LxmlError, ValueError) as exc:
        raise IngestError(f"{name}: not readable as HTML: {exc}") from None
    if root is None:
        raise IngestError(f"{name}: not readable as HTML (no document)")
    return root


def page_meta(root: etree._Element) -> dict:
    """Title, date, author, canonical URL and language that the page itself declares."""
    meta: dict = {}
    title = _meta(root, "og:title") or _page_title(root)
    if title:
        meta["title"] = title
    for key in ("article:published_time", "date", "dc.date", "dcterms.date"):
        iso = iso_date(_meta(root, key))
        if iso:
            meta["date"] = iso
            break
    else:
        for t in root.xpath("//time[@datetime]"):
            iso = iso_date(t.get("datetime"))
            if iso:
                meta["date"] = iso
                break
    author = _meta(root, "author") or _meta(root, "article:author")
    if author and not re.match(r"https?://", author):
        meta["author"] = author
    url = next((h for h in root.xpath("//link[@rel='canonical']/@href")), "") or _meta(root, "og:url")
    if url and re.match(r"https?://", url.strip()):
        meta["url"] = url.strip()
    lang = (root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    if re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", lang):
        meta["language"] = lang.split("-")[0].lower()
    return meta


def iso_date(value: str | None) -> str:
    """'2023-11-14T09:30:00+00:00' -> '2023-11-14'; '' if it is not a real ISO date."""
    m = _ISO_DATE.match(value or "")
    if not m:
        return ""
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return ""


# -- decoding and metadata ------------------------------------------------------------

def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise IngestError(f"{name}: the HTML file is empty")
    m = _META_CHARSET.search(data[:4096])
    if m and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            enc = codecs.lookup(m[1].decode("ascii")).name
        except (LookupError, UnicodeDecodeError):
            enc = ""
        # A page declaring UTF-16 in ASCII bytes is lying; let the detector decide.
        if enc and not enc.startswith("utf-16") and not enc.startswith("utf-32"):
            if b"\x00" in data[:65536]:
                raise IngestError(f"{name}: not an HTML file (contains NUL bytes)")
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                pass            # the declaration is wrong; detect the encoding from the bytes
    return decode(data, name)


def _meta(root, key: str) -> str:
    key = key.lower()
    for m in root.iter("meta"):
        k = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        if k == key and (m.get("content") or "").strip():
            return _WS.sub(" ", m.get("content")).strip()
    return ""


def _page_title(root) -> str:
    el = root.find(".//title")
    title = _WS.sub(" ", el.text_content()).strip() if el is not None else ""
    # "Open letter ... | Civic Rights Monitor": the site name after the last separator goes.
    parts = re.split(r"\s+[|–—-]\s+", title)
    return parts[0] if len(parts) > 1 and len(parts[-1]) <= 60 else title


# -- cleaning ---------------------------------------------------------------------------

def _drop(el) -> None:
    if el.getparent() is not None:
        el.drop_tree()  # keeps the element's tail text, which belongs to its parent


def _defuse(root) -> None:
    """Remove active content: scripts, embedded objects, forms, event handlers, javascript: links."""
    for el in list(root.iter(*_ACTIVE)):
        _drop(el)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        try:
            for attr, value in list(el.attrib.items()):
                value = re.sub(r"[\x00-\x20]+", "", value).lower()
                if attr.lower().startswith("on") or value.startswith(("javascript:", "vbscript:", "data:")):
                    del el.attrib[attr]
        except ValueError:
            el.attrib.clear()   # broken markup made attribute names lxml will not handle; drop them all


def _declutter(root) -> None:
    """Cut site furniture before the content extractor sees the page."""
    body = root.find("body")
    total = len(_WS.sub("", body.text_content())) if body is not None else 0
    for el in list(root.iter("nav", "aside")):
        _drop(el)
    for el in list(root.iter("header", "footer")):
        if not el.xpath("ancestor::article | ancestor::main"):
            _drop(el)
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.tag in ("html", "body", "main", "article") \
                or el.getparent() is None:
            continue
        tokens = set(re.split(r"[\s_-]+", f"{el.get('class', '')} {el.get('id', '')} "
                                           f"{el.get('role', '')}".lower()))
        if not tokens & _CLUTTER or el.xpath(".//main | .//article"):
            continue
        # A wrapper class like "layout-with-sidebar" must not take the letter with it.
        if total and len(_WS.sub("", el.text_content())) > 0.4 * total:
            continue
        _drop(el)


def _main_text(root, name: str, titles: list[str] = ()) -> tuple[str, str]:
    """The page's main content as paragraphs, and the headline it opened with (if any)."""
    _defuse(root)
    _declutter(root)
    paragraphs = _extract(root)
    if paragraphs is None:
        # The extractor found nothing it trusts: fall back to the page's whole remaining text.
        text = _walk_text(root)
        paragraphs = [(False, p) for p in text.split("\n\n")]
    headline = ""
    if paragraphs and paragraphs[0][0] and _same_title(paragraphs[0][1], titles):
        # The page's headline repeats its title: the site's name for the letter, not a line of it.
        headline = paragraphs.pop(0)[1].replace("\n", " ")
    text = "\n\n".join(p for _, p in paragraphs if p.strip())
    if not text.strip():
        raise IngestError(f"{name}: no letter text found in the HTML page")
    return text, headline


def _same_title(heading: str, titles) -> bool:
    norm = lambda t: " ".join(re.findall(r"\w+", t.lower()))  # noqa: E731
    h = norm(heading)
    return bool(h) and any(h in norm(t) or norm(t) in h for t in titles if norm(t))


def _extract(root) -> list[tuple[bool, str]] | None:
    """trafilatura's main content as (is_heading, text) paragraphs; None if it finds none."""
    import trafilatura
    from trafilatura.settings import DEFAULT_CONFIG

    config = configparser.ConfigParser()
    config.read_dict(DEFAULT_CONFIG)
    # Letters are short; the default minimum would throw a brief letter away.
    config["DEFAULT"]["MIN_EXTRACTED_SIZE"] = "40"
    config["DEFAULT"]["MAX_TREE_SIZE"] = "200000"
    try:
        xml = trafilatura.extract(
            etree.tostring(root, encoding="unicode", method="html"), output_format="xml",
            include_comments=False, include_tables=True, include_images=False,
            include_links=False, include_formatting=False, deduplicate=False, config=config)
    except Exception:  # noqa: BLE001 - any extractor failure means "use the fallback"
        return None
    if not xml:
        return None
    try:
        doc = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False))
    except etree.LxmlError:
        return None
    main = doc.find("main")
    if main is None:
        return None
    out: list[tuple[bool, str]] = []
    if (main.text or "").strip():
        out.append((False, main.text.strip()))
    for el in main:
        if el.tag == "list":
            out += [(False, _xml_text(i)) for i in el.iter("item")]
        elif el.tag == "table":
            for row in el.iter("row"):
                out.append((False, " | ".join(_xml_text(c) for c in row if _xml_text(c))))
        elif isinstance(el.tag, str):
            out.append((el.tag == "head", _xml_text(el)))
        if (el.tail or "").strip():
            out.append((False, el.tail.strip()))
    out = [(h, t) for h, t in out if t.strip()]
    return out or None


def _xml_text(el) -> str:
    """Text of one trafilatura element; <lb/> is a line break."""
    parts = [el.text or ""]
    for child in el:
        parts.append("\n" if child.tag == "lb" else _xml_text(child))
        parts.append(child.tail or "")
    return "\n".join(_WS.sub(" ", line).strip() for line in "".join(parts).split("\n")).strip()


def _walk_text(root) -> str:
    """Whole-document text: block elements make paragraphs, <br> makes a line break."""
    paragraphs: list[str] = []
    cur: list[str] = []

    def flush():
        text = "".join(cur)
        lines = [_WS.sub(" ", ln).strip() for ln in text.split("\n")]
        para = "\n".join(ln for ln in lines if ln)
        if para:
            paragraphs.append(para)
        cur.clear()

    def visit(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag in _BLOCK_TAGS
        if block:
            flush()
        if tag == "br":
            cur.append("\n")
        elif tag == "pre":
            cur.append(el.text_content() or "")
        else:
            if tag and el.text:
                cur.append(el.text)
            for child in el:
                visit(child)
                if child.tail:
                    cur.append(child.tail)
        if block:
            flush()

    body = root.find("body")
    visit(body if body is not None else root)
    flush()
    return "\n\n".join(paragraphs)
