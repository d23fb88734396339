"""Inline SVG charts, one helper for pages and PDFs alike (no JavaScript, no external assets)."""

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CURRENT_COLOR = "#1f4e79"
TARGET_COLOR = "#8c959f"


def _num(value) -> float:
    return float(value) if isinstance(value, Decimal) else value


def _svg_open(title: str, width: int, height: int) -> str:
    """The opening <svg> tag with its accessible title."""
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg" font-size="12" font-family="sans-serif">'
        f"<title>{escape(title)}</title>"
    )


def _axes(width: int, height: int, pad: int, top: float, unit: str, xs: list) -> str:
    """The x axis, the top and zero labels of the y axis, and the first and last of the points
    `xs` (x label, value) labelling the x axis."""
    x0, x1 = xs[0][0], xs[-1][0]
    return (
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#8c959f"/>'
        f'<text x="4" y="{pad - 10}">{top:.1f}{escape(unit)}</text>'
        f'<text x="4" y="{height - pad}">0</text>'
        f'<text x="{pad}" y="{height - 10}">{escape(x0)}</text>'
        f'<text x="{width - pad}" y="{height - 10}" text-anchor="end">{escape(x1)}</text>'
    )


def grouped_bars(
    rows: list[tuple[str, Decimal, Decimal]], *, title: str, labels=("Current", "Target")
) -> SafeString:
    """Horizontal paired bars per category: (label, first %, second %), scaled to 0–100%."""
    bar_h, gap, left, width = 14, 14, 170, 540
    height = 40 + len(rows) * (2 * bar_h + gap)
    top = max([_num(a) for _, a, _ in rows] + [_num(b) for _, _, b in rows] + [1.0])
    scale = (width - left - 60) / top
    parts = [
        _svg_open(title, width, height),
        f'<rect x="{left}" y="6" width="12" height="12" fill="{CURRENT_COLOR}"/>'
        f'<text x="{left + 16}" y="16">{labels[0]}</text>',
        f'<rect x="{left + 90}" y="6" width="12" height="12" fill="{TARGET_COLOR}"/>'
        f'<text x="{left + 106}" y="16">{labels[1]}</text>',
    ]
    y = 30
    for label, first, second in rows:
        parts.append(f'<text x="0" y="{y + bar_h + 4}">{escape(label)}</text>')
        for i, (value, color) in enumerate(((first, CURRENT_COLOR), (second, TARGET_COLOR))):
            w = max(_num(value) * scale, 0)
            yy = y + i * bar_h
            parts.append(
                f'<rect x="{left}" y="{yy}" width="{w:.1f}" height="{bar_h - 2}" fill="{color}"/>'
            )
            parts.append(
                f'<text x="{left + w + 4:.1f}" y="{yy + bar_h - 3}">{_num(value):.1f}%</text>'
            )
        y += 2 * bar_h + gap
    parts.append("</svg>")
    return mark_safe("".join(parts))


def line_chart(
    points: list[tuple[str, Decimal]],
    *,
    title: str,
    unit: str = "",
    threshold: Decimal | None = None,
) -> SafeString:
    """A simple line over time: [(x label, value)], with an optional dashed threshold line."""
    width, height, pad = 640, 220, 40
    if not points:
        return mark_safe(f'<p class="muted">No data yet for {escape(title)}.</p>')
    values = [_num(v) for _, v in points] + ([_num(threshold)] if threshold is not None else [])
    top = max(values + [1.0]) * 1.1
    step = (width - 2 * pad) / max(len(points) - 1, 1)

    def xy(i, v):
        return pad + i * step, height - pad - (_num(v) / top) * (height - 2 * pad)

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}"
        for i, (x, y) in enumerate(xy(i, v) for i, (_, v) in enumerate(points))
    )
    parts = [
        _svg_open(title, width, height),
        _axes(width, height, pad, top, unit, points),
    ]
    if threshold is not None:
        _, ty = xy(0, threshold)
        parts.append(
            f'<line x1="{pad}" y1="{ty:.1f}" x2="{width - pad}" y2="{ty:.1f}" '
            'stroke="#cf222e" stroke-dasharray="6 4"/>'
        )
    parts.append(f'<path d="{path}" fill="none" stroke="{CURRENT_COLOR}" stroke-width="2"/></svg>')
    return mark_safe("".join(parts))


SERIES_COLORS = ("#1f4e79", "#bc4c00", "#1a7f37", "#8250df", "#8c959f")


def bars(
    rows: list[tuple[str, Decimal]], *, title: str, unit: str = "", top: float | None = None
) -> SafeString:
    """Horizontal bars, one per category: (label, value); scaled to `top` or the largest value."""
    if not rows:
        return mark_safe(f'<p class="muted">No data for {escape(title)}.</p>')
    bar_h, gap, left, width = 16, 8, 200, 580
    height = 10 + len(rows) * (bar_h + gap)
    top = top or max([_num(v) or 0 for _, v in rows] + [1.0])
    scale = (width - left - 70) / top
    parts = [_svg_open(title, width, height)]
    for i, (label, value) in enumerate(rows):
        y, v = 5 + i * (bar_h + gap), _num(value) or 0
        parts.append(f'<text x="0" y="{y + bar_h - 4}">{escape(str(label)[:26])}</text>')
        parts.append(
            f'<rect x="{left}" y="{y}" width="{max(v * scale, 0):.1f}" height="{bar_h}" '
            f'fill="{CURRENT_COLOR}"/>'
        )
        parts.append(
            f'<text x="{left + max(v * scale, 0) + 4:.1f}" y="{y + bar_h - 4}">'
            f"{v:,.1f}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def multi_line(
    series: dict[str, list[tuple[str, Decimal]]], *, title: str, unit: str = ""
) -> SafeString:
    """Several lines over the same x labels, with a legend: {name: [(x label, value)]}."""
    series = {k: v for k, v in series.items() if v}
    if not series:
        return mark_safe(f'<p class="muted">No data yet for {escape(title)}.</p>')
    width, height, pad = 640, 240, 40
    top = max(_num(v) or 0 for pts in series.values() for _, v in pts) * 1.1 or 1.0
    n = max(len(p) for p in series.values())
    step = (width - 2 * pad) / max(n - 1, 1)
    first = next(iter(series.values()))
    parts = [
        _svg_open(title, width, height),
        _axes(width, height, pad, top, unit, first),
    ]
    for k, (name, pts) in enumerate(series.items()):
        color = SERIES_COLORS[k % len(SERIES_COLORS)]
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{pad + i * step:.1f},"
            f"{height - pad - (_num(v) or 0) / top * (height - 2 * pad):.1f}"
            for i, (_, v) in enumerate(pts)
        )
        parts.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        parts.append(
            f'<rect x="{pad + 10 + k * 130}" y="6" width="12" height="12" fill="{color}"/>'
            f'<text x="{pad + 26 + k * 130}" y="16">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
