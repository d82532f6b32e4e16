"""Charts drawn on the server as SVG: no JavaScript, no CDN, and they print.

Only presentation attributes (fill, stroke), never style="": the CSP forbids inline styles.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from django.utils.safestring import SafeString, mark_safe

from patron.core.formats import compact

PALETTE = {"customer": "#9a5b00", "client": "#0f7b5f", "other": "#6b7385"}
STAGE_COLOURS = {
    "new": "#3552c9",
    "active": "#0f7b5f",
    "at_risk": "#c77c02",
    "dormant": "#7a5fb5",
    "lost": "#9aa1b1",
}


def _svg(width: int, height: int, body: list[str], title: str) -> SafeString:
    # Safe: every text piece that goes into the SVG passes through escape().
    return mark_safe(
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 15) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="#1d2330">{escape(text)}</text>'
    )


def stage_bars(
    counts: dict[str, dict[str, int]],
    stage_labels: dict[str, str],
    kind_labels: dict[str, str],
    title: str,
):
    """Horizontal bars: one row per stage, one coloured segment per relationship kind."""
    stages = [s for s in STAGE_COLOURS if any(s in by_stage for by_stage in counts.values())]
    kinds = list(counts)
    if not stages:
        return None
    width, row, left = 460, 32, 80
    height = row * len(stages) + 40
    biggest = max(sum(counts[k].get(s, 0) for k in kinds) for s in stages) or 1
    body = []
    for i, stage in enumerate(stages):
        y = 10 + i * row
        body.append(_text(left - 8, y + 15, stage_labels.get(stage, stage), "end"))
        x = float(left)
        for kind in kinds:
            n = counts[kind].get(stage, 0)
            w = (width - left - 60) * n / biggest
            if n:
                colour = PALETTE.get(kind, PALETTE["other"])
                label = escape(str(kind_labels.get(kind, kind)))
                body.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="20" fill="{colour}">'
                    f"<title>{label}: {n:,}</title></rect>"
                )
            x += w
        total = sum(counts[k].get(stage, 0) for k in kinds)
        body.append(_text(x + 6, y + 15, f"{total:,}"))
    legend_y = height - 10
    for j, kind in enumerate(kinds):
        colour = PALETTE.get(kind, PALETTE["other"])
        body.append(
            f'<rect x="{left + j * 120}" y="{legend_y - 10}" width="12" height="12" '
            f'fill="{colour}"/>'
        )
        body.append(_text(left + j * 120 + 16, legend_y, str(kind_labels.get(kind, kind))))
    return _svg(width, height, body, title)


def histogram(
    edges: list[float],
    counts: list[int],
    title: str,
    unit: str,
    count_label: Callable[[int], str],
    money_label: Callable[[float], str],
    count_axis: str,
):
    """Bars of how many parties fall in each value range; ticks and tooltips in money."""
    if not counts or not any(counts):
        return None
    width, height, left, bottom = 460, 230, 56, 44
    plot_w, plot_h = width - left - 14, height - bottom - 24
    top = max(counts)
    bar_w = plot_w / len(counts)
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
        f'y2="{height - bottom}" stroke="#9aa1b1"/>'
    ]
    for i, n in enumerate(counts):
        h = plot_h * n / top
        x = left + i * bar_w
        body.append(
            f'<rect x="{x + 1:.1f}" y="{height - bottom - h:.1f}" width="{bar_w - 2:.1f}" '
            f'height="{h:.1f}" fill="#3552c9"><title>{escape(money_label(edges[i]))}–'
            f"{escape(money_label(edges[i + 1]))}: {escape(count_label(n))}</title></rect>"
        )
    ticks = list(range(0, len(edges), max(1, len(edges) // 4)))
    for i in ticks:
        # The last tick is anchored at its end so that it is not cut at the chart's edge.
        anchor = "end" if i == len(edges) - 1 or left + i * bar_w > width - 40 else "middle"
        body.append(_text(left + i * bar_w, height - bottom + 16, compact(edges[i]), anchor, 13))
    body.append(_text(left, height - 6, unit, "start", 13))
    body.append(_text(left - 6, 22, f"{top:,}", "end", 13))
    body.append(_text(left + 4, 12, count_axis, "start", 12))
    return _svg(width, height, body, title)


def tracking_chart(
    actual: list[float],
    predicted: list[float],
    split: float,
    title: str,
    labels: tuple[str, str, str],
    dates: tuple[str, str, str] = ("", "", ""),
):
    """Cumulative repeat purchases per week: actual (solid) against the model (dashed).

    `dates` label the start, the end of the history the model learned from, and today."""
    if not actual:
        return None
    width, height, left, bottom = 460, 256, 60, 56
    plot_w, plot_h = width - left - 10, height - bottom - 14
    top = max(max(actual), max(predicted)) or 1
    n = len(actual)

    def point(i: int, value: float) -> str:
        return f"{left + plot_w * (i + 1) / n:.1f},{height - bottom - plot_h * value / top:.1f}"

    actual_path = " ".join(point(i, v) for i, v in enumerate(actual))
    predicted_path = " ".join(point(i, v) for i, v in enumerate(predicted))
    split_x = left + plot_w * split / n
    axis_y = height - bottom
    body = [
        f'<line x1="{left}" y1="{axis_y}" x2="{width - 10}" y2="{axis_y}" stroke="#9aa1b1"/>',
        f'<line x1="{split_x:.1f}" y1="10" x2="{split_x:.1f}" y2="{axis_y}" '
        'stroke="#9aa1b1" stroke-dasharray="3 3"/>',
        f'<polyline points="{actual_path}" fill="none" stroke="#1d2330" stroke-width="2"/>',
        f'<polyline points="{predicted_path}" fill="none" stroke="#c77c02" stroke-width="2" '
        'stroke-dasharray="6 4"/>',
        _text(split_x + 4, 22, labels[2], "start", 13),
        _text(left - 6, 18, f"{top:,.0f}", "end", 13),
        _text(left, axis_y + 16, dates[0], "start", 12),
        _text(split_x, axis_y + 16, dates[1], "middle", 12),
        _text(width - 10, axis_y + 16, dates[2], "end", 12),
        f'<line x1="{left}" y1="{height - 15}" x2="{left + 18}" y2="{height - 15}" '
        'stroke="#1d2330" stroke-width="2"/>',
        _text(left + 24, height - 10, labels[0], "start", 13),
        f'<line x1="{left + 150}" y1="{height - 15}" x2="{left + 168}" y2="{height - 15}" '
        'stroke="#c77c02" stroke-width="2" stroke-dasharray="6 4"/>',
        _text(left + 174, height - 10, labels[1], "start", 13),
    ]
    return _svg(width, height, body, title)


def score_bars(rows: list[tuple[str, float | None, str]], low: float, high: float, title: str):
    """One bar per group from zero to its score on a scale from ``low`` to ``high`` (NPS runs
    from -100, so its bars go left or right of the zero line), with a note beside each
    (how many answered). A group without answers gets its note and no bar."""
    if not rows:
        return None
    width, row, left, right = 480, 30, 150, 130
    height = row * len(rows) + 24
    span = (width - left - right) or 1
    zero = left + span * (0 - low) / (high - low)
    body = [
        f'<line x1="{zero:.1f}" y1="4" x2="{zero:.1f}" y2="{height - 16}" stroke="#9aa1b1"/>',
        _text(left, height - 2, f"{low:g}", "start", 12),
        _text(left + span, height - 2, f"{high:g}", "end", 12),
    ]
    for i, (label, score, note) in enumerate(rows):
        y = 6 + i * row
        shown = label if len(label) <= 16 else label[:15] + "…"
        body.append(_text(left - 8, y + 15, shown, "end"))
        if score is not None:
            x = left + span * (score - low) / (high - low)
            start, end = sorted((zero, x))
            colour = "#0f7b5f" if score >= 0 and (low < 0 or score >= 80) else "#c77c02"
            if low < 0 and score < 0:
                colour = "#b3261e"
            body.append(
                f'<rect x="{start:.1f}" y="{y}" width="{max(end - start, 1):.1f}" height="20" '
                f'fill="{colour}"><title>{escape(label)}: {score:.0f}</title></rect>'
            )
            note = f"{score:.0f} · {note}"
        body.append(_text(left + span + 8, y + 15, note, "start", 13))
    return _svg(width, height, body, title)
