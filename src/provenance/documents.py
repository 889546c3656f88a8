"""Reading articles: files and folders of .txt, .md, .html/.htm and .jsonl, with metadata.

A document's id is its path relative to the folder argument it was found under (a file given
directly: its file name); a JSON Lines record's id is its `id` field. Identity is the id, never
the content. Plain-text and Markdown files may carry metadata in a sidecar JSON file named after
them: `story.txt` -> `story.txt.meta.json` (keys: title, outlet, published, url, author).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import InputError, LimitError
from .results import LoadFailure

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
# Document formats people keep articles in that this tool does not read: reported, not skipped
# in silence (a folder of PDFs must not check as "nothing found, original").
UNSUPPORTED_SUFFIXES = {".pdf": "PDF", ".docx": "Word", ".doc": "Word", ".odt": "OpenDocument",
                        ".rtf": "RTF", ".epub": "EPUB", ".pages": "Pages"}
SUPPORTED = "plain text (.txt, .md), HTML (.html, .htm), JSON Lines (.jsonl)"
_MAGIC = ((b"%PDF-", "PDF"), (b"PK\x03\x04", "a ZIP container (Word, OpenDocument, EPUB...)"),
          (b"{\\rtf", "RTF"), (b"\xd0\xcf\x11\xe0", "an old Office document"))
SIDECAR_SUFFIX = ".meta.json"
METADATA_KEYS = ("title", "outlet", "published", "url", "author")
DEFAULT_MAX_CHARS = 5_000_000
MAX_SIDECAR_BYTES = 1_000_000  # metadata is a few fields; a larger file is not metadata


@dataclass(frozen=True)
class Document:
    """An article: its text and what is known about it."""

    id: str
    text: str
    path: str | None = None
    format: str = "txt"
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    author: str | None = None
    line: int | None = None  # the JSON Lines record's line number (1-based)
    warnings: tuple[str, ...] = field(default=(), compare=False)
    # "checked" when `ci --update-index` added it (the checked collection's own, whose later
    # versions are revisions of it); None for a corpus source.
    collection: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()

    def metadata(self) -> dict[str, str | None]:
        """What an index stores beside the text (`collection` only when set, so a corpus
        document's stored metadata is what it always was)."""
        meta = {key: getattr(self, key) for key in METADATA_KEYS}
        if self.collection:
            meta["collection"] = self.collection
        return meta


# --- Decoding ----------------------------------------------------------------------------------


def decode(data: bytes, name: str = "input") -> tuple[str, tuple[str, ...]]:
    """Decode bytes as UTF-8 (BOM or not) or UTF-16 with BOM, else Windows-1252 with a warning.

    Raises InputError for empty, binary or undecodable input.
    """
    warnings: tuple[str, ...] = ()
    if data.startswith(b"\xef\xbb\xbf"):
        text = _strict(data[3:], "utf-8", name)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _strict(data, "utf-16", name)
    else:
        if b"\x00" in data:
            raise InputError(f"{name}: binary file (contains NUL bytes)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise InputError(
                    f"{name}: cannot decode: not UTF-8 ({exc.reason} at byte {exc.start}) "
                    "and not Windows-1252"
                ) from None
            warnings = (f"{name}: not valid UTF-8 (byte {exc.start}); read as Windows-1252",)
    if "\x00" in text:
        raise InputError(f"{name}: binary file (contains NUL characters)")
    if text.strip() and _mostly_control(text):
        raise InputError(f"{name}: binary file (mostly control characters)")
    return text, warnings


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: cannot decode as {encoding.upper()} despite its byte-order mark ({exc.reason})") from None


_NOT_PLAIN = re.compile(r"[^\x20-\x7e\n\r\t\f\v]")


def _mostly_control(text: str) -> bool:
    # Only characters outside printable ASCII need a Unicode category look-up: this runs on
    # every document an index adds.
    # Each distinct one once: a Cyrillic or Urdu article repeats a few dozen letters thousands
    # of times.
    sample = text[:65536]
    found = _NOT_PLAIN.findall(sample)
    if len(found) <= 0.1 * len(sample):
        return False
    control = sum(n for c, n in Counter(found).items()
                  if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn"))
    return control > 0.1 * len(sample)


# --- Single files ------------------------------------------------------------------------------


def _read_bytes(path: Path, shown: str, max_chars: int) -> bytes:
    try:
        st = path.stat()
    except OSError as exc:  # missing, a dangling link, a symlink loop (ELOOP), no permission
        raise InputError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{shown}: is a directory, not an article file")
    if not stat.S_ISREG(st.st_mode):
        # A FIFO would block forever and /dev/zero never ends: only regular files are read.
        raise InputError(f"{shown}: not a regular file (a device, FIFO or socket)")
    # A character takes at most 4 bytes in UTF-8 (UTF-16: 4 as well, surrogate pairs), so a
    # larger file is refused before it is read into memory.
    if st.st_size > 4 * max_chars:
        raise LimitError(f"{shown}: {st.st_size:,} bytes exceeds the maximum article size of "
                         f"{max_chars:,} characters (setting max_article_chars)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {exc.strerror or exc}") from None


def unsupported(shown: str, kind: str) -> str:
    return f"{shown}: unsupported format {kind} (supported: {SUPPORTED}); convert it to text first"


def _refuse_known_formats(data: bytes, shown: str) -> None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise InputError(unsupported(shown, kind))


def document_from_bytes(data: bytes, doc_id: str, shown: str, max_chars: int = DEFAULT_MAX_CHARS
                        ) -> Document:
    """An article given as bytes (standard input): decoded and checked as a file would be; HTML
    when it looks like a page."""
    if len(data) > 4 * max_chars:
        raise LimitError(f"{shown}: more than {4 * max_chars:,} bytes exceeds the maximum article "
                         f"size of {max_chars:,} characters (setting max_article_chars)")
    _refuse_known_formats(data, shown)
    raw, warnings = decode(data, shown)
    if re.match(r"\s*(<!doctype html|<html)", raw[:1024], re.IGNORECASE):
        doc = _html_document(raw, doc_id, shown, warnings)
        _check_text(doc.text, shown, max_chars)
        return replace(doc, path=None)
    _check_text(raw, shown, max_chars)
    return Document(id=doc_id, text=raw, path=None, format="txt", warnings=warnings)


def _check_text(text: str, shown: str, max_chars: int) -> None:
    if not text.strip():
        raise InputError(f"{shown}: empty article (no text)")
    if len(text) > max_chars:
        raise LimitError(f"{shown}: {len(text):,} characters exceeds the maximum article size of "
                         f"{max_chars:,} (setting max_article_chars)")


def _sidecar(path: Path, shown: str) -> tuple[dict[str, str | None], tuple[str, ...]]:
    """Metadata from `NAME.meta.json` next to the file, and warnings. A broken sidecar loses
    only the metadata, never the article: it is reported and ignored."""
    side = path.with_name(path.name + SIDECAR_SUFFIX)
    if not side.is_file():
        return {}, ()
    try:
        size = side.stat().st_size
        if size > MAX_SIDECAR_BYTES:
            return {}, (f"{shown}: metadata file {side.name} is {size:,} bytes (at most "
                        f"{MAX_SIDECAR_BYTES:,}); metadata ignored",)
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return {}, (f"{shown}: unreadable metadata file {side.name} ({exc}); metadata ignored",)
    if not isinstance(data, dict):
        return {}, (f"{shown}: metadata file {side.name} must hold a JSON object; metadata ignored",)
    return {k: (whole_text(str(v)) if v is not None else None)
            for k, v in data.items() if k in METADATA_KEYS}, ()


def _html_document(raw: str, doc_id: str, shown: str, warnings: tuple[str, ...]) -> Document:
    import trafilatura  # imported lazily: it is slow to import and only HTML needs it

    try:
        # Dates only from the page's metadata: a date guessed from the body ("down 20 percent
        # from 2013 levels" gave 2013-01-01) would decide the direction of copying wrongly.
        extracted = trafilatura.bare_extraction(
            raw, with_metadata=True, include_comments=False, include_tables=False,
            deduplicate=False,
            date_extraction_params={"extensive_search": False, "original_date": True})
    except Exception as exc:  # lxml raises a variety of errors on hostile markup
        raise InputError(f"{shown}: cannot parse HTML: {exc}") from None
    if extracted is None or not (extracted.text or "").strip():
        raise InputError(f"{shown}: no article text found in the HTML")
    return Document(
        id=doc_id, text=extracted.text, path=shown, format="html",
        title=extracted.title or None, outlet=extracted.sitename or None,
        published=extracted.date or None, url=extracted.url or None,
        author=extracted.author or None, warnings=warnings,
    )


def load_document(path: str | os.PathLike[str], *, doc_id: str | None = None,
                  max_chars: int = DEFAULT_MAX_CHARS) -> Document:
    """Read one article file (.txt, .md, .html, .htm; anything else is read as plain text).

    Raises InputError (or its subclass LimitError) when the file cannot be used as an article.
    A .jsonl file holds many articles: use iter_documents for it.
    """
    p = Path(os.fspath(path))
    shown = readable_name(os.fspath(path))
    if p.suffix.lower() == ".jsonl":
        raise InputError(f"{shown}: a JSON Lines file holds several articles; give it as a corpus")
    doc_id = doc_id or readable_name(p.name)
    if p.suffix.lower() in UNSUPPORTED_SUFFIXES:
        raise InputError(unsupported(shown, UNSUPPORTED_SUFFIXES[p.suffix.lower()]))
    data = _read_bytes(p, shown, max_chars)
    _refuse_known_formats(data, shown)
    raw, warnings = decode(data, shown)
    if shown != os.fspath(path):
        warnings += (f"{shown}: the file name is not valid UTF-8; its other bytes are shown as \\x escapes",)
    if p.suffix.lower() in (".html", ".htm"):
        doc = _html_document(raw, doc_id, shown, warnings)
        _check_text(doc.text, shown, max_chars)
        return doc
    _check_text(raw, shown, max_chars)
    meta, meta_warnings = _sidecar(p, shown)
    fmt = "md" if p.suffix.lower() == ".md" else "txt"
    return Document(id=doc_id, text=raw, path=shown, format=fmt, warnings=warnings + meta_warnings,
                    **meta)


def iter_jsonl(path: str | os.PathLike[str], *, max_chars: int = DEFAULT_MAX_CHARS
               ) -> Iterator[Document | LoadFailure]:
    """Articles of a JSON Lines file; a broken line is a LoadFailure naming its line number.

    The file is read line by line (a corpus file may be far larger than one article); each line
    is decoded on its own (UTF-8, else Windows-1252 with a warning on that document). A file
    starting with a UTF-16 byte-order mark is decoded whole, within the article size limit.
    """
    real = os.fspath(path)
    shown = readable_name(real)
    name = Path(shown).name
    try:
        st = os.stat(real)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{shown}: not a regular file (a device, FIFO or socket)")
        with open(real, "rb") as fh:
            head = fh.read(2)
    except OSError as exc:
        yield LoadFailure(name, shown, f"{shown}: cannot read: {exc.strerror or exc}")
        return
    except InputError as exc:
        yield LoadFailure(name, shown, str(exc))
        return
    if head in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text, _ = decode(_read_bytes(Path(real), shown, max_chars * 4), shown)
        except InputError as exc:
            yield LoadFailure(name, shown, str(exc))
            return
        lines: Iterable[tuple[int, str | bytes]] = enumerate(text.splitlines(), start=1)
    else:
        lines = _binary_lines(real, _max_line_bytes(max_chars))
    try:
        for number, line in lines:
            yield from _jsonl_record(shown, number, line, max_chars)
    except OSError as exc:
        yield LoadFailure(name, shown, f"{shown}: cannot read: {exc.strerror or exc}")


def _binary_lines(shown: str, limit: int) -> Iterator[tuple[int, bytes | int]]:
    """(number, line) of each line; a line longer than `limit` bytes is read in pieces and
    given as its length instead, so one huge record never sits in memory whole."""
    with open(shown, "rb") as fh:
        number = 0
        while True:
            line = fh.readline(limit + 1)
            if not line:
                return
            number += 1
            if len(line) > limit and not line.endswith(b"\n"):
                size = len(line)
                while True:
                    piece = fh.readline(1 << 20)
                    size += len(piece)
                    if not piece or piece.endswith(b"\n"):
                        break
                yield number, size
                continue
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            yield number, line


def _max_line_bytes(max_chars: int) -> int:
    return 4 * max_chars + 65536  # the text, its escapes aside, plus metadata


def _jsonl_record(shown: str, number: int, line: str | bytes | int, max_chars: int
                  ) -> Iterator[Document | LoadFailure]:
    where = f"{shown}:{number}"
    warnings: tuple[str, ...] = ()
    if isinstance(line, int) or (isinstance(line, bytes) and len(line) > _max_line_bytes(max_chars)):
        size = line if isinstance(line, int) else len(line)
        yield LoadFailure(where, shown, f"{where}: {size:,} bytes exceeds the maximum "
                          f"article size of {max_chars:,} characters (setting max_article_chars)", number)
        return
    if isinstance(line, bytes):
        if not line.strip():
            return
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = line.decode("cp1252", errors="replace")
            warnings = (f"{where}: not valid UTF-8 (byte {exc.start}); read as Windows-1252",)
    if not line.strip():
        return
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        yield LoadFailure(where, shown, f"{where}: invalid JSON ({exc.msg}, column {exc.colno})", number)
        return
    except RecursionError:
        yield LoadFailure(where, shown, f"{where}: invalid JSON (nested too deeply)", number)
        return
    if not isinstance(record, dict) or not isinstance(record.get("id"), (str, int)) \
            or isinstance(record.get("id"), bool) or not isinstance(record.get("text"), str):
        yield LoadFailure(where, shown, f"{where}: a record needs a string 'id' and 'text'", number)
        return
    # JSON can spell lone surrogates (\ud800), which no output could encode.
    text = whole_text(record["text"])
    doc_id = whole_text(str(record["id"]))
    try:
        _check_text(text, where, max_chars)
        if "\x00" in text or _mostly_control(text):
            raise InputError(f"{where}: binary text (NUL or mostly control characters)")
    except InputError as exc:
        yield LoadFailure(doc_id, shown, str(exc), number)
        return
    meta = {k: (whole_text(str(record[k])) if record.get(k) is not None else None)
            for k in METADATA_KEYS}
    yield Document(id=doc_id, text=text, path=shown, format="jsonl", line=number,
                   warnings=warnings, **meta)


def whole_text(value: str) -> str:
    """`value` with surrogate pairs joined and lone surrogates (which JSON can spell, and no
    UTF-8 output can write) replaced by U+FFFD."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def readable_name(name: str) -> str:
    """A file name as text that can be printed and stored: bytes that are not UTF-8 (which Python
    keeps as lone surrogates) shown as \\xNN escapes."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


def article_files(folder: str, prune: Callable[[str], bool] | None = None,
                  follow_symlinks: bool = False) -> Iterator[str]:
    """The article files under `folder` (supported suffixes; no sidecars or dot files), sorted,
    and the symbolic links in it (files and folders) that are not followed, and the files of
    document formats it cannot read (.pdf, .docx...: load_document reports them).

    `prune(path)` returning True leaves a sub-folder unwalked. Symbolic links inside a folder are
    not followed unless `follow_symlinks` (a corpus/x.txt -> /etc/passwd would put that file's
    text in the index and the reports): each is yielded as it is, and `is_skipped_link` tells the
    caller to report it. Followed folders are walked once each (a loop is not recursed).
    """
    seen: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(folder, onerror=None, followlinks=follow_symlinks):
        if follow_symlinks:
            try:
                st = os.stat(root)
            except OSError:
                dirs[:] = []
                continue
            if (st.st_dev, st.st_ino) in seen:
                dirs[:] = []
                continue
            seen.add((st.st_dev, st.st_ino))
        kept = []
        for d in sorted(dirs):
            path = os.path.join(root, d)
            if not follow_symlinks and os.path.islink(path):
                yield path
            elif not (prune and prune(path)):
                kept.append(d)
        dirs[:] = kept
        for name in sorted(files):
            if name.endswith(SIDECAR_SUFFIX) or name.startswith("."):
                continue
            path = os.path.join(root, name)
            if not follow_symlinks and os.path.islink(path):
                yield path
            elif name.lower().endswith(ARTICLE_SUFFIXES) or \
                    os.path.splitext(name)[1].lower() in UNSUPPORTED_SUFFIXES:
                yield path


def is_skipped_link(path: str, follow_symlinks: bool) -> bool:
    return not follow_symlinks and os.path.islink(path)


def skipped_link(path: str, doc_id: str) -> LoadFailure:
    shown = readable_name(path)
    return LoadFailure(readable_name(doc_id), shown, f"{shown}: a symbolic link inside a folder, not "
                       "followed (give --follow-symlinks to read what it points to)")


def iter_documents(paths: Iterable[str | os.PathLike[str]], *, max_chars: int = DEFAULT_MAX_CHARS,
                   follow_symlinks: bool = False) -> Iterator[Document | LoadFailure]:
    """Every article under the given files and folders, in a stable order.

    Folders are walked recursively for the supported suffixes. Nothing is dropped silently:
    a file that cannot be read yields a LoadFailure, and so does a symbolic link inside a folder
    that is not followed. Two articles with one id (two files of one name given directly, or two
    JSON Lines records) keep both: the later one's id gets a " #2" suffix, with a warning.
    """
    return unique_ids(_iter_documents(paths, max_chars, follow_symlinks))


def _iter_documents(paths: Iterable[str | os.PathLike[str]], max_chars: int,
                    follow_symlinks: bool) -> Iterator[Document | LoadFailure]:
    for given in paths:
        real = os.fspath(given)
        if os.path.isdir(real):
            for file in article_files(real, follow_symlinks=follow_symlinks):
                rel = Path(os.path.relpath(file, real)).as_posix()
                if is_skipped_link(file, follow_symlinks):
                    yield skipped_link(file, rel)
                else:
                    yield from _load_any(file, readable_name(rel), max_chars)
        elif os.path.lexists(real):
            yield from _load_any(real, readable_name(Path(real).name), max_chars)
        else:
            shown = readable_name(real)
            yield LoadFailure(Path(shown).name, shown, f"{shown}: no such file or directory")


def unique_id(doc_id: str, taken: set[str]) -> str:
    """`doc_id`, or the first of "doc_id #2", "doc_id #3"... not in `taken`."""
    if doc_id not in taken:
        return doc_id
    number = 2
    while f"{doc_id} #{number}" in taken:
        number += 1
    return f"{doc_id} #{number}"


def unique_ids(items: Iterable[Document | LoadFailure]) -> Iterator[Document | LoadFailure]:
    """The documents with distinct ids: a repeated id gets a suffix and a warning (both are
    kept; which is the later is the input order, which is stable)."""
    taken: set[str] = set()
    for item in items:
        if isinstance(item, Document):
            new = unique_id(item.id, taken)
            if new != item.id:
                where = item.path + (f":{item.line}" if item.line else "") if item.path else item.id
                item = replace(item, id=new, warnings=item.warnings + (
                    f"{where}: another article already has the id {item.id!r}; this one is "
                    f"{new!r} (give their folder instead of the files to keep paths as ids)",))
            taken.add(item.id)
        yield item


def _load_any(file: str, doc_id: str, max_chars: int) -> Iterator[Document | LoadFailure]:
    if file.lower().endswith(".jsonl"):
        yield from iter_jsonl(file, max_chars=max_chars)
        return
    try:
        yield load_document(file, doc_id=doc_id, max_chars=max_chars)
    except InputError as exc:
        yield LoadFailure(doc_id, readable_name(file), str(exc))
