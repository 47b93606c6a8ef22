"""Deterministic randomness and identifiers in each network's real format.

Everything the sandbox invents comes from hashing (seed, profile, index, salt), so nothing is
stored per post. Identifiers are reversible: a serial number is scrambled by an affine bijection
(multiply by a unit modulo 10**k, add an offset) and printed in the network's format, so an id
received in a request decodes back to the post it names without any lookup table.
"""

import base64
import hashlib
import math
import struct

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE36 = BASE62[:36]  # digits and capitals: the characters of a Profile-Key
# Bluesky record keys (TIDs) use this sortable base32 alphabet.
BASE32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"

# A network post's serial number is index * TAGS + tag, so Ayrshare posts, posts made outside
# Ayrshare and the extra tweets of a thread never share an id.
TAG_AYRSHARE = 0
TAG_OUTSIDE = 1
TAGS = 4  # 2 and 3: the second and third tweet of a thread


def h64(*parts) -> int:
    data = "\x1f".join(map(str, parts)).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def draws(*parts) -> list[float]:
    """Sixteen independent uniform numbers in [0, 1) from one hash call (cheap per post)."""
    data = "\x1f".join(map(str, parts)).encode()
    digest = hashlib.blake2b(data, digest_size=64).digest()
    # Sixteen big-endian 32-bit words; one unpack is the cheapest way (this runs per post).
    return [word / 2**32 for word in struct.unpack(">16I", digest)]


def digits(*parts, length: int) -> str:
    """A string of decimal digits that does not start with 0."""
    value = h64(*parts) % (9 * 10 ** (length - 1))
    return str(10 ** (length - 1) + value)


def token(*parts, width: int) -> str:
    """A random-looking base62 string of ``width`` characters, every position uniform."""
    data = "\x1f".join(map(str, parts)).encode()
    value = int.from_bytes(hashlib.blake2b(data, digest_size=32).digest(), "big")
    return base62(value % 62**width, width)


def base62(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, rest = divmod(value, 62)
        chars.append(BASE62[rest])
    return "".join(reversed(chars))


def unbase62(text: str) -> int | None:
    value = 0
    for char in text:
        position = BASE62.find(char)
        if position < 0:
            return None
        value = value * 62 + position
    return value


def base36(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, rest = divmod(value, 36)
        chars.append(BASE36[rest])
    return "".join(reversed(chars))


def unbase36(text: str) -> int | None:
    value = 0
    for char in text:
        position = BASE36.find(char)
        if position < 0:
            return None
        value = value * 36 + position
    return value


def base32_sortable(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, rest = divmod(value, 32)
        chars.append(BASE32_SORTABLE[rest])
    return "".join(reversed(chars))


def unbase32_sortable(text: str) -> int | None:
    value = 0
    for char in text:
        position = BASE32_SORTABLE.find(char)
        if position < 0:
            return None
        value = value * 32 + position
    return value


class Scrambler:
    """An affine bijection on [0, modulus): serial numbers in, random-looking numbers out."""

    def __init__(self, modulus: int, *key):
        self.modulus = modulus
        multiplier = h64(*key, "mul") % modulus | 1
        while math.gcd(multiplier, modulus) != 1:
            multiplier += 2
        self.multiplier = multiplier
        self.inverse = pow(multiplier, -1, modulus)
        self.offset = h64(*key, "add") % modulus

    def encode(self, serial: int) -> int:
        return (serial * self.multiplier + self.offset) % self.modulus

    def decode(self, number: int) -> int:
        return ((number - self.offset) * self.inverse) % self.modulus


def youtube_id(number: int) -> str:
    """YouTube video ids are 64 bits in URL-safe base64: 11 characters."""
    return base64.urlsafe_b64encode(number.to_bytes(8, "big")).decode().rstrip("=")


def youtube_number(video_id: str) -> int | None:
    if len(video_id) != 11:
        return None
    try:
        raw = base64.urlsafe_b64decode(video_id + "=")
    except ValueError:
        return None
    return int.from_bytes(raw, "big")
