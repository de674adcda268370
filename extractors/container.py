"""Gatekeeper for untrusted packet bytes: decide, before python-docx sees anything, whether a
file is a Word document we can safely review, and say why not in words a manager understands.

`check_container` never returns for a file python-docx would choke on: every such file raises
`PacketRejected(source, reason, code)`. For Strict OOXML and macro-enabled (.docm) files it
returns a normalised copy (`ContainerInfo.package`) that later stages must open instead of the
original: transitional namespaces, macros removed. The original bytes are never changed.

Reasons never contain packet text; codes are stable (see CODES and docs/ROBUSTNESS.md).
"""
from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from promolint.deadline import check_deadline
from promolint.errors import PacketRejected
from promolint.ooxml import CP_NS, CT_NS, M_NS, R_NS, RELS_NS, RT_OFFICE_DOCUMENT, W_NS

# Stable rejection codes (tests, the cycle summary and docs/ROBUSTNESS.md rely on them).
CODES = {
    "empty": "the file has no bytes",
    "too-large": "over a size limit (file, unpacked size)",
    "encrypted": "password-protected / encrypted (OOXML in an OLE container, or encrypted .doc)",
    "legacy-doc": "Word 97-2003 .doc, Word 2.0, or Word 2003 XML: needs saving as .docx",
    "not-word": "some other format (PDF, RTF, HTML, text, ODF, Excel, PowerPoint, WordPerfect...)",
    "corrupt-zip": "truncated or damaged zip, bad CRC",
    "corrupt-docx": "a valid zip whose Word structure is broken (missing parts, malformed XML)",
    "zip-bomb": "unpacks to far more than it weighs, or has an absurd number of parts",
    "template": ".dotx/.dotm: a template, not a packet",
    "unsafe-xml": "DTD/ENTITY declarations or nesting deeper than the limit",
    "too-long": "more paragraphs or characters than the review limits",
    "no-text": "no visible text in the document body",
    "timeout": "the per-packet time limit ran out",
    "unreadable": "anything else we could not read (an internal error, never a traceback)",
}

W_MAIN, NS_RELS, NS_CT = W_NS, RELS_NS, CT_NS
W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
RT_OFFICE_DOCUMENT_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"

CT_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CT_DOTX = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
CT_DOCM = "application/vnd.ms-word.document.macroEnabled.main+xml"
CT_DOTM = "application/vnd.ms-word.template.macroEnabledTemplate.main+xml"

# Parts python-docx parses as XML when reachable: a malformed one makes it fail to open.
_PARSED_CT = {
    CT_DOCX,
    "application/vnd.openxmlformats-package.core-properties+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
}

# Root element python-docx expects for each part type it parses (a wrong root fails late, oddly).
_CP = CP_NS
_ROOTS = {
    CT_DOCX: "document", CT_DOCM: "document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml": "comments",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml": "ftr",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml": "hdr",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml": "numbering",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml": "settings",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml": "styles",
}

# Macro-carrying parts dropped from a .docm before review (content types, lower case).
_MACRO_CT = {
    "application/vnd.ms-office.vbaproject",
    "application/vnd.ms-word.vbadata+xml",
    "application/vnd.ms-office.vbaprojectsignature",
    "application/vnd.ms-office.vbaprojectsignatureagile",
    "application/vnd.ms-office.vbaprojectsignaturev3",
    "application/vnd.ms-word.keymapcustomizations+xml",
    "application/vnd.ms-word.attachedtoolbars",
}

# ISO/IEC 29500 Strict -> Transitional namespace and relationship-type mapping. Longest first,
# so specific relationship types are rewritten before their common prefix.
_STRICT_MAP: list[tuple[bytes, bytes]] = sorted(
    [
        (b"http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties",
         b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"),
        (b"http://purl.oclc.org/ooxml/officeDocument/relationships/customProperties",
         b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"),
        (b"http://purl.oclc.org/ooxml/officeDocument/relationships", R_NS.encode()),
        (W_STRICT.encode(), W_NS.encode()),
        (b"http://purl.oclc.org/ooxml/drawingml/main", b"http://schemas.openxmlformats.org/drawingml/2006/main"),
        (b"http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing",
         b"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"),
        (b"http://purl.oclc.org/ooxml/drawingml/picture", b"http://schemas.openxmlformats.org/drawingml/2006/picture"),
        (b"http://purl.oclc.org/ooxml/drawingml/chartDrawing",
         b"http://schemas.openxmlformats.org/drawingml/2006/chartDrawing"),
        (b"http://purl.oclc.org/ooxml/drawingml/chart", b"http://schemas.openxmlformats.org/drawingml/2006/chart"),
        (b"http://purl.oclc.org/ooxml/drawingml/diagram", b"http://schemas.openxmlformats.org/drawingml/2006/diagram"),
        (b"http://purl.oclc.org/ooxml/drawingml/lockedCanvas",
         b"http://schemas.openxmlformats.org/drawingml/2006/lockedCanvas"),
        (b"http://purl.oclc.org/ooxml/officeDocument/math", M_NS.encode()),
        (b"http://purl.oclc.org/ooxml/officeDocument/sharedTypes",
         b"http://schemas.openxmlformats.org/officeDocument/2006/sharedTypes"),
        (b"http://purl.oclc.org/ooxml/officeDocument/customXml",
         b"http://schemas.openxmlformats.org/officeDocument/2006/customXml"),
        (b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
         b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"),
        (b"http://purl.oclc.org/ooxml/officeDocument/customProperties",
         b"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"),
        (b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
         b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"),
        (b"http://purl.oclc.org/ooxml/officeDocument/bibliography",
         b"http://schemas.openxmlformats.org/officeDocument/2006/bibliography"),
        (b"http://purl.oclc.org/ooxml/schemaLibrary/main", b"http://schemas.openxmlformats.org/schemaLibrary/2006/main"),
    ],
    key=lambda kv: -len(kv[0]),
)
_STRICT_RE = re.compile(b"|".join(re.escape(k) for k, _ in _STRICT_MAP))
_STRICT_LOOKUP = dict(_STRICT_MAP)
_CONFORMANCE_RE = re.compile(rb'\s[A-Za-z_][\w.-]*:conformance="strict"')

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RATIO_GRACE_BYTES = 1024 * 1024  # small members may compress well; only big ones can be bombs
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ContainerInfo:
    """What the extractor and annotator need to know about a file that passed the checks."""

    package: bytes  # bytes to open with python-docx: the original, or a normalised copy
    main_part: str  # zip member name of the main document part, e.g. "word/document.xml"
    content_type: str  # the main part's original content type
    is_macro: bool  # was .docm: macros were dropped from `package`
    is_strict: bool  # was Strict OOXML: `package` uses transitional namespaces
    members: int
    uncompressed_bytes: int
    paragraphs: int  # w:p elements in the main part (text boxes and tables included)
    text_chars: int  # characters inside w:t in the main part (deleted text excluded)
    max_depth: int
    # The unpacked members and the trees of the parts python-docx parses (parsed with its parser),
    # so the extractor can open the document without unzipping and parsing it again. Only valid
    # for the original package (not a normalised copy); `take_parsed` hands the trees over once.
    parts: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)
    parsed: dict[str, etree._Element] = field(default_factory=dict, repr=False, compare=False)

    @property
    def normalized(self) -> bool:
        return self.is_macro or self.is_strict

    def take_parsed(self) -> dict[str, etree._Element]:
        """The parsed trees, once: a second Document opened from this info must not share them."""
        trees = dict(self.parsed)
        self.parsed.clear()
        return trees


class _Reject(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(code)
        self.code = code
        self.reason = reason


def check_container(data: bytes, source: str, limits) -> ContainerInfo:
    """Accept `data` as a reviewable Word document or raise PacketRejected. Never anything else."""
    try:
        return _check(data, limits)
    except _Reject as r:
        raise PacketRejected(source, r.reason, r.code) from None
    except PacketRejected:
        raise  # e.g. a packet_deadline timeout firing inside us
    except MemoryError:
        raise PacketRejected(source, "is too large to open within the memory limit", "too-large") from None
    except Exception:  # noqa: BLE001 - the contract is "a reason, never a traceback"
        raise PacketRejected(source, "could not be read as a Word document (it appears damaged)", "unreadable") from None


def too_large_reason(size: int, limit: int) -> str:
    """The one wording for a file over limits.max_file_bytes, whoever finds it (stat or gate)."""
    return f"is too large to review ({_mb(size)}; the limit is {_mb(limit)})"


def _check(data: bytes, limits) -> ContainerInfo:
    if not data:
        raise _Reject("empty", "is empty (0 bytes)")
    if len(data) > limits.max_file_bytes:
        raise _Reject("too-large", too_large_reason(len(data), limits.max_file_bytes))
    if data.startswith(_OLE_MAGIC):
        _reject_ole(data)
    if not data.startswith(b"PK"):
        _reject_non_zip(data)
    return _check_zip(data, limits)


# ---------------------------------------------------------------- not a zip


def _reject_ole(data: bytes) -> None:
    """OLE compound file: encrypted OOXML, legacy .doc, or some other Office binary. Always rejects."""
    import olefile

    try:
        ole = olefile.OleFileIO(data)
    except Exception:  # noqa: BLE001 - a broken OLE header is just a damaged file
        raise _Reject("not-word", "is not a Word document (an unreadable Office binary file)") from None
    try:
        if ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage"):
            raise _Reject("encrypted", "is password-protected (encrypted); remove the password in Word and submit it again")
        if ole.exists("WordDocument"):
            fib = ole.openstream("WordDocument").read(12)
            if len(fib) >= 12 and int.from_bytes(fib[10:12], "little") & 0x0100:  # FIB fEncrypted
                raise _Reject("encrypted", "is a password-protected Word 97-2003 (.doc) file; remove the password, "
                                           "save it as .docx and submit it again")
            raise _Reject("legacy-doc", "is an old Word 97-2003 (.doc) file; open it in Word, save it as .docx and submit it again")
        kinds = {"Workbook": "an Excel workbook", "Book": "an Excel workbook",
                 "PowerPoint Document": "a PowerPoint presentation", "VisioDocument": "a Visio drawing",
                 "__properties_version1.0": "an Outlook message"}
        for stream, what in kinds.items():
            if ole.exists(stream):
                raise _Reject("not-word", f"is not a Word document (it is {what})")
        raise _Reject("not-word", "is not a Word document (an Office binary file of another kind)")
    finally:
        ole.close()


def _reject_non_zip(data: bytes) -> None:
    head = data[:4096]
    if head[:4] in (b"\xdb\xa5\x2d\x00", b"\x31\xbe\x00\x00"):
        raise _Reject("legacy-doc", "is a very old Word file (Word 2.0 or earlier); open it in Word, save it as .docx and submit it again")
    text = _sniff_text(head)
    if text is not None:
        low = text.lstrip("\ufeff \t\r\n").lower()
        if low.startswith("{\\rtf"):
            raise _Reject("not-word", "is not a Word document (it is an RTF file); open it in Word, save it as .docx and submit it again")
        if "<w:worddocument" in low or "schemas.microsoft.com/office/word/2003/wordml" in low:
            raise _Reject("legacy-doc", "is a Word 2003 XML document; open it in Word, save it as .docx and submit it again")
        if "pkg:package" in low and "schemas.microsoft.com/office/2006/xmlpackage" in low:
            raise _Reject("not-word", "is a Word XML (flat) document, not a .docx; open it in Word, save it as .docx and submit it again")
        if low.startswith(("<!doctype html", "<html")) or "<html" in low[:1024]:
            raise _Reject("not-word", "is not a Word document (it is a web page, HTML); save it as .docx and submit it again")
        if low.startswith("mime-version:"):
            raise _Reject("not-word", "is not a Word document (it is a web archive, MHT); save it as .docx and submit it again")
    if data.startswith(b"%PDF-"):
        raise _Reject("not-word", "is not a Word document (it is a PDF); submit the original .docx")
    if data[:4] == b"\xffWPC" or data[:4] == b"\xcb\x0a\x01\xf6":
        raise _Reject("not-word", "is not a Word document (it is a WordPerfect file); save it as .docx and submit it again")
    if text is not None:
        raise _Reject("not-word", "is not a Word document (it is plain text)")
    raise _Reject("not-word", "is not a Word document (unrecognised file type)")


def _sniff_text(head: bytes) -> str | None:
    """The head decoded as text when it looks like text, else None."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom):].decode(enc, errors="ignore")
    if b"\x00" in head:
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start >= len(head) - 4:  # a multi-byte character cut by our 4 KB window
            return head[: e.start].decode("utf-8")
    return None


# ---------------------------------------------------------------- zip


def _check_zip(data: bytes, limits) -> ContainerInfo:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, IndexError, KeyError,
            NotImplementedError, struct.error):
        raise _Reject("corrupt-zip", "is damaged or incomplete (the file looks cut short or corrupted); "
                                     "save or download it again and resubmit") from None

    if len(infos) > limits.max_zip_members:
        raise _Reject("zip-bomb", f"has too many internal parts ({len(infos)}; the limit is {limits.max_zip_members})")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_uncompressed_bytes:
        raise _Reject("zip-bomb", f"unpacks to {_mb(declared)}, over the safety limit of {_mb(limits.max_uncompressed_bytes)}")
    for i in infos:
        if i.file_size > _RATIO_GRACE_BYTES and i.file_size > limits.max_compression_ratio * max(i.compress_size, 1):
            raise _Reject("zip-bomb", "is compressed suspiciously well (a zip bomb); it was not opened")
        if i.flag_bits & 0x1:
            raise _Reject("encrypted", "is password-protected (encrypted); remove the password and submit it again")

    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        if "mimetype" in names and zf.read("mimetype")[:100].startswith(b"application/vnd.oasis.opendocument"):
            raise _Reject("not-word", "is not a Word document (it is an OpenDocument file); save it as .docx and submit it again")
        raise _Reject("not-word", "is not a Word document (it is a zip archive of another kind)")

    parts = _read_members(zf, infos, limits)
    ct = _content_types(parts)
    main, is_strict = _main_part(parts)
    if main not in parts:
        raise _Reject("corrupt-docx", "is damaged: its main document part is missing; open it in Word, save a copy and resubmit")
    main_ct = ct(main)
    if main_ct in (CT_DOTX, CT_DOTM):
        kind = ".dotm" if main_ct == CT_DOTM else ".dotx"
        raise _Reject("template", f"is a Word template ({kind}), not a document; create a document from it, "
                                  "save it as .docx and submit that")
    if main_ct not in (CT_DOCX, CT_DOCM):
        raise _Reject("not-word", "is not a Word document (an Office file of another kind)")
    is_macro = main_ct == CT_DOCM

    reachable = _walk(parts, ct)
    parsed: dict[str, etree._Element] = {}
    stats = _scan_xml(parts, ct, main, reachable, limits, parsed)
    if stats.paragraphs > limits.max_paragraphs:
        raise _Reject("too-long", f"is too long to review (more than {limits.max_paragraphs:,} paragraphs)")
    if stats.chars > limits.max_chars:
        raise _Reject("too-long", f"is too long to review (more than {limits.max_chars:,} characters)")
    if stats.visible == 0:
        raise _Reject("no-text", "contains no text to review")

    package = data
    if is_macro or is_strict:
        package = _normalise(infos, parts, ct, main, reachable, is_macro, is_strict)
    return ContainerInfo(
        package=package, main_part=main, content_type=main_ct, is_macro=is_macro, is_strict=is_strict,
        members=len(infos), uncompressed_bytes=sum(len(b) for b in parts.values()),
        paragraphs=stats.paragraphs, text_chars=stats.chars, max_depth=stats.depth,
        parts=parts if package is data else {}, parsed=parsed if package is data else {},
    )


def _read_members(zf: zipfile.ZipFile, infos, limits) -> dict[str, bytes]:
    """Every member, decompressed while counting: declared sizes are not trusted; CRCs are checked."""
    budget = limits.max_uncompressed_bytes
    parts: dict[str, bytes] = {}
    for info in infos:
        if info.is_dir():
            continue
        check_deadline()
        buf = bytearray()
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(_READ_CHUNK):
                    budget -= len(chunk)
                    if budget < 0:
                        raise _Reject("zip-bomb", f"unpacks to more than the safety limit of {_mb(limits.max_uncompressed_bytes)}")
                    buf += chunk
        except _Reject:
            raise
        except NotImplementedError:
            raise _Reject("corrupt-zip", "uses a compression method Word does not; save it again from Word") from None
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, Exception) as e:  # zlib.error too
            if isinstance(e, RuntimeError) and "encrypted" in str(e):
                raise _Reject("encrypted", "is password-protected (encrypted); remove the password and submit it again") from None
            raise _Reject("corrupt-zip", "is damaged (a part fails its integrity check); save or download it again "
                                         "and resubmit") from None
        parts[info.filename] = bytes(buf)
    return parts


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False)


def _parse_small(blob: bytes, what: str) -> etree._Element:
    if b"<!DOCTYPE" in blob or b"<!ENTITY" in blob or b"<\x00!\x00D\x00O\x00C" in blob:
        raise _Reject("unsafe-xml", "contains XML declarations (DTD/entities) that Word files never use; it was not opened, for safety")
    try:
        return etree.fromstring(blob, _safe_parser())
    except etree.XMLSyntaxError:
        raise _Reject("corrupt-docx", f"is damaged: its {what} is not valid; open it in Word, save a copy and resubmit") from None


def _content_types(parts: dict[str, bytes]):
    root = _parse_small(parts["[Content_Types].xml"], "list of contents")
    if root.tag != f"{{{NS_CT}}}Types":
        raise _Reject("corrupt-docx", "is damaged: its list of contents is not valid; open it in Word, save a copy and resubmit")
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for el in root:
        if not isinstance(el.tag, str):
            continue
        tag = el.tag
        key, value = ("Extension", "ContentType") if tag == f"{{{NS_CT}}}Default" else ("PartName", "ContentType")
        if tag not in (f"{{{NS_CT}}}Default", f"{{{NS_CT}}}Override"):
            continue
        if el.get(key) is None or el.get(value) is None:  # python-docx fails on these
            raise _Reject("corrupt-docx", "is damaged: its list of contents is not valid; open it in Word, "
                                          "save a copy and resubmit")
        (defaults if key == "Extension" else overrides)[el.get(key).lower()] = el.get(value)

    def lookup(member: str) -> str | None:
        hit = overrides.get("/" + member.lower())
        if hit is None:
            ext = posixpath.splitext(member)[1][1:].lower()
            hit = defaults.get(ext)
        return hit

    return lookup


def _rels_name(member: str) -> str:
    d, f = posixpath.split(member)
    return posixpath.join(d, "_rels", f + ".rels")


def _rels(parts: dict[str, bytes], source_member: str) -> list[tuple[str, str]]:
    """(type, target member) of the internal relationships of `source_member` ("" = package)."""
    name = "_rels/.rels" if source_member == "" else _rels_name(source_member)
    blob = parts.get(name)
    if blob is None:
        return []
    root = _parse_small(blob, "list of relationships")
    if root.tag != f"{{{NS_RELS}}}Relationships":
        raise _Reject("corrupt-docx", "is damaged: a list of relationships is not valid; open it in Word, save a copy and resubmit")
    base = posixpath.dirname(source_member)
    out = []
    for el in root:
        if not isinstance(el.tag, str) or el.tag != f"{{{NS_RELS}}}Relationship":
            continue
        if el.get("Id") is None or el.get("Type") is None or el.get("Target") is None:
            raise _Reject("corrupt-docx", "is damaged: a relationship is incomplete; open it in Word, save a copy and resubmit")
        if (el.get("TargetMode") or "Internal") == "External":
            continue
        target = el.get("Target") or ""
        member = posixpath.normpath(target[1:] if target.startswith("/") else posixpath.join(base, target))
        out.append((el.get("Type") or "", member.lstrip("/")))
    return out


def _main_part(parts: dict[str, bytes]) -> tuple[str, bool]:
    if "_rels/.rels" not in parts:
        raise _Reject("corrupt-docx", "is damaged: it has no table of contents (_rels/.rels); open it in Word, save a copy and resubmit")
    for rtype, member in _rels(parts, ""):
        if rtype == RT_OFFICE_DOCUMENT:
            return member, False
        if rtype == RT_OFFICE_DOCUMENT_STRICT:
            return member, True
    raise _Reject("not-word", "is not a Word document (an Office package without a main document)")


_RT = R_NS + "/"
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
# python-docx looks these parts up by relationship type and assumes the matching part class.
_RT_CT = {
    _RT + "styles": _WML + "styles+xml", _RT + "numbering": _WML + "numbering+xml",
    _RT + "settings": _WML + "settings+xml", _RT + "comments": _WML + "comments+xml",
    _RT + "header": _WML + "header+xml", _RT + "footer": _WML + "footer+xml",
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties":
        "application/vnd.openxmlformats-package.core-properties+xml",
}


def _walk(parts: dict[str, bytes], ct) -> set[str]:
    """Parts reachable from the package relationships, as python-docx loads them."""
    seen: set[str] = set()
    todo = [""]
    while todo:
        src = todo.pop()
        rels = _rels(parts, src)
        singles = [t for t, _m in rels if t in _RT_CT and not t.endswith(("/header", "/footer"))]
        if len(singles) != len(set(singles)):  # python-docx raises on a second styles/comments/... part
            kind = next(t for t in singles if singles.count(t) > 1).rsplit("/", 1)[-1]
            raise _Reject("corrupt-docx", f"is damaged: it has two {kind} parts; open it in Word, save a copy and resubmit")
        for rtype, member in rels:
            if member not in parts:
                raise _Reject("corrupt-docx", "is damaged: a part it refers to is missing; open it in Word, "
                                              "save a copy and resubmit")
            if ct(member) is None:
                raise _Reject("corrupt-docx", "is damaged: a part has no declared type; open it in Word, save a copy and resubmit")
            if rtype in _RT_CT and ct(member) != _RT_CT[rtype]:
                raise _Reject("corrupt-docx", "is damaged: a part has the wrong declared type; open it in Word, "
                                              "save a copy and resubmit")
            if member in seen:
                continue
            seen.add(member)
            todo.append(member)
    return seen


# ---------------------------------------------------------------- XML scan
#
# Parts python-docx parses (the main part, styles, numbering, ...) are parsed here once, in C, with
# python-docx's own parser, and the trees are handed to `open_checked` so python-docx does not parse
# them again. Other XML parts are never parsed by anyone downstream: for them only DTD/ENTITY
# declarations matter, and a byte search proves their absence in any ASCII-compatible encoding.


@dataclass
class _Stats:
    depth: int = 0
    paragraphs: int = 0
    chars: int = 0
    visible: int = 0


_NS = {"w": W_MAIN, "s": W_STRICT}
_COUNT_P = etree.XPath("count(//w:p) + count(//s:p)", namespaces=_NS)
_T_TEXT = etree.XPath("//w:t/text() | //s:t/text()", namespaces=_NS, smart_strings=False)
_DEPTH_PROBES: dict[int, etree.XPath] = {}
_UNSAFE_DTD = "contains XML declarations (DTD/entities) that Word files never use; it was not opened, for safety"
# libxml2 (python-docx's parser) refuses deeper documents unless XML_PARSE_HUGE is set.
_LIBXML_MAX_DEPTH = 256
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY", "<!DOC".encode("utf-16-le"), "<!DOC".encode("utf-16-be"))
_XML_ENCODING = re.compile(rb'^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["\']([A-Za-z0-9._:-]+)["\']')
_ASCII_SAFE_ENCODINGS = re.compile(r"^(?:utf-?8|us-ascii|ascii|iso[-_]?8859-\d+|latin-?1|(?:windows|cp)-?125\d)$")


def _docx_parser() -> etree.XMLParser:
    from docx.oxml.parser import oxml_parser  # remove_blank_text, resolve_entities=False, element classes

    return oxml_parser


def _probe(root: etree._Element, depth: int) -> bool:
    """Is there an element `depth` levels deep (the root is level 1)? One C-level XPath walk."""
    xp = _DEPTH_PROBES.get(depth)
    if xp is None:
        xp = _DEPTH_PROBES[depth] = etree.XPath("boolean(" + "/*" * depth + ")")
    return bool(xp(root))


def _depth(root: etree._Element, limit: int, floor: int = 0) -> int:
    """Exact nesting depth of the tree, or `floor` if it is no deeper (the deepest part so far: the
    packet's figure is the maximum); rejects a tree deeper than `limit`."""
    if _probe(root, limit + 1):
        raise _Reject("unsafe-xml", f"has XML nested more than {limit} levels deep; it was not opened, for safety")
    if floor and not _probe(root, floor + 1):
        return floor
    hi = 8
    while hi <= limit and _probe(root, hi):
        hi *= 2
    lo, hi = hi // 2, min(hi, limit + 1)  # depth in [lo, hi)
    if lo < 1 or not _probe(root, lo):
        lo = 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _probe(root, mid):
            lo = mid
        else:
            hi = mid
    return lo


def _dtd_in_bytes(blob: bytes) -> bool:
    return any(mark in blob for mark in _DTD_MARKS)


def _ascii_compatible(blob: bytes) -> bool:
    """Does a byte search for '<!DOCTYPE' see every declaration libxml2 would? (UTF-8, Latin-1, ...)"""
    head = blob[:256]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]:
        return False
    m = _XML_ENCODING.match(head)
    return m is None or bool(_ASCII_SAFE_ENCODINGS.match(m.group(1).decode("ascii").lower()))


def _has_doctype(root: etree._Element) -> bool:
    info = root.getroottree().docinfo
    return bool(info.doctype) or info.internalDTD is not None or info.externalDTD is not None


def _parse_checked(blob: bytes, parser: etree.XMLParser, critical: bool) -> etree._Element | None:
    """Parse one part (C only, no callbacks): None for a broken non-critical part."""
    if _dtd_in_bytes(blob):
        raise _Reject("unsafe-xml", _UNSAFE_DTD)
    try:
        root = etree.fromstring(blob, parser)
    except etree.XMLSyntaxError as e:
        if "excessive depth" in str(e).lower():
            raise _Reject("unsafe-xml", f"has XML nested more than {_LIBXML_MAX_DEPTH} levels deep; "
                                        "it was not opened, for safety") from None
        if critical:
            raise _Reject("corrupt-docx", "is damaged: part of its content is not valid XML; open it in Word, "
                                          "save a copy and resubmit") from None
        return None
    except ValueError:  # e.g. lxml refusing an encoding declaration
        if critical:
            raise _Reject("corrupt-docx", "is damaged: part of its content is not valid XML; open it in Word, "
                                          "save a copy and resubmit") from None
        return None
    if _has_doctype(root):
        raise _Reject("unsafe-xml", _UNSAFE_DTD)
    return root


def _is_xml(member: str, ctype: str | None) -> bool:
    low = member.lower()
    return low.endswith((".xml", ".rels", ".vml")) or bool(ctype and (ctype.endswith("+xml") or ctype.endswith("/xml")))


def _scan_xml(parts, ct, main: str, reachable: set[str], limits, parsed: dict[str, etree._Element]) -> _Stats:
    """Check every XML part: no DTD/entities anywhere; parts python-docx parses must parse (with its
    parser), have the expected root and stay within the depth limit. Their trees go into `parsed`."""
    max_depth = min(limits.max_xml_depth, _LIBXML_MAX_DEPTH)
    result = _Stats()
    for member, blob in parts.items():
        check_deadline()
        ctype = ct(member)
        if not _is_xml(member, ctype):
            continue
        package_xml = member.endswith(".rels") or member == "[Content_Types].xml"
        docx_parsed = member == main or (member in reachable and ctype in _PARSED_CT)
        if not (package_xml or docx_parsed):
            # Nobody parses this part as XML downstream (it is copied as bytes): only declarations matter.
            if _ascii_compatible(blob):
                if _dtd_in_bytes(blob):
                    raise _Reject("unsafe-xml", _UNSAFE_DTD)
            else:
                _parse_checked(blob, _safe_parser(), critical=False)
            continue
        root = _parse_checked(blob, _docx_parser() if docx_parsed else _safe_parser(), critical=True)
        result.depth = max(result.depth, _depth(root, max_depth, result.depth))
        if docx_parsed:
            _check_root(root.tag, ctype, member == main)
            parsed[member] = root
        if member == main:
            result.paragraphs = int(_COUNT_P(root))
            texts = _T_TEXT(root)
            result.chars = sum(map(len, texts))
            result.visible = int(any(t.strip() for t in texts))
    return result


def _check_root(root: str | None, ctype: str | None, is_main: bool) -> None:
    if ctype == "application/vnd.openxmlformats-package.core-properties+xml":
        ok = root == f"{{{_CP}}}coreProperties"
    elif ctype in _ROOTS or is_main:
        local = _ROOTS.get(ctype, "document")
        ok = root in (f"{{{W_MAIN}}}{local}", f"{{{W_STRICT}}}{local}")
    else:
        return
    if not ok:
        raise _Reject("corrupt-docx", "is damaged: part of it is not laid out the way Word writes it; "
                                      "open it in Word, save a copy and resubmit")


# ---------------------------------------------------------------- normalisation


def _normalise(infos, parts, ct, main, reachable, is_macro: bool, is_strict: bool) -> bytes:
    """A transitional, macro-free .docx with the same text: what python-docx and the annotator open."""
    drop: set[str] = set()
    if is_macro:
        drop = {m for m in parts if (ct(m) or "").lower() in _MACRO_CT}
        drop |= {_rels_name(m) for m in drop}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zw:
        for info in infos:
            name = info.filename
            if info.is_dir() or name in drop:
                continue
            blob = parts[name]
            if name == "[Content_Types].xml":
                blob = _fix_content_types(blob, main, drop, is_macro)
            elif name.endswith(".rels") and is_macro:
                blob = _drop_rels_to(blob, name, drop)
            if is_strict and _is_xml(name, ct(name)):
                blob = _strict_to_transitional(blob)
                if name == main:
                    blob = _CONFORMANCE_RE.sub(b"", blob, count=1)
            zw.writestr(name, blob)
    return out.getvalue()


def _fix_content_types(blob: bytes, main: str, drop: set[str], is_macro: bool) -> bytes:
    root = etree.fromstring(blob, _safe_parser())
    for el in list(root):
        if not isinstance(el.tag, str):
            continue
        part = (el.get("PartName") or "").lstrip("/")
        if part in drop:
            root.remove(el)
        elif is_macro and part == main:
            el.set("ContentType", CT_DOCX)
        elif el.get("ContentType", "").lower() == "application/vnd.ms-office.vbaproject":
            root.remove(el)  # Default Extension="bin" for macros; no remaining part needs it
    if is_macro and not any(isinstance(e.tag, str) and (e.get("PartName") or "").lstrip("/") == main for e in root):
        etree.SubElement(root, f"{{{NS_CT}}}Override", PartName="/" + main, ContentType=CT_DOCX)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _drop_rels_to(blob: bytes, rels_member: str, drop: set[str]) -> bytes:
    # rels for "word/_rels/document.xml.rels" point relative to "word/"
    base = posixpath.dirname(posixpath.dirname(rels_member))
    root = etree.fromstring(blob, _safe_parser())
    changed = False
    for el in list(root):
        if not isinstance(el.tag, str) or (el.get("TargetMode") or "") == "External":
            continue
        target = el.get("Target") or ""
        member = posixpath.normpath(target[1:] if target.startswith("/") else posixpath.join(base, target)).lstrip("/")
        if member in drop:
            root.remove(el)
            changed = True
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True) if changed else blob


def _strict_to_transitional(blob: bytes) -> bytes:
    if blob.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = blob.decode("utf-16")
        return _STRICT_RE.sub(lambda m: _STRICT_LOOKUP[m.group(0)], text.encode("utf-8")).decode("utf-8").encode("utf-16")
    return _STRICT_RE.sub(lambda m: _STRICT_LOOKUP[m.group(0)], blob)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"
