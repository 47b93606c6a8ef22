"""A report's colours: the accent a person picks, and the text colour readable on it."""

WHITE, BLACK = "#ffffff", "#000000"
# WCAG 2.2 AA for normal text.
MIN_CONTRAST = 4.5


def luminance(hex_color):
    """Relative luminance of "#rrggbb" (WCAG 2.x definition)."""
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one, other):
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_color(accent):
    """White on the accent when that reads at AA, else black.

    Black then always reads at AA: the accent's contrasts with white and black multiply to 21.
    """
    return WHITE if contrast(accent, WHITE) >= MIN_CONTRAST else BLACK
