"""A workspace's logo: which uploads are accepted, and the URL that serves one.

The file's own bytes decide its type and size, never its name or the browser's content type.
SVG is refused: it can carry script, and a logo is shown on pages signed-out visitors open.
Dimensions come from the header bytes, so no imaging library is needed to check them.
"""

import hashlib
import struct

from django.core.exceptions import ValidationError
from django.urls import reverse

MAX_BYTES = 512 * 1024
# Wide enough for a wordmark, small enough that a 300-page PDF of logos stays light.
MIN_SIDE, MAX_SIDE = 16, 4096
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
# JPEG start-of-frame markers carry the size; C4 (Huffman), C8 and CC (arithmetic) do not.
JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def content_type(data):
    """The image type the bytes start with, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def dimensions(data, kind):
    """(width, height) from the header, or None when the header is cut short or malformed."""
    try:
        if kind == "image/png":
            if data[12:16] != b"IHDR":
                return None
            return struct.unpack(">II", data[16:24])
        if kind == "image/webp":
            return _webp_size(data)
        return _jpeg_size(data)
    except (struct.error, IndexError):
        return None


def _webp_size(data):
    chunk = data[12:16]
    if chunk == b"VP8 ":
        # Lossy: a 3-byte frame tag, the start code 9d 01 2a, then 14-bit width and height.
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        if data[20] != 0x2F:
            return None
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _jpeg_size(data):
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if marker in JPEG_FRAMES:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


def read(upload):
    """(bytes, content type) of an uploaded logo, or ValidationError saying what is wrong."""
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(
            f"The logo is larger than {MAX_BYTES // 1024} KB; use a smaller file."
        )
    kind = content_type(data)
    if kind is None:
        raise ValidationError(
            "The logo must be a PNG, JPEG or WebP image (SVG is not accepted: it can carry script)."
        )
    size = dimensions(data, kind)
    if size is None:
        raise ValidationError("The logo file is damaged: its size cannot be read.")
    width, height = size
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise ValidationError(
            f"The logo is {width} × {height} pixels; each side must be "
            f"{MIN_SIDE} to {MAX_SIDE} pixels."
        )
    return data, kind


def digest(data):
    return hashlib.sha256(data).hexdigest()


def url(workspace):
    """The logo's URL, named by its content's hash (a new logo is a new URL), or None."""
    if not workspace.logo_sha256:
        return None
    extension = EXTENSIONS[workspace.logo_type]
    return reverse("workspace_logo", args=[workspace.logo_sha256, extension])
