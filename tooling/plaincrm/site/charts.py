"""Charts as inline SVG, drawn at build time: no script, no network, and they print."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 640


def bar_chart(labels: list[str], values: list[float], *, title: str) -> Markup:
    """Horizontal bars, one per label, longest first as given."""
    top = max(values, default=0) or 1
    row, label_width = 22, 190
    height = row * len(values) + 10
    parts = [
        f'<svg class="pcrm-chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" aria-label="{escape(title)}">'
    ]
    for index, (label, value) in enumerate(zip(labels, values)):
        y = 5 + index * row
        length = (WIDTH - label_width - 70) * value / top
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" class="pcrm-bar"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 15}">{escape(_number(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(labels: list[str], values: list[float | None], *, title: str, percent: bool = False) -> Markup:
    """A line over time (None: no data that period)."""
    height, left, bottom = 220, 50, 40
    known = [v for v in values if v is not None]
    top = max(known, default=0) or 1
    step = (WIDTH - left - 20) / max(len(values) - 1, 1)
    points = [
        (left + i * step, height - bottom - (height - bottom - 15) * v / top)
        for i, v in enumerate(values)
        if v is not None
    ]
    parts = [
        f'<svg class="pcrm-chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" aria-label="{escape(title)}">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - 10}" y2="{height - bottom}" class="pcrm-axis"/>',
        f'<text x="{left - 6}" y="20" text-anchor="end">{escape(_number(top, percent))}</text>',
    ]
    if points:
        parts.append('<polyline class="pcrm-line" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
    every = max(1, len(labels) // 9)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(
                f'<text x="{left + i * step:.1f}" y="{height - bottom + 18}" text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def pareto_chart(points: list[tuple[float, float]], *, title: str, cut: float = 0.2) -> Markup:
    """Cumulative share of revenue against share of customers, with the top-share line."""
    size, pad = 300, 30
    step = max(1, len(points) // 200)  # 200 points draw the curve as well as 10,000
    sampled = [(0.0, 0.0)] + points[::step] + points[-1:]
    line = " ".join(f"{pad + x * size:.1f},{pad + size - y * size:.1f}" for x, y in sampled)
    return Markup(
        f'<svg class="pcrm-chart pcrm-square" role="img" viewBox="0 0 {size + 2 * pad} {size + 2 * pad}" width="360" '
        f'aria-label="{escape(title)}">'
        f'<rect x="{pad}" y="{pad}" width="{size}" height="{size}" class="pcrm-frame"/>'
        f'<line x1="{pad + cut * size}" y1="{pad}" x2="{pad + cut * size}" y2="{pad + size}" class="pcrm-cut"/>'
        f'<polyline class="pcrm-line" points="{line}"/>'
        f'<text x="{pad + cut * size + 4}" y="{pad + 14}">{int(cut * 100)}%</text></svg>'
    )


def _number(value: float, percent: bool = False) -> str:
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
