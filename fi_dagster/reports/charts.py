"""Inline SVG line charts: self-contained (no CDN, no JavaScript), safe to email or archive."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[str, float | None]]  # (partition_date, value), oldest first


def line_chart(series: Series, *, width: int = 320, height: int = 90, fmt: str = "{:.3g}") -> str:
    """One series as an SVG polyline with min/max labels; gaps (None) break the line."""
    values = [v for _, v in series.points if v is not None and math.isfinite(v)]
    title = escape(series.label)
    if not values:
        return f'<svg role="img" aria-label="{title}: no data" width="{width}" height="{height}"/>'
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    pad = 12
    n = len(series.points)
    step = (width - 2 * pad) / max(n - 1, 1)
    segments: list[list[str]] = [[]]
    for i, (_, value) in enumerate(series.points):
        if value is None or not math.isfinite(value):
            segments.append([])
            continue
        x = pad + i * step
        y = height - pad - (value - low) / span * (height - 2 * pad)
        segments[-1].append(f"{x:.1f},{y:.1f}")
    lines = "".join(
        f'<polyline fill="none" stroke="#3060c0" stroke-width="2" points="{" ".join(s)}"/>'
        for s in segments
        if s
    )
    first, last = escape(series.points[0][0]), escape(series.points[-1][0])
    return (
        f'<svg role="img" aria-label="{title}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{title} ({first} – {last})</title>{lines}"
        f'<text x="{pad}" y="10" font-size="9">max {escape(fmt.format(high))}</text>'
        f'<text x="{pad}" y="{height - 1}" font-size="9">min {escape(fmt.format(low))}</text>'
        "</svg>"
    )
