"""Words the sandbox puts in posts and profiles.

The texts deliberately include what breaks careless rendering and exports: HTML-special
characters (<, >, &, quotes), emoji and other non-ASCII text, and texts starting with =, +, -
or @ that a spreadsheet would run as a formula (CSV injection).
"""

BRANDS = [
    "Acme & Sons",
    "Porto Bakery",
    "Lisbon Cycles",
    'Café "Déjà Vu"',
    "North <Star> Studio",
    "Green Leaf Co.",
    "Blue Harbor Hotels",
    "Atlas Fitness",
    "Maple & Pine",
    "Orbit Labs",
]

OPENERS = [
    "Big news",
    "Quick tip",
    "Behind the scenes",
    "New in",
    "Throwback",
    "Reminder",
    "Fun fact",
    "Weekend plans",
    "Customer story",
    "Team update",
]

TOPICS = [
    "our spring collection",
    "the pop-up store downtown",
    "five ways to save time",
    "the new mobile app",
    "our summer menu",
    "a day at the workshop",
    "the charity run",
    "how we pack every order",
    "the 10-year anniversary",
    "our favourite reviews",
]

ENDINGS = [
    "Link in bio.",
    "Tell us what you think!",
    "See you there 👋",
    "#smallbusiness #community",
    "More soon…",
    "Thanks for 10k followers 🎉",
    "",
]

# Texts that exercise escaping, Unicode and spreadsheet formula injection.
SPECIAL = [
    'Tom & Jerry\'s "best of" list <3',
    "Prices < $20 & > $5 this week only",
    '<script>alert("hi")</script> is not a caption',
    "We're #1 — thanks, everyone! 🎉🚀",
    "Café ☕ & croissant 🥐 = perfect morning",
    '=HYPERLINK("https://example.com","click me")',
    "+1 if you agree with this one",
    "-20% on everything today only",
    "@channel meet our new intern 👋",
    "=1+1 is our kind of maths",
    "Ünïcödé wëëk: 日本語, العربية, emoji 🧪🔥",
    "<b>Bold</b> &amp; <i>italic</i> should stay literal",
]

PEOPLE = ["John Smith", "Ana Costa", "Mei Tanaka", "Omar Haddad", "Sofia Rossi"]


def slug(text: str) -> str:
    kept = "".join(char.lower() for char in text if char.isascii() and char.isalnum())
    return kept or "brand"


def pick(options: list, u: float):
    return options[min(int(u * len(options)), len(options) - 1)]


def brand_title(index: int) -> str:
    title = BRANDS[index % len(BRANDS)]
    return title if index < len(BRANDS) else f"{title} {index // len(BRANDS) + 1}"


def post_text(u_kind: float, u_a: float, u_b: float, u_c: float, serial: int) -> str:
    """One post's text from four uniform numbers; ~15% are the special cases above."""
    if u_kind < 0.15:
        return pick(SPECIAL, u_a)
    text = f"{pick(OPENERS, u_a)}: {pick(TOPICS, u_b)}. {pick(ENDINGS, u_c)}".strip()
    if u_kind > 0.8:
        text += f" https://example.com/p/{serial}"
    return text


def notes(u: float) -> str | None:
    if u < 0.2:
        return f"Approved by {pick(PEOPLE, u * 5)}"
    return None
