"""The admin's charts: server-side SVG, no JavaScript library (the product runs offline, pages stay light).

Readable without colour: every segment has its own fill pattern as well as a colour, and the legend next to
the chart writes each label with its number and share. The PDF reports keep their own (reportlab) charts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

#: (colour, pattern) per segment, in order; patterns: solid, diagonal lines, dots, cross-hatch, horizontal lines
STYLES = (("#2e7d32", "solid"), ("#1565c0", "diagonal"), ("#c62828", "cross"), ("#9e9e9e", "dots"),
          ("#6a1b9a", "horizontal"))


@dataclass(frozen=True)
class Segment:
    label: str
    value: int
    href: str | None = None


def _pattern(pid: str, colour: str, kind: str) -> str:
    body = {
        "solid": f'<rect width="8" height="8" fill="{colour}"/>',
        "diagonal": f'<rect width="8" height="8" fill="#fff"/><path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" '
                    f'stroke="{colour}" stroke-width="2.5"/>',
        "cross": f'<rect width="8" height="8" fill="#fff"/><path d="M0,0 L8,8 M8,0 L0,8" stroke="{colour}" '
                 f'stroke-width="2"/>',
        "dots": f'<rect width="8" height="8" fill="#fff"/><circle cx="4" cy="4" r="2.2" fill="{colour}"/>',
        "horizontal": f'<rect width="8" height="8" fill="#fff"/><path d="M0,4 H8" stroke="{colour}" '
                      f'stroke-width="3"/>',
    }[kind]
    return f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">{body}</pattern>'


def _slice(cx: float, cy: float, r: float, start: float, end: float) -> str:
    x1, y1 = cx + r * math.sin(start), cy - r * math.cos(start)
    x2, y2 = cx + r * math.sin(end), cy - r * math.cos(end)
    large = 1 if end - start > math.pi else 0
    return f"M{cx:.2f},{cy:.2f} L{x1:.2f},{y1:.2f} A{r},{r} 0 {large} 1 {x2:.2f},{y2:.2f} Z"


def pie(chart_id: str, title: str, segments: list[Segment], *, empty: str, size: int = 160) -> Markup:
    """A pie chart as inline SVG with a legend (label, number, share) beside it; ``empty`` is shown for no data.

    ``chart_id`` keeps the pattern ids of two charts on one page apart."""
    total = sum(s.value for s in segments)
    r = size / 2 - 4
    cx = cy = size / 2
    defs, shapes, legend = [], [], []
    angle = 0.0
    for n, segment in enumerate(segments):
        colour, kind = STYLES[n % len(STYLES)]
        pid = f"{chart_id}-p{n}"
        defs.append(_pattern(pid, colour, kind))
        share = segment.value / total if total else 0
        if segment.value and total:
            label = escape(f"{segment.label}: {segment.value}")
            if segment.value == total:
                shapes.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="url(#{pid})" stroke="#333" '
                              f'stroke-width="1"><title>{label}</title></circle>')
            else:
                end = angle + share * 2 * math.pi
                shapes.append(f'<path d="{_slice(cx, cy, r, angle, end)}" fill="url(#{pid})" stroke="#333" '
                              f'stroke-width="1"><title>{label}</title></path>')
                angle = end
        swatch = (f'<svg width="18" height="18" aria-hidden="true"><defs>{_pattern(pid + "l", colour, kind)}</defs>'
                  f'<rect width="18" height="18" fill="url(#{pid}l)" stroke="#333"/></svg>')
        number = escape(str(segment.value))
        if segment.href and segment.value:
            number = Markup('<a href="{}" data-testid="{}-link-{}">{}</a>').format(segment.href, chart_id, n, number)
        legend.append(Markup('<li class="d-flex align-items-center mb-1" data-testid="{}-{}">{} '
                             '<span class="ml-2">{}: <strong>{}</strong> ({}&nbsp;%)</span></li>').format(
            chart_id, n, Markup(swatch), segment.label, number, round(share * 100)))  # noqa: S704 (built above)
    if not total:
        shapes.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="#f3f3f3" stroke="#999" stroke-dasharray="4 3"/>')
    svg = (f'<svg role="img" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title><defs>{"".join(defs)}</defs>'
           f'{"".join(shapes)}</svg>')
    caption = Markup('<p class="text-muted small mb-1">{}</p>').format(empty) if not total else ""
    return Markup('<figure class="d-flex align-items-start fd-chart" data-testid="{}"><div class="mr-3">{}</div>'
                  '<figcaption><strong>{}</strong>{}<ul class="list-unstyled mt-2 mb-0">{}</ul></figcaption>'
                  '</figure>').format(chart_id, Markup(svg), title, caption, Markup("").join(legend))  # noqa: S704


def bars(chart_id: str, title: str, rows: list[tuple[str, int, int]]) -> Markup:
    """Horizontal bars of rates: (label, part, whole) each, the share and "part of whole" written beside."""
    width, bar_h, gap, label_w = 360, 22, 14, 150
    height = len(rows) * (bar_h + gap) + gap
    parts = []
    for n, (label, part, whole) in enumerate(rows):
        colour, kind = STYLES[n % len(STYLES)]
        pid = f"{chart_id}-b{n}"
        share = part / whole if whole else 0
        y = gap + n * (bar_h + gap)
        length = (width - label_w - 10) * share
        parts.append(f'<defs>{_pattern(pid, colour, kind)}</defs>'
                     f'<text x="0" y="{y + 15}" font-size="13">{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{width - label_w - 10}" height="{bar_h}" fill="#f3f3f3" '
                     f'stroke="#999"/><rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" '
                     f'fill="url(#{pid})" stroke="#333"/>')
    svg = (f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(parts)}</svg>')
    return Markup(svg)  # noqa: S704 (every text in it is escaped above)
