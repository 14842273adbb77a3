"""Draw a chart's numbers (render.chart_models) to PNG or SVG bytes, offline, with matplotlib (Agg).

Only matplotlib's object API is used (no pyplot, no global figure state) and every figure is drawn
under a fixed style (bundled DejaVu Sans, no math parsing of names, fixed SVG id salt, no dates in the
metadata), so the same numbers give the same bytes. matplotlib is imported with this module, which the
server and the CLI import only when a chart is asked for.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Callable
from typing import Any, Literal

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator

from customer_success_mcp.formatting import day, money, money_short, number, plural, score, share
from customer_success_mcp.render.chart_models import (
    HEALTH_COLOURS,
    SEGMENT_COLOURS,
    TIER_COLOURS,
    AccountHealthChart,
    BreakdownChart,
    Drawable,
    HealthMigration,
    RenewalsChart,
    RiskVsArr,
)

ImageFormat = Literal["png", "svg"]
WIDTH_IN, HEIGHT_IN, DPI = 9.0, 5.0, 100  # 900 x 500 pixels
INK, MUTED, GRID = "#1f2328", "#59636e", "#d8dee4"
STYLE: dict[Any, Any] = {  # keys are rcParams names
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "text.parse_math": False,  # account names are data: a "$" in one must not start mathtext
    "text.usetex": False,
    "svg.fonttype": "none",  # text stays text in the SVG: searchable, small, printable
    "svg.hashsalt": "customer-success-mcp",
    "axes.edgecolor": GRID,
    "axes.labelcolor": MUTED,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
}
RASTER_POINTS = 2_000
_LOCK = threading.Lock()  # rcParams are global; drawing is serialised


def _label(name: str) -> str:
    return name.replace("_", " ")


def _short(text: str, width: int = 26) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _frame(fig: Figure, title: str, subtitle: str) -> Any:
    fig.text(0.012, 0.955, title, fontsize=14, fontweight="bold", color=INK, va="top")
    fig.text(0.012, 0.885, subtitle, fontsize=9.5, color=MUTED, va="top")
    left = min(0.3, 1.5 / fig.get_figwidth())  # room for the category names at any width
    ax = fig.add_axes((left, 0.13, 0.95 - left, 0.68))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    return ax


def _money_axis(axis: Any) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: money_short(v)))


def _breakdown(fig: Figure, data: BreakdownChart) -> None:
    sub = (
        f"as of {day(data.as_of)} · {plural(data.accounts, 'account')} · {money(data.total_arr)} ARR · "
        "each bar: ARR, share of ARR, accounts"
    )
    ax = _frame(fig, data.title, sub)
    buckets = list(reversed(data.buckets))  # first bucket on top
    palette = {**HEALTH_COLOURS, **TIER_COLOURS}
    colours = [
        palette.get(b.name, SEGMENT_COLOURS[i % len(SEGMENT_COLOURS)]) for i, b in enumerate(data.buckets)
    ][::-1]
    y = range(len(buckets))
    ax.barh(list(y), [b.arr for b in buckets], color=colours, height=0.62)
    ax.set_yticks(list(y), [_label(b.name) for b in buckets], fontsize=11, color=INK)
    top = max((b.arr for b in buckets), default=0.0) or 1.0
    ax.set_xlim(0, top * (1.0 + 5.5 / fig.get_figwidth()))  # room for the words after the longest bar
    _money_axis(ax.xaxis)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for i, b in enumerate(buckets):
        words = f"{money_short(b.arr)} · {share(b.arr_share)} · {plural(b.accounts, 'account')}"
        ax.text(b.arr + top * 0.015, i, words, va="center", fontsize=9.5, color=INK)


def _month_label(key: str) -> str:
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    year, month = key.split("-")
    return f"{names[int(month) - 1]}\n{year}"


def _renewals(fig: Figure, data: RenewalsChart) -> None:
    sub = (
        f"as of {day(data.as_of)} · contracts ending by {day(data.ends_on)} · "
        f"{plural(data.accounts, 'account')}, {money(data.arr)} ARR, {money(data.at_risk_arr)} at risk"
    )
    ax = _frame(fig, data.title, sub)
    ax.set_position((0.09, 0.13, 0.74, 0.68))
    x = list(range(len(data.months)))
    bottom = [0.0] * len(x)
    for tier in ("critical", "high", "medium", "low"):
        values = [getattr(m, f"{tier}_arr") for m in data.months]
        ax.bar(x, values, bottom=bottom, color=TIER_COLOURS[tier], width=0.66, label=tier)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    top = max(bottom, default=0.0) or 1.0
    ax.set_ylim(0, top * 1.22)
    ax.set_xticks(x, [_month_label(m.month) for m in data.months], color=INK)
    _money_axis(ax.yaxis)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for i, m in enumerate(data.months):
        if m.accounts:
            ax.text(
                i,
                m.arr + top * 0.02,
                f"{money_short(m.arr)}\n{plural(m.accounts, 'account')}",
                ha="center",
                va="bottom",
                fontsize=8.5,
                color=INK,
            )
    ax.legend(title="risk tier", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)


def _scatter(fig: Figure, data: RiskVsArr) -> None:
    sub = f"as of {day(data.as_of)} · {plural(data.accounts, 'account')} plotted, colour = health class"
    if data.not_plotted:
        sub += f" · {plural(data.not_plotted, 'account')} with no ARR not plotted"
    ax = _frame(fig, data.title, sub)
    ax.set_position((0.08, 0.13, 0.74, 0.68))
    size = 30 if data.accounts <= 500 else 8
    for name, colour in HEALTH_COLOURS.items():
        xs = [a for a, c in zip(data.arr, data.health_class, strict=True) if c == name]
        ys = [r for r, c in zip(data.risk, data.health_class, strict=True) if c == name]
        if xs:
            ax.scatter(
                xs,
                ys,
                s=size,
                color=colour,
                alpha=0.8,
                linewidths=0,
                label=f"{_label(name)} ({len(xs):,})",
                rasterized=data.accounts
                > RASTER_POINTS,  # in SVG: one embedded picture, not a path per point
            )
    if data.arr:
        ax.set_xscale("log")
        ax.set_xlim(min(data.arr) / 1.6, max(data.arr) * 1.6)
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    _money_axis(ax.xaxis)
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda _v, _pos: ""))
    ax.set_ylim(0, 100)
    ax.set_xlabel("ARR (log scale)")
    ax.set_ylabel("churn risk (0-100)")
    for tier, floor in sorted(data.tier_floors.items(), key=lambda kv: -kv[1]):
        ax.axhline(floor, color=TIER_COLOURS.get(tier, MUTED), linestyle="--", linewidth=0.9)
        ax.text(
            1.005,
            floor,
            f"{tier} ≥ {floor:g}",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=8.5,
            color=MUTED,
        )
    _label_points(fig, ax, data)
    ax.grid(color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(title="health", loc="upper left", bbox_to_anchor=(1.0, 0.33), frameon=False, fontsize=9)


def _label_points(fig: Figure, ax: Any, data: RiskVsArr) -> None:
    """Name the labelled points, labels stacked so they never overlap, on the side with room."""
    if not data.labelled or not data.arr:
        return
    points_per_risk = ax.get_position().height * fig.get_figheight() * 72 / 100  # y: 0-100 over the axes
    low, high = (math.log10(v) for v in ax.get_xlim())
    previous = math.inf
    for p in sorted(data.labelled, key=lambda q: -q.risk_score):
        y = min(p.risk_score, previous - 11 / points_per_risk)  # at least 11 points below the label above
        previous = y
        right_side = (math.log10(p.arr) - low) / (high - low) > 0.6
        ax.annotate(
            _short(p.name),
            (p.arr, p.risk_score),
            xytext=(-8 if right_side else 8, (y - p.risk_score) * points_per_risk),
            textcoords="offset points",
            fontsize=8.5,
            color=INK,
            ha="right" if right_side else "left",
            va="center",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            arrowprops={"arrowstyle": "-", "color": MUTED, "linewidth": 0.6},
        )


def _migration(fig: Figure, data: HealthMigration) -> None:
    sub = (
        f"{day(data.from_as_of)} → {day(data.to_as_of)} · new {plural(data.new_accounts, 'account')}, "
        f"gone {plural(data.gone_accounts, 'account')}"
    )
    ax = _frame(fig, data.title, sub)
    ax.set_position((0.2, 0.1, 0.6, 0.7))
    n = len(data.classes)
    cells = {(c.from_class, c.to_class): c for c in data.cells}
    grid = [[cells[(f, t)].arr if (f, t) in cells else 0.0 for t in data.classes] for f in data.classes]
    top = max((v for row in grid for v in row), default=0.0) or 1.0
    ax.imshow(grid, cmap="Blues", vmin=0, vmax=top * 1.6, aspect="auto")
    labels = [_label(c) for c in data.classes]
    ax.set_xticks(range(n), labels, color=INK)
    ax.set_yticks(range(n), labels, color=INK)
    ax.set_xlabel(f"health class on {day(data.to_as_of)}")
    ax.set_ylabel(f"health class on {day(data.from_as_of)}")
    for i, f in enumerate(data.classes):
        for j, t in enumerate(data.classes):
            cell = cells.get((f, t))
            if cell is not None and cell.accounts:
                ax.text(
                    j,
                    i,
                    f"{plural(cell.accounts, 'account')}\n{money_short(cell.arr)}",
                    ha="center",
                    va="center",
                    fontsize=9.5,
                    color=INK,
                    fontweight="bold" if i == j else "normal",
                )


def _account_health(fig: Figure, data: AccountHealthChart) -> None:
    sub = f"{_short(data.account, 60)} · as of {day(data.as_of)} · score 0-100, this period against the last"
    ax = _frame(fig, data.title, sub)
    areas = list(reversed(data.areas))  # first area on top
    y = list(range(len(areas)))
    height = 0.36
    previous = [a.previous_score or 0.0 for a in areas]
    current = [a.score or 0.0 for a in areas]
    ax.barh([i - height / 2 for i in y], previous, height=height, color=GRID, label="last period")
    colours = [HEALTH_COLOURS.get(a.classification, MUTED) for a in areas]
    ax.barh([i + height / 2 for i in y], current, height=height, color=colours, label="this period")
    ax.set_yticks(y, [_short(a.label) for a in areas], fontsize=11, color=INK)
    ax.set_xlim(0, 112)  # room for the figure after a full bar
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for i, a in enumerate(areas):
        now = score(a.score)
        ax.text((a.score or 0.0) + 1.2, i + height / 2, now, va="center", fontsize=10, color=INK)
        if a.previous_score is not None:
            ax.text(a.previous_score + 1.2, i - height / 2, number(a.previous_score), va="center", fontsize=9,
                    color=MUTED)  # fmt: skip
    ax.legend(loc="lower right", frameon=False, fontsize=9)


DRAWERS: dict[str, Callable[[Figure, Any], None]] = {
    "arr_by_health": _breakdown,
    "arr_by_risk_tier": _breakdown,
    "arr_by_segment": _breakdown,
    "renewals_by_month": _renewals,
    "risk_vs_arr": _scatter,
    "health_migration": _migration,
    "account_health": _account_health,
}

_SVG_PROLOGUE = re.compile(r"\A<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?")
_SVG_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)  # RDF boilerplate, namespaces and all


def draw(
    data: Drawable, fmt: ImageFormat = "png", size: tuple[float, float] = (WIDTH_IN, HEIGHT_IN)
) -> bytes:
    """The chart as PNG bytes (900 x 500 by default) or SVG (UTF-8 bytes, ready to inline in HTML)."""
    with _LOCK, matplotlib.rc_context(STYLE):
        fig = Figure(figsize=size, facecolor="white")
        DRAWERS[data.kind](fig, data)
        buffer = io.BytesIO()
        if fmt == "png":
            fig.savefig(buffer, format="png", metadata={"Software": None})
            return _palette_png(buffer.getvalue())
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = _SVG_METADATA.sub("", _SVG_PROLOGUE.sub("", buffer.getvalue().decode("utf-8")), count=1)
    return text.encode("utf-8")


def _palette_png(rgba: bytes) -> bytes:
    """The PNG with at most 256 colours (flat charts lose nothing visible): about a third of the bytes."""
    from PIL import Image  # Pillow comes with matplotlib

    with Image.open(io.BytesIO(rgba)) as image:
        flat = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    out = io.BytesIO()
    flat.save(out, format="PNG", optimize=True)
    return out.getvalue()


def png(data: Drawable) -> bytes:
    return draw(data, "png")


def svg(data: Drawable, label: str | None = None, size: tuple[float, float] = (WIDTH_IN, HEIGHT_IN)) -> str:
    """The chart as an inline `<svg>` element, with an accessible name when given; its ids are prefixed
    with the kind, so several charts can share one HTML page."""
    text = draw(data, "svg", size).decode("utf-8")
    prefix = data.kind.replace("_", "-")
    text = re.sub(r'(\bid="|url\(#|href="#)', lambda m: f"{m.group(1)}{prefix}-", text)
    if label:
        from html import escape

        text = text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return text
