"""OAI-PMH 2.0: the letters for harvesters, answered as XML built with lxml (no Flask).

`respond(archive, params, ...)` takes a request's arguments as (name, value) pairs and returns
the response document. Records are letters; a record's datestamp is the commit date of the
letter's last change; sets are the letters' countries. docs/exports.md describes the mapping.
"""
from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone

from lxml import etree

from . import export, ids
from .errors import ArchiveError, NotFound
from .safexml import parse
from .tei import PUBLISHER, TEI_NS, from_tree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
O, DC = "{%s}" % OAI_NS, "{%s}" % DC_NS
XSI_LOCATION = "{%s}schemaLocation" % XSI_NS
FORMATS = {  # metadataPrefix -> (schema, namespace)
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS),
    "tei": ("https://www.tei-c.org/release/xml/tei/custom/schema/xsd/tei_all.xsd", TEI_NS),
}
PAGE_SIZE = 100
_LIST_ARGS = {"metadataPrefix", "from", "until", "set"}
VERBS = {  # verb -> (required arguments, optional arguments); resumptionToken is exclusive
    "Identify": (set(), set()), "ListMetadataFormats": (set(), {"identifier"}), "ListSets": (set(), set()),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, _LIST_ARGS - {"metadataPrefix"}),
    "ListRecords": ({"metadataPrefix"}, _LIST_ARGS - {"metadataPrefix"})}
_RESUMABLE = ("ListIdentifiers", "ListRecords", "ListSets")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_DOMAIN = re.compile(r"^[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+$")
_catalogues: dict = {}  # (git dir, head) -> catalogue; rebuilt when main moves


class OaiError(Exception):
    """An OAI-PMH error condition: code (badVerb, badArgument, ...) and a message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _stamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _catalogue_of(a, head: str) -> list[dict]:
    """Every public letter: id, version, datestamp (epoch) and countries, by datestamp then id."""
    log = a.repo.git.log(head, "--format=%x1e%H %ct", "--name-only", "--no-renames", "--", "letters/")
    last = {}  # newest first: the first commit naming a path is its last change
    for chunk in log.split("\x1e"):
        lines = chunk.strip().splitlines()
        if lines:
            sha, ct = lines[0].split()
            for path in lines[1:]:
                last.setdefault(path.strip(), (sha, int(ct)))
    return [{"id": i, "version": last[ids.path_for(i)][0], "epoch": last[ids.path_for(i)][1]}
            for i in export.public_ids(a) if ids.path_for(i) in last]


def catalogue(archive) -> list[dict]:
    """The catalogue at the archive's head (cached until main moves)."""
    head = archive.reader.head()
    key = (str(archive.git_dir), head)
    if key not in _catalogues:
        entries = export._call(archive, _catalogue_of, head) if head else []
        countries, offset = {}, 0  # from the index: one query, not one TEI read per letter
        while True:
            res = archive.search("", limit=1000, offset=offset, sort="date")
            countries.update({h["id"]: h["countries"] for h in res["hits"]})
            offset += len(res["hits"])
            if not res["hits"] or offset >= res["total"]:
                break
        for e in entries:
            e["countries"] = sorted(c.upper() for c in countries.get(e["id"], []))
        entries.sort(key=lambda e: (e["epoch"], e["id"]))
        if archive.index.commit_id() != head:
            return entries  # the index is still catching up: its countries may be incomplete
        _catalogues.clear()
        _catalogues[key] = entries
    return _catalogues[key]


# ---------------------------------------------------------------- arguments

def _parse_date(value: str, name: str, end: bool) -> tuple[int, str]:
    """(epoch, granularity) of a from/until value; the end of the day for a day-granular until."""
    for pattern, fmt, gran in ((_DAY, "%Y-%m-%d", "day"), (_SECOND, "%Y-%m-%dT%H:%M:%SZ", "second")):
        if pattern.match(value or ""):
            try:
                t = int(datetime.strptime(value, fmt).replace(tzinfo=timezone.utc).timestamp())
            except ValueError:
                break
            return (t + 86399 if end and gran == "day" else t), gran
    raise OaiError("badArgument", f"{name}={value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ")


def _check(params) -> tuple[str, dict]:
    """The verb and its arguments, with badVerb/badArgument for anything the protocol forbids."""
    verbs = [v for k, v in params if k == "verb"]
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise OaiError("badVerb", "Give exactly one verb: " + ", ".join(VERBS))
    args = {}
    for k, v in params:
        if k == "verb":
            continue
        if k in args:
            raise OaiError("badArgument", f"the argument {k} is repeated")
        args[k] = v
    verb = verbs[0]
    required, optional = VERBS[verb]
    if "resumptionToken" in args and verb in _RESUMABLE:
        if len(args) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument")
        return verb, args
    unknown = set(args) - required - optional
    if unknown:
        raise OaiError("badArgument", f"{verb} does not take {', '.join(sorted(unknown))}")
    missing = required - set(args)
    if missing:
        raise OaiError("badArgument", f"{verb} needs {', '.join(sorted(missing))}")
    return verb, args


def _token(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _untoken(token: str) -> dict:
    """The list request a resumptionToken continues; badResumptionToken if it is not one of ours."""
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        ok = (set(state) == {"p", "f", "u", "s", "k", "n"} and state["p"] in FORMATS
              and isinstance(state["n"], int) and state["n"] >= 0
              and all(state[x] is None or isinstance(state[x], str) for x in "fus")
              and isinstance(state["k"], list) and len(state["k"]) == 2
              and isinstance(state["k"][0], int) and isinstance(state["k"][1], str))
    except (ValueError, TypeError, UnicodeDecodeError):
        ok = False
    if not ok:
        raise OaiError("badResumptionToken", "The resumptionToken is not valid; start the list again")
    return state


# ---------------------------------------------------------------- responses

class Repository:
    """One archive as an OAI-PMH repository: where it is and what it says about itself."""

    def __init__(self, archive, site_url: str, oai_url: str, repository_id: str,
                 admin_email: str, name: str = PUBLISHER, page_size: int = PAGE_SIZE):
        self.archive, self.urls, self.oai_url = archive, export.Urls(site_url), oai_url
        self.repository_id, self.admin_email, self.name = repository_id, admin_email, name
        self.page_size = page_size

    def identifier(self, letter_id: str) -> str:
        return f"oai:{self.repository_id}:{letter_id}"

    def _entry(self, identifier: str) -> dict:
        prefix = f"oai:{self.repository_id}:"
        letter_id = identifier[len(prefix):] if identifier.startswith(prefix) else ""
        found = next((e for e in catalogue(self.archive) if e["id"] == letter_id), None)
        if found is None:
            raise OaiError("idDoesNotExist", f"No record {identifier!r} in this repository")
        return found

    def respond(self, params) -> bytes:
        """The response to one request, as UTF-8 XML bytes."""
        root = etree.Element(O + "OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI_NS})
        root.set(XSI_LOCATION, f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
        etree.SubElement(root, O + "responseDate").text = _stamp(int(datetime.now(timezone.utc).timestamp()))
        request = etree.SubElement(root, O + "request")
        request.text = self.oai_url
        payloads = []  # (parent, element): added after indenting, so TEI whitespace stays as it is
        try:
            verb, args = _check(params)
            for k, v in [("verb", verb), *args.items()]:
                request.set(k, v)
            getattr(self, "_" + verb)(etree.SubElement(root, O + verb), args, payloads)
        except OaiError as exc:
            if exc.code in ("badVerb", "badArgument"):
                request.attrib.clear()  # the protocol: echo no arguments that were not understood
            for child in root[2:]:
                root.remove(child)
            etree.SubElement(root, O + "error", code=exc.code).text = exc.message
            payloads = []
        etree.indent(root, "  ")
        for parent, element in payloads:
            level = sum(1 for _ in parent.iterancestors()) + 1
            if element.tag != "{%s}TEI" % TEI_NS:  # the TEI keeps its own whitespace
                etree.indent(element, "  ", level=level)
            parent.text, element.tail = "\n" + "  " * level, "\n" + "  " * (level - 1)
            parent.append(element)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"

    def _Identify(self, el, args, payloads):
        entries = catalogue(self.archive)
        earliest = min((e["epoch"] for e in entries), default=int(datetime.now(timezone.utc).timestamp()))
        for tag, text in (("repositoryName", self.name), ("baseURL", self.oai_url), ("protocolVersion", "2.0"),
                          ("adminEmail", self.admin_email), ("earliestDatestamp", _stamp(earliest)),
                          ("deletedRecord", "no"), ("granularity", "YYYY-MM-DDThh:mm:ssZ")):
            etree.SubElement(el, O + tag).text = text
        if _DOMAIN.match(self.repository_id):  # the oai-identifier scheme needs a domain name
            desc = etree.SubElement(etree.SubElement(el, O + "description"), "{%s}oai-identifier" % ID_NS,
                                    nsmap={None: ID_NS})
            desc.set(XSI_LOCATION, f"{ID_NS} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd")
            sample = entries[0]["id"] if entries else "2005-05-16-hrw-kg"
            for tag, text in (("scheme", "oai"), ("repositoryIdentifier", self.repository_id),
                              ("delimiter", ":"), ("sampleIdentifier", self.identifier(sample))):
                etree.SubElement(desc, "{%s}%s" % (ID_NS, tag)).text = text

    def _ListMetadataFormats(self, el, args, payloads):
        if "identifier" in args:
            self._entry(args["identifier"])
        for prefix, (schema, ns) in FORMATS.items():
            fmt = etree.SubElement(el, O + "metadataFormat")
            for tag, text in (("metadataPrefix", prefix), ("schema", schema), ("metadataNamespace", ns)):
                etree.SubElement(fmt, O + tag).text = text

    def _ListSets(self, el, args, payloads):
        if "resumptionToken" in args:
            raise OaiError("badResumptionToken", "ListSets is complete in one response")
        labels = {f["value"].upper(): f["label"] for f in
                  self.archive.search("", limit=1)["facets"].get("country", [])}
        codes = sorted({c for e in catalogue(self.archive) for c in e["countries"]})
        sets = [("country", "Letters by the country they concern")]
        sets += [(f"country:{c}", labels.get(c, c)) for c in codes]
        for spec, name in sets:
            s = etree.SubElement(el, O + "set")
            etree.SubElement(s, O + "setSpec").text = spec
            etree.SubElement(s, O + "setName").text = name

    def _GetRecord(self, el, args, payloads):
        entry = self._entry(args["identifier"])
        _prefix(args["metadataPrefix"])
        self._record(el, entry, args["metadataPrefix"], payloads)

    def _ListIdentifiers(self, el, args, payloads):
        self._list(el, args, payloads, headers_only=True)

    def _ListRecords(self, el, args, payloads):
        self._list(el, args, payloads, headers_only=False)

    def _list(self, el, args, payloads, headers_only: bool):
        if "resumptionToken" in args:
            state = _untoken(args["resumptionToken"])
        else:
            state = {"p": _prefix(args["metadataPrefix"]), "f": args.get("from"), "u": args.get("until"),
                     "s": args.get("set"), "k": [-1, ""], "n": 0}
        try:
            low = _parse_date(state["f"], "from", False) if state["f"] else None
            high = _parse_date(state["u"], "until", True) if state["u"] else None
        except OaiError:
            if "resumptionToken" in args:  # only a token we did not write can hold a bad date
                raise OaiError("badResumptionToken", "The resumptionToken is not valid") from None
            raise
        if low and high and low[1] != high[1]:
            raise OaiError("badArgument", "from and until must have the same granularity")
        if low and high and low[0] > high[0]:
            raise OaiError("badArgument", "from is later than until")
        matching = [e for e in catalogue(self.archive)
                    if (not low or e["epoch"] >= low[0]) and (not high or e["epoch"] <= high[0])
                    and _in_set(e, state["s"])]
        if not matching:
            raise OaiError("noRecordsMatch", "No letters match these arguments")
        rest = [e for e in matching if (e["epoch"], e["id"]) > tuple(state["k"])]
        page = rest[:self.page_size]
        for entry in page:
            if headers_only:
                self._header(el, entry)
            else:
                self._record(el, entry, state["p"], payloads)
        if len(rest) > len(page) or state["n"]:
            token = etree.SubElement(el, O + "resumptionToken", completeListSize=str(len(matching)),
                                     cursor=str(state["n"]))
            if len(rest) > len(page):
                last = page[-1]
                token.text = _token(dict(state, k=[last["epoch"], last["id"]], n=state["n"] + len(page)))

    def _header(self, parent, entry: dict):
        h = etree.SubElement(parent, O + "header")
        etree.SubElement(h, O + "identifier").text = self.identifier(entry["id"])
        etree.SubElement(h, O + "datestamp").text = _stamp(entry["epoch"])
        for code in entry["countries"]:
            etree.SubElement(h, O + "setSpec").text = f"country:{code}"

    def _record(self, parent, entry: dict, prefix: str, payloads):
        rec = etree.SubElement(parent, O + "record")
        self._header(rec, entry)
        try:
            tei = parse(self.archive.tei(entry["id"]), entry["id"])
        except (NotFound, ArchiveError):
            raise OaiError("idDoesNotExist", f"The letter {entry['id']} cannot be read now") from None
        payload = tei if prefix == "tei" else oai_dc(from_tree(tei), entry["version"], self.urls)
        payloads.append((etree.SubElement(rec, O + "metadata"), payload))


def _prefix(prefix: str) -> str:
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"Unknown metadataPrefix {prefix!r}: use {' or '.join(FORMATS)}")
    return prefix


def _in_set(entry: dict, spec: str | None) -> bool:
    if not spec:
        return True
    if spec == "country":
        return bool(entry["countries"])
    return spec.startswith("country:") and spec[len("country:"):].upper() in entry["countries"]


def oai_dc(letter, version: str, urls: export.Urls):
    """Simple Dublin Core for a letter (the mapping in docs/exports.md)."""
    dc = etree.Element("{%s}dc" % OAI_DC_NS, nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS})
    dc.set(XSI_LOCATION, f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    orgs = [o["name"] for o in letter.sender.get("organisations", []) if o.get("name")]
    signatories = [s["name"] for s in letter.sender.get("signatories", []) if s.get("name")]
    to = [", ".join(x for x in (a.get("name"), a.get("role")) if x) for a in letter.addressees]
    description = "Open letter" + (f" from {', '.join(orgs or signatories)}" if orgs or signatories else "") + \
        (f" to {'; '.join(filter(None, to))}" if any(to) else "") + "."
    fields = [("title", letter.title), *[("creator", n) for n in orgs + signatories],
              ("date", letter.date or ""), *[("subject", c.get("name") or c["code"]) for c in letter.countries],
              *[("subject", (i.get("name") or i["id"]) + (f", art. {', '.join(i['articles'])}" if i.get("articles") else ""))
                for i in letter.instruments],
              ("description", description), ("publisher", PUBLISHER), ("type", "Text"),
              ("format", "application/tei+xml"), ("language", letter.language),
              ("identifier", urls.letter(letter.id)), ("identifier", urls.version(letter.id, version)),
              ("relation", letter.source.get("url", "")), ("relation", urls.tei(letter.id))]
    for tag, text in fields:
        if text:
            etree.SubElement(dc, DC + tag).text = text
    return dc
