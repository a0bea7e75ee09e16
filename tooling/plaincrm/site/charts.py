"""Charts as inline SVG, drawn at build time: no script, no network, and they print.

Every chart has its axes with ticks, and no label runs out of its room: a label longer than
the space it has is cut with "…" and carries the whole text as its `<title>` (shown on hover,
read by screen readers). Widths are estimated from the characters (a Chinese character is
one em, anything else at most 0.6 em) at the charts' font size.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable

from markupsafe import Markup, escape

from ..reports import number_text, share_text

WIDTH = 640
FONT = 11  # px, as the stylesheet sets it (.pcrm-chart)


def text_width(text: str) -> float:
    """An upper estimate of the text's width at FONT px."""
    return sum(FONT if unicodedata.east_asian_width(c) in "WF" else 0.6 * FONT for c in text)


def label(text: str, room: float, x: float, y: float, anchor: str = "start") -> str:
    """A `<text>` that fits in `room` px: cut with "…" and titled with the whole text when too long."""
    shown = text
    while shown and text_width(shown + ("…" if shown != text else "")) > room:
        shown = shown[:-1]
    title = ""
    if shown != text:
        shown, title = shown + "…", f"<title>{escape(text)}</title>"
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{title}{escape(shown)}</text>'


def _svg(width: int, height: int, title: str, extra_class: str = "", shown_width: int | None = None) -> str:
    return (
        f'<svg class="pcrm-chart{extra_class}" role="img" viewBox="0 0 {width} {height}" '
        f'width="{shown_width or width}" font-size="{FONT}" aria-label="{escape(title)}">'
    )


def bar_chart(labels: list[str], values: list[float], *, title: str) -> Markup:
    """Horizontal bars, one per label, longest first as given, along a value axis from 0."""
    top = max(values, default=0) or 1
    row, label_width, value_room = 22, 190, 70
    length_room = WIDTH - label_width - value_room
    height = row * len(values) + 10
    parts = [
        _svg(WIDTH, height, title),
        f'<line x1="{label_width}" y1="0" x2="{label_width}" y2="{height}" class="pcrm-axis"/>',
    ]
    for index, (name, value) in enumerate(zip(labels, values)):
        y = 5 + index * row
        length = length_room * value / top
        parts.append(
            label(name, label_width - 10, label_width - 6, y + 15, "end")
            + f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" class="pcrm-bar"/>'
            + label(number_text(value), value_room - 6, label_width + length + 4, y + 15)
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def nice_step(top: float, whole: bool, count: int = 4) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `count` ticks up to `top`."""
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return max(step, 1) if whole else step


def line_chart(
    labels: list[str],
    values: list[float | None],
    *,
    title: str,
    value_text: Callable[[float], str] = number_text,
) -> Markup:
    """A line over time (None: no data that period) with a value axis (ticks, grid lines, their values
    in `value_text`'s words) and a time axis labelled as often as the labels have room."""
    height, left, right, bottom, top_pad = 230, 64, 30, 40, 12
    known = [v for v in values if v is not None]
    step_value = nice_step(max(known, default=0) or 1, all(isinstance(v, int) for v in known))
    ticks = [step_value * i for i in range(math.ceil((max(known, default=0) or 1) / step_value - 1e-9) + 1)]
    ceiling = ticks[-1]
    plot_height = height - bottom - top_pad
    step = (WIDTH - left - right) / max(len(values) - 1, 1)

    def y_of(value: float) -> float:
        return height - bottom - plot_height * value / ceiling

    parts = [
        _svg(WIDTH, height, title),
        f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{height - bottom}" class="pcrm-axis"/>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - right}" y2="{height - bottom}" class="pcrm-axis"/>',
    ]
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left - 4}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" class="pcrm-axis" stroke-dasharray="2 3"/>'
            + label(value_text(tick), left - 10, left - 6, y + 4, "end")
        )
    points = [(left + i * step, y_of(v)) for i, v in enumerate(values) if v is not None]
    if points:
        parts.append('<polyline class="pcrm-line" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
        parts += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="pcrm-bar"/>' for x, y in points
        ]  # a lone point shows
    widest = max((text_width(name) for name in labels), default=0) + 8
    every = max(1, math.ceil(widest / step)) if len(labels) > 1 else 1
    # centred labels: no wider than the gap to the next labelled point, nor than twice the margin at the end
    room = min(step * every - 8, 2 * right) if len(labels) > 1 else WIDTH - left - right
    for i, name in enumerate(labels):
        if i % every == 0:
            x = left + i * step
            fits = min(room, 2 * min(x, WIDTH - x) - 4)  # centred on x: half of it on each side, inside the picture
            parts.append(
                f'<line x1="{x:.1f}" y1="{height - bottom}" x2="{x:.1f}" y2="{height - bottom + 4}" class="pcrm-axis"/>'
                + label(name, fits, x, height - bottom + 18, "middle")
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def pareto_chart(points: list[tuple[float, float]], *, title: str, cut: float = 0.2) -> Markup:
    """Cumulative share of revenue against share of customers, with the top-share line and both axes
    ticked at 0, 50 and 100%."""
    size, pad = 300, 50
    step = max(1, len(points) // 200)  # 200 points draw the curve as well as 10,000
    sampled = [(0.0, 0.0)] + points[::step] + points[-1:]
    line = " ".join(f"{pad + x * size:.1f},{pad + size - y * size:.1f}" for x, y in sampled)
    ticks = "".join(
        f'<line x1="{pad + share * size}" y1="{pad + size}" x2="{pad + share * size}" y2="{pad + size + 4}" '
        f'class="pcrm-axis"/>'
        + label(share_text(share), 2 * pad - 8, pad + share * size, pad + size + 16, "middle")
        + f'<line x1="{pad - 4}" y1="{pad + size - share * size}" x2="{pad}" y2="{pad + size - share * size}" '
        f'class="pcrm-axis"/>' + label(share_text(share), pad - 8, pad - 6, pad + size - share * size + 4, "end")
        for share in (0.0, 0.5, 1.0)
    )
    return Markup(
        _svg(size + 2 * pad, size + 2 * pad, title, " pcrm-square", 380)
        + f'<rect x="{pad}" y="{pad}" width="{size}" height="{size}" class="pcrm-frame"/>'
        + ticks
        + f'<line x1="{pad + cut * size}" y1="{pad}" x2="{pad + cut * size}" y2="{pad + size}" class="pcrm-cut"/>'
        + f'<polyline class="pcrm-line" points="{line}"/>'
        + label(share_text(cut), size * (1 - cut), pad + cut * size + 4, pad + 14)
        + "</svg>"
    )
