"""Chart and heatmap colours stay apart for every colour vision, and the heatmap's numbers are
reachable without a mouse.

The colour maths is small and plain on purpose (no dependency): sRGB to linear RGB, Machado,
Oliveira & Fernandes (2009) dichromacy matrices at severity 1.0 applied in linear RGB, CIELAB (D65)
and CIEDE2000 (Sharma, Wu & Dalal 2005), and the WCAG 2 contrast ratio.
"""

import datetime
import itertools
import math
import re

import pytest
from django.conf import settings
from django.utils import timezone

from dashboard import charts
from dashboard.metrics import NETWORK_NAMES
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory

# Two series closer than this under any vision count as one colour. CIEDE2000 10 is an obvious
# difference between two large patches; a thin line or a legend box needs more.
MIN_DELTA_E = 15
# WCAG 1.4.11: graphical objects needed to read a chart, ≥ 3:1 against what is next to them.
MIN_CONTRAST = 3
# Neighbouring heatmap levels: the step we aim for between any two.
MIN_STEP = 1.5
WHITE = "#ffffff"

MACHADO = {
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}
VISIONS = ("normal", *MACHADO)


def linear_rgb(hex_color):
    channels = (int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return tuple(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)


def simulate(rgb, vision):
    if vision == "normal":
        return rgb
    rows = MACHADO[vision]
    return tuple(min(1, max(0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in rows)


def luminance(rgb):
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first, second, vision="normal"):
    lighter, darker = sorted(
        (luminance(simulate(linear_rgb(c), vision)) for c in (first, second)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def lab(rgb):
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def ciede2000(lab1, lab2):
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1, a2 = a1 * (1 + g), a2 * (1 + g)
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1 = math.degrees(math.atan2(b1, a1)) % 360
    h2 = math.degrees(math.atan2(b2, a2)) % 360
    dh = h2 - h1
    if c1 * c2 == 0:
        dh = 0
    elif dh > 180:
        dh -= 360
    elif dh < -180:
        dh += 360
    d_hue = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + (360 if h1 + h2 < 360 else -360)) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    rotation = -math.sin(math.radians(60 * math.exp(-(((h_mean - 275) / 25) ** 2)))) * (
        2 * math.sqrt(c_mean**7 / (c_mean**7 + 25**7))
    )
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * c_mean
    s_h = 1 + 0.015 * c_mean * t
    dl, dc, dhh = (l2 - l1) / s_l, (c2 - c1) / s_c, d_hue / s_h
    return math.sqrt(dl**2 + dc**2 + dhh**2 + rotation * dc * dhh)


def delta_e(first, second, vision):
    return ciede2000(
        lab(simulate(linear_rgb(first), vision)), lab(simulate(linear_rgb(second), vision))
    )


@pytest.mark.parametrize(
    ("lab1", "lab2", "expected"),
    [
        # Sharma, Wu & Dalal's test data, pairs 1, 7 and 17.
        ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
        ((50, 0, 0), (50, -1, 2), 2.3669),
        ((50, 2.5, 0), (73, 25, -18), 27.1492),
    ],
)
def test_the_colour_difference_is_ciede2000(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_the_issue_colours_fail_this_test():
    # Today's brand blues and Instagram/TikTok under deuteranopia, as issue 16 reports them.
    assert delta_e("#0b63c9", "#0a66c2", "normal") < MIN_DELTA_E
    assert delta_e("#c13584", "#0f766e", "deuteranopia") < MIN_DELTA_E


@pytest.mark.parametrize("vision", VISIONS)
def test_every_two_series_colours_stay_apart(vision):
    colors = set(charts.PALETTE) | set(charts.PLATFORM_COLORS.values())
    for first, second in itertools.combinations(sorted(colors), 2):
        assert delta_e(first, second, vision) >= MIN_DELTA_E, (first, second)


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("networks", [("bluesky", "linkedin", "facebook"), ("instagram", "tiktok")])
def test_the_networks_the_issue_names_are_told_apart(networks, vision):
    for first, second in itertools.combinations(networks, 2):
        difference = delta_e(charts.platform_color(first), charts.platform_color(second), vision)
        assert difference >= MIN_DELTA_E, (first, second)


def test_every_series_colour_reads_on_white():
    for color in {*charts.PALETTE, *charts.PLATFORM_COLORS.values(), charts.FALLBACK_COLOR}:
        assert contrast(color, WHITE) >= MIN_CONTRAST, color


def test_every_network_has_a_palette_colour():
    assert set(NETWORK_NAMES) <= set(charts.PLATFORM_COLORS)
    assert set(charts.PLATFORM_COLORS.values()) <= set(charts.PALETTE)
    assert charts.platform_color("not-a-network") in charts.PALETTE


@pytest.mark.parametrize(("kind", "cue"), [("line", "borderDash"), ("bar", "pattern")])
def test_a_colour_used_twice_in_one_chart_gets_a_second_cue(kind, cue):
    # Facebook and Telegram share blue.
    assert charts.platform_color("facebook") == charts.platform_color("telegram")
    datasets = [
        charts.series(name, [1, 2], charts.platform_color(name))
        for name in ("facebook", "instagram", "telegram")
    ]

    config = charts.config(kind, ["a", "b"], datasets)

    facebook, instagram, telegram = config["data"]["datasets"]
    assert cue not in facebook and cue not in instagram
    assert telegram[cue]
    assert telegram["borderColor"] == facebook["borderColor"]
    assert datasets[2] == charts.series("telegram", [1, 2], charts.platform_color("telegram"))


def test_line_legends_show_the_point_shape():
    config = charts.config("line", ["a"], [charts.series("X", [1], charts.PALETTE[0])])

    assert config["options"]["plugins"]["legend"]["labels"]["usePointStyle"] is True


def _heat_rules():
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    fills = dict(re.findall(r"^\.heat-(\d) \{ background: (#[0-9a-f]{6});", css, re.MULTILINE))
    outline = re.search(r"^\.heat-0 \{[^}]*box-shadow: inset 0 0 0 1px (#[0-9a-f]{6})", css, re.M)
    return [fills[str(level)] for level in range(len(fills))], outline.group(1)


def test_the_heatmap_ramp_has_one_level_per_css_rule():
    ramp, _ = _heat_rules()

    assert len(ramp) == 6  # 0 (no posts) and trends.HEAT_LEVELS


@pytest.mark.parametrize("vision", VISIONS)
def test_neighbouring_heatmap_levels_are_told_apart(vision):
    ramp, _ = _heat_rules()

    for lighter, darker in itertools.pairwise(ramp):
        assert contrast(lighter, darker, vision) >= MIN_STEP, (lighter, darker)


def test_heatmap_levels_with_posts_read_on_white_and_an_empty_slot_is_outlined():
    ramp, outline = _heat_rules()

    for color in ramp[1:]:
        assert contrast(color, WHITE) >= MIN_CONTRAST, color
    assert ramp[0] != WHITE
    assert contrast(outline, WHITE) >= MIN_STEP


@pytest.mark.django_db
def test_each_heatmap_slot_with_posts_is_in_a_table_not_only_in_a_hover_title(client):
    membership = MembershipFactory()
    profile = ProfileFactory(workspace=membership.workspace)
    client.force_login(membership.user)
    day = timezone.localdate() - datetime.timedelta(days=2)
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    PlatformPostFactory(profile=profile, published_at=at, engagements=1234)
    PlatformPostFactory(profile=profile, published_at=at, engagements=None)

    page = client.get(f"/w/{membership.workspace.slug}/").content.decode()

    table = page.split("<summary>Heatmap numbers as a table</summary>")[1].split("</details>")[0]
    assert f'<th scope="row">{day:%a} 09:00–09:59</th>' in table
    assert '<td class="num">2</td>' in table
    assert '<td class="num">1,234</td>' in table
    assert table.count('<th scope="row">') == 1
