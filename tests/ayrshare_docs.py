"""Pull every JSON example out of the Ayrshare API documents, leniently, for tests and the sandbox.

The documents (``ayrshare-api/*.txt``) are copies of Ayrshare's web pages: their JSON carries ``//``
and ``/* */`` comments, ``...`` lines, trailing and missing commas, and history-all-endpoints.txt
stops mid-object. A tolerant tokenizer and parser read them as written, so the documents stay
verbatim and the examples stay the contract.

Public helpers:
    all_examples()            every example, as parsed (dicts and lists), in document order
    history_examples()        GET /history responses ({"history": [...], ...})
    history_by_id_examples()  GET /history/{id} responses (each a list of post dicts)
    platform_examples()       items of GET /history/{platform}, keyed by platform name
    platform_responses()      whole GET /history/{platform} responses ({"status", "posts", ...})
"""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DOCS = REPO_ROOT.parent / "shared" / "ayrshare-api"
FIXTURE_DOCS = Path(__file__).resolve().parent / "fixtures" / "ayrshare-api"

# "// Facebook Response Example" names the platform of the items that follow it.
MARKER = re.compile(r"^\s*([A-Za-z/]+)\s+Response Example\b")
PLATFORM_NAMES = {"x": "twitter", "x/twitter": "twitter", "twitter/x": "twitter"}


def docs_dir() -> Path:
    """The shared originals when this checkout sits beside them, else the verbatim test copy."""
    return SHARED_DOCS if SHARED_DOCS.is_dir() else FIXTURE_DOCS


def doc_files() -> list[Path]:
    return sorted(docs_dir().glob("*.txt"))


@dataclass
class Example:
    source: str  # file name
    line: int  # 1-based line of the opening bracket
    value: dict | list
    truncated: bool = False
    # id(list) -> platform name per element, from the "Response Example" comments.
    labels: dict[int, list[str | None]] = field(default_factory=dict, repr=False)


class Truncated(Exception):
    """The text ended inside a value; ``partial`` holds what was complete."""

    def __init__(self, partial=None):
        super().__init__("example ends mid-value")
        self.partial = partial


class NotJson(Exception):
    pass


# --- tokenizer -------------------------------------------------------------------------------

PUNCT = set("{}[]:,")
BAREWORDS = {"true": True, "false": False, "null": None}
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def tokenize(text: str, start: int) -> list[tuple[str, object, int]]:
    """Tokens (kind, value, offset) from ``start`` until the outermost bracket closes.

    Kinds: "p" punctuation, "s" string, "v" literal, "m" platform marker. Comments and ``...`` are
    dropped here, which is what makes the page text parseable.
    """
    tokens = []
    depth = 0
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end == -1 else end
            marker = MARKER.match(text[i + 2 : end])
            if marker:
                tokens.append(("m", marker.group(1), i))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end == -1 else end + 2
        elif text.startswith("...", i) or ch == "…":
            i += 3 if ch == "." else 1
        elif ch in PUNCT:
            tokens.append(("p", ch, i))
            depth += 1 if ch in "{[" else -1 if ch in "}]" else 0
            i += 1
            if depth == 0:
                break
        elif ch == '"':
            value, i = read_string(text, i)
            tokens.append(("s", value, i))
        else:
            literal = read_literal(text, i)
            if literal is None:
                raise NotJson(f"unexpected {text[i : i + 20]!r} at offset {i}")
            value, i = literal
            tokens.append(("v", value, i))
    return tokens


def read_string(text: str, i: int) -> tuple[str, int]:
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == '"':
            return json.loads(text[i : j + 1].replace("\n", "\\n").replace("\t", "\\t")), j + 1
        j += 1
    raise Truncated()


def read_literal(text: str, i: int):
    for word, value in BAREWORDS.items():
        if text.startswith(word, i):
            return value, i + len(word)
    number = NUMBER.match(text, i)
    if number:
        raw = number.group(0)
        return (float(raw) if any(c in raw for c in ".eE") else int(raw)), number.end()
    return None


# --- parser ----------------------------------------------------------------------------------


class Parser:
    """Recursive descent over the tokens; commas are optional, markers label array elements."""

    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0
        self.labels: dict[int, list[str | None]] = {}

    def peek(self):
        if self.pos >= len(self.tokens):
            raise Truncated()
        return self.tokens[self.pos]

    def take(self):
        token = self.peek()
        self.pos += 1
        return token

    def value(self):
        kind, value, _ = self.take()
        if kind == "p" and value == "{":
            return self.object()
        if kind == "p" and value == "[":
            return self.array()
        if kind in ("s", "v"):
            return value
        raise NotJson(f"unexpected token {value!r}")

    def object(self) -> dict:
        result = {}
        while True:
            try:
                kind, value, _ = self.take()
            except Truncated:
                raise Truncated(result) from None
            if kind == "p" and value == "}":
                return result
            if (kind == "p" and value == ",") or kind == "m":
                continue
            if kind != "s":
                raise NotJson(f"expected a key, got {value!r}")
            try:
                if self.take()[1] != ":":
                    raise NotJson(f"expected ':' after {value!r}")
                result[value] = self.value()
            except Truncated as exc:
                # Keep a nested container's complete part; a dangling key or scalar is dropped.
                if isinstance(exc.partial, (dict, list)):
                    result[value] = exc.partial
                raise Truncated(result) from None

    def array(self) -> list:
        result = []
        labels = []
        self.labels[id(result)] = labels
        label = None
        while True:
            try:
                kind, value, _ = self.peek()
            except Truncated:
                raise Truncated(result) from None
            if kind == "p" and value == "]":
                self.pos += 1
                return result
            if kind == "p" and value == ",":
                self.pos += 1
                continue
            if kind == "m":
                self.pos += 1
                label = platform_name(value)
                continue
            try:
                element = self.value()
            except Truncated:
                # An element cut off by the end of the page is not an example: drop it whole.
                raise Truncated(result) from None
            result.append(element)
            labels.append(label)


def platform_name(label: str) -> str:
    name = label.strip().lower()
    return PLATFORM_NAMES.get(name, name)


# --- extraction ------------------------------------------------------------------------------


def starts_example(lines: list[str], index: int) -> bool:
    """A line holding only '{' or '[' whose next non-blank line looks like JSON, not code."""
    if lines[index].strip() not in ("{", "["):
        return False
    for following in lines[index + 1 :]:
        stripped = following.strip()
        if stripped:
            return stripped[0] in '"{[]}' or stripped.startswith(("//", "/*"))
    return False


def extract(text: str, source: str = "") -> list[Example]:
    examples = []
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    index = 0
    while index < len(lines):
        if not starts_example(lines, index):
            index += 1
            continue
        start = offsets[index] + lines[index].index(lines[index].strip())
        example, end = parse_at(text, start, source, index + 1)
        if example is None:
            index += 1
            continue
        examples.append(example)
        while index < len(lines) and offsets[index + 1] <= end:
            index += 1
    return examples


def parse_at(text: str, start: int, source: str, line: int) -> tuple[Example | None, int]:
    try:
        tokens = tokenize(text, start)
    except Truncated:
        return None, start
    except NotJson:
        return None, start
    parser = Parser(tokens)
    truncated = False
    try:
        value = parser.value()
    except Truncated as exc:
        value, truncated = exc.partial, True
    except NotJson:
        return None, start
    if not isinstance(value, (dict, list)) or not value:
        # An empty pair of braces is a code block ("class Program { }"), not an example.
        return None, start
    end = tokens[-1][2] + 1 if tokens else start
    return Example(source, line, value, truncated, parser.labels), end


@cache
def _examples() -> tuple[Example, ...]:
    found = []
    for path in doc_files():
        found.extend(extract(path.read_text(encoding="utf-8"), path.name))
    return tuple(found)


def all_examples() -> list[dict | list]:
    """Every JSON example in every document, in order (fresh copies; safe to mutate)."""
    return [_copy(example.value) for example in _examples()]


def history_examples() -> list[dict]:
    return [
        _copy(e.value)
        for e in _examples()
        if isinstance(e.value, dict) and isinstance(e.value.get("history"), list)
    ]


def history_by_id_examples() -> list[list[dict]]:
    """GET /history/{id} answers with an array of Ayrshare posts."""
    return [
        _copy(e.value)
        for e in _examples()
        if isinstance(e.value, list)
        and e.value
        and all(isinstance(item, dict) and "postIds" in item for item in e.value)
    ]


def platform_responses() -> list[dict]:
    return [_copy(e.value) for e in _platform_examples()]


def platform_examples() -> dict[str, list[dict]]:
    """Items of GET /history/{platform}, by platform, without duplicates across pages."""
    grouped: dict[str, list[dict]] = {}
    seen = set()
    for example in _platform_examples():
        posts = example.value["posts"]
        for item, label in zip(posts, example.labels.get(id(posts), []), strict=False):
            if label is None or not isinstance(item, dict):
                continue
            key = (label, json.dumps(item, sort_keys=True))
            if key in seen:
                continue
            seen.add(key)
            grouped.setdefault(label, []).append(_copy(item))
    return grouped


def _platform_examples() -> list[Example]:
    return [
        e
        for e in _examples()
        if isinstance(e.value, dict) and isinstance(e.value.get("posts"), list)
    ]


def _copy(value):
    return json.loads(json.dumps(value))
