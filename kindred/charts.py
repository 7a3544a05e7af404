"""Charts as PNG pictures, for private replies and the organizers' monthly DM.

Drawn with matplotlib's non-interactive Agg backend through its object API (a `Figure` and
its own canvas, never pyplot's global figures), in a drawing process of its own, started
with the first chart asked for and kept for the next ones. matplotlib and numpy then never
enter the bot's process: they add some 80-90 MiB that a long-running bot would keep for
good after one picture (a million subscriptions' bot stays under its memory budget, see
docs/performance.md), and a drawing that runs wild can't take the bot down with it. The
event loop goes on meanwhile, so commands and the courier keep answering while it draws;
one process is enough (a chart takes a tenth of a second). A chart is asked for by its
function here and the plain data it draws (both pickled to the drawing process), never a
closure; `draw_now` draws in the calling thread, for benchmarks and the drawing's tests.

Every chart here takes numbers and labels already rendered from `prompts/`; none takes a
member's name or id, so none can draw one. `Picture.texts` lists every piece of text drawn,
for the tests and for whoever wonders what the picture says.

Looks: an opaque warm-white card with dark ink, readable in Discord's light and dark themes;
the Okabe-Ito palette, which readers with any common colour-vision deficiency can tell
apart, and never colour alone: hidden periods are hatched, bands and parts are labelled in
words. Large type (a phone shows a 900-pixel picture about 360 points wide).
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ParamSpec

from coaching.insights import PITCH_BANDS, Calendar, Panel, RolodexOverview

if TYPE_CHECKING:
    import discord
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Okabe & Ito (2008), "Color Universal Design".
BLUE, ORANGE, SKY, GREEN = "#0072B2", "#E69F00", "#56B4E9", "#009E73"
YELLOW, VERMILION, PURPLE = "#F0E442", "#D55E00", "#CC79A7"
PAPER, INK, MUTED, GRID, EMPTY = "#FAF8F3", "#24242A", "#5C5F66", "#E2DED4", "#E8E4DA"
HATCH_INK = "#B5AE9F"  # the hatching of hidden figures: visible, quieter than any data
SERIES_COLOURS = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILION, YELLOW)
VERDICT_COLOURS = {"pitching": VERMILION, "balanced": ORANGE, "connecting": GREEN}
PART_COLOURS = {"client": GREEN, "met": SKY, "not_fit": ORANGE, "open": EMPTY}
HIDDEN_HATCH = "///"

WIDTH_INCHES = 7.2
DPI = 125  # 900 pixels wide
PANEL_INCHES = 3.0
HEADER_INCHES = 1.05
BASE_FONT = 13.0

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
log = logging.getLogger(__name__)
Chart = ParamSpec("Chart")
PARENT_CHECK_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Picture:
    """A drawn chart: its PNG, the attachment's name and description (the alt text screen
    readers announce), its size in pixels and every text drawn in it."""

    png: bytes
    filename: str
    description: str
    width: int
    height: int
    texts: tuple[str, ...]

    def file(self) -> discord.File:
        import discord  # the bot has it loaded; the drawing process never needs it

        return discord.File(
            io.BytesIO(self.png), filename=self.filename, description=self.description
        )

    def outbox_file(self) -> dict[str, str]:
        """The picture as an outbox payload carries it (see the courier)."""
        return {
            "filename": self.filename,
            "description": self.description,
            "data": base64.b64encode(self.png).decode("ascii"),
        }


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # "spawn": a fresh interpreter, not a fork of the bot's threads and sockets.
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_end_with_parent,
                initargs=(os.getpid(),),
            )
        return _pool


def _end_with_parent(parent: int) -> None:
    """In the drawing process: end when the bot's process is gone. A bot that exits cleanly
    ends it through the pool, but one killed (SIGKILL, out of memory) would leave it waiting
    for work forever: its queue's pipes stay open in the drawing process itself."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="kindred-charts-parent", daemon=True).start()


def stop_drawing() -> None:
    """End the drawing process, if one was started (the bot's close)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


async def draw(
    chart: Callable[Chart, Callable[[], Figure]],
    *args: Chart.args,
    filename: str,
    description: str,
    **kwargs: Chart.kwargs,
) -> Picture:
    """Draw `chart(*args)`'s figure in the drawing process; the event loop goes on
    meanwhile. A drawing process that died (killed, out of memory) is replaced once."""
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        try:
            png, width, height, texts = await loop.run_in_executor(
                _executor(), _draw_chart, chart, args, kwargs
            )
            break
        except BrokenProcessPool:
            log.warning("the drawing process ended unexpectedly; starting a new one")
            stop_drawing()
            if attempt == 2:
                raise
    return Picture(png, filename, description[:1024], width, height, texts)


def _draw_chart(
    chart: Callable[..., Callable[[], Figure]], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[bytes, int, int, tuple[str, ...]]:
    return _png(chart(*args, **kwargs))


def draw_now(build: Callable[[], Figure]) -> tuple[bytes, int, int, tuple[str, ...]]:
    """The same in the calling thread (benchmarks; tests of the drawing itself)."""
    return _png(build)


def _png(build: Callable[[], Figure]) -> tuple[bytes, int, int, tuple[str, ...]]:
    from matplotlib.text import Text

    figure = build()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor=PAPER, metadata={"Software": None})
    width, height = (round(v) for v in figure.get_size_inches() * figure.dpi)
    texts = tuple(
        text
        for artist in figure.findobj(Text)
        if isinstance(artist, Text) and artist.get_visible() and (text := artist.get_text())
    )
    return buffer.getvalue(), width, height, texts


def _figure(height_inches: float) -> Figure:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, height_inches), dpi=DPI, facecolor=PAPER)
    FigureCanvasAgg(figure)
    return figure


def _style(ax: Axes) -> None:
    ax.set_facecolor(PAPER)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(MUTED)
    ax.tick_params(colors=INK, labelsize=BASE_FONT - 1, length=0, pad=6)
    ax.grid(axis="y", color=GRID, linewidth=1)
    ax.set_axisbelow(True)


def _header(figure: Figure, title: str, subtitle: str, height: float) -> None:
    figure.text(0.04, 1 - 0.42 / height, title, fontsize=BASE_FONT + 6, weight="bold", color=INK)
    if subtitle:
        figure.text(0.04, 1 - 0.78 / height, subtitle, fontsize=BASE_FONT, color=MUTED)


# ----------------------------------------------------------------------- community picture


@dataclass(frozen=True, slots=True)
class PanelWords:
    """A panel and its words: title, series labels (in `panel.series` order), the note
    shown when the panel is hidden, and the legend label of a hidden period."""

    panel: Panel
    title: str
    series: tuple[str, ...]
    hidden_note: str
    hidden_period: str


def community_chart(
    title: str, subtitle: str, periods: Sequence[date], panels: Sequence[PanelWords]
) -> Callable[[], Figure]:
    def build() -> Figure:
        height = HEADER_INCHES + PANEL_INCHES * len(panels)
        figure = _figure(height)
        _header(figure, title, subtitle, height)
        top = 1 - HEADER_INCHES / height
        step = (top - 0.01) / max(1, len(panels))
        for index, words in enumerate(panels):
            # Each panel: title line, plot, then room for tick labels and the legend.
            bottom = top - step * (index + 1)
            ax = figure.add_axes((0.09, bottom + step * 0.30, 0.87, step * 0.52))
            figure.text(
                0.04,
                bottom + step * 0.90,
                words.title,
                fontsize=BASE_FONT + 2,
                weight="bold",
                color=INK,
            )
            if words.panel.hidden:
                _hidden_panel(ax, words.hidden_note)
            elif words.panel.style == "parts":
                _parts(ax, words)
            else:
                _periods(ax, words, periods)
        return figure

    return build


def _hidden_panel(ax: Axes, note: str) -> None:
    ax.set_axis_off()
    ax.add_patch(_box(ax))
    ax.text(0.5, 0.5, note, ha="center", va="center", fontsize=BASE_FONT, color=MUTED, wrap=True)


def _box(ax: Axes) -> Any:
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch(
        (0.02, 0.1),
        0.96,
        0.8,
        boxstyle="round,pad=0.02",
        facecolor=EMPTY,
        edgecolor=HATCH_INK,
        hatch=HIDDEN_HATCH,
        transform=ax.transAxes,
    )


def _period_label(day: date, count: int, index: int) -> str:
    # Every label fits up to 6 periods; past that every other one.
    if count > 6 and index % 2:
        return ""
    return f"{day.day} {day:%b}"


def _periods(ax: Axes, words: PanelWords, periods: Sequence[date]) -> None:
    from matplotlib.patches import Patch

    _style(ax)
    panel = words.panel
    xs = list(range(len(panel.values)))
    share = panel.style == "share"
    tallest = 0.0
    handles = []
    bottoms = [0.0] * len(xs)
    for s, label in enumerate(words.series):
        heights = [
            0.0 if row[s] is None else (row[s] or 0.0) * (100 if share else 1)
            for row in panel.values
        ]
        if not share and not any(heights):
            continue  # a kind nobody gave in the window: not in the legend either
        colour = BLUE if share else SERIES_COLOURS[s % len(SERIES_COLOURS)]
        _bars(ax, xs, heights, bottoms, facecolor=colour, edgecolor=PAPER, linewidth=1)
        handles.append(Patch(facecolor=colour, label=label))
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    tallest = max(bottoms, default=0.0)
    ceiling = 100.0 if share else max(1.0, tallest * 1.15)
    gaps = [x for x, row in zip(xs, panel.values, strict=True) if all(v is None for v in row)]
    hidden_any = bool(gaps)
    if gaps:
        _bars(
            ax,
            gaps,
            [ceiling] * len(gaps),
            [0.0] * len(gaps),
            facecolor=EMPTY,
            hatch=HIDDEN_HATCH,
            edgecolor=HATCH_INK,
            linewidth=0,
        )
    if share:
        ax.set_ylim(0, 100)
        ax.set_yticks([0, 50, 100], ["0%", "50%", "100%"])
        if len(xs) <= 13:
            for x, b, row in zip(xs, bottoms, panel.values, strict=True):
                if row[0] is not None:
                    ax.text(
                        x,
                        min(b, 88) + 3,
                        f"{b:.0f}%",
                        ha="center",
                        fontsize=BASE_FONT - 2,
                        color=INK,
                    )
    else:
        ax.set_ylim(0, ceiling)
        ax.yaxis.get_major_locator().set_params(integer=True, nbins=4)
    # Ticks only where there is a label: each tick is a handful of artists to draw.
    labelled = [(i, _period_label(day, len(xs), i)) for i, day in enumerate(periods)]
    ax.set_xticks([i for i, label in labelled if label], [label for _, label in labelled if label])
    ax.set_xlim(-0.6, len(xs) - 0.4)
    if hidden_any:
        handles.append(
            Patch(
                facecolor=EMPTY, edgecolor=HATCH_INK, hatch=HIDDEN_HATCH, label=words.hidden_period
            )
        )
    if handles and (len(handles) > 1 or not share):
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.22),
            ncol=min(len(handles), 3),
            frameon=False,
            fontsize=BASE_FONT - 2,
            labelcolor=INK,
            handlelength=1.2,
            columnspacing=1.2,
        )


def _bars(
    ax: Axes, xs: Sequence[int], heights: Sequence[float], bottoms: Sequence[float], **style: Any
) -> None:
    """Vertical bars as one collection: one artist to draw instead of one per bar."""
    from matplotlib.collections import PolyCollection

    half = 0.36
    ax.add_collection(
        PolyCollection(
            [
                ((x - half, b), (x - half, b + h), (x + half, b + h), (x + half, b))
                for x, h, b in zip(xs, heights, bottoms, strict=True)
                if h
            ],
            **style,
        )
    )


def _parts(ax: Axes, words: PanelWords) -> None:
    from matplotlib.patches import Patch

    ax.set_axis_off()
    row = [v or 0.0 for v in words.panel.values[0]]
    total = sum(row)
    if not total:
        ax.add_patch(_box(ax))
        return
    left = 0.0
    handles = []
    for key, label, value in zip(words.panel.series, words.series, row, strict=True):
        colour = PART_COLOURS.get(key, GRID)
        width = value / total
        if value:
            ax.barh(0, width, left=left, color=colour, height=0.4, edgecolor=PAPER, linewidth=2)
            if width > 0.07:
                ax.text(
                    left + width / 2,
                    0,
                    f"{value:.0f}",
                    ha="center",
                    va="center",
                    fontsize=BASE_FONT + 1,
                    weight="bold",
                    color=INK,
                )
        handles.append(Patch(facecolor=colour, edgecolor=GRID, label=f"{label}: {value:.0f}"))
        left += width
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.5, 0.5)
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.2),
        ncol=2,
        frameon=False,
        fontsize=BASE_FONT - 1,
        labelcolor=INK,
        handlelength=1.2,
    )


# ------------------------------------------------------------------------- pitch history


def pitch_chart(
    title: str,
    subtitle: str,
    points: Sequence[tuple[datetime, int]],
    bands: dict[str, str],
) -> Callable[[], Figure]:
    """Scores 0-100 over time, oldest first, on the verdict bands (labelled with `bands`)."""

    def build() -> Figure:
        height = 4.6
        figure = _figure(height)
        _header(figure, title, subtitle, height)
        ax = figure.add_axes((0.09, 0.12, 0.68, 1 - 0.12 - (HEADER_INCHES + 0.2) / height))
        _style(ax)
        ax.grid(False)
        for verdict, low, high in PITCH_BANDS:
            colour = VERDICT_COLOURS[verdict]
            ax.axhspan(low, min(high, 100), color=colour, alpha=0.16, linewidth=0)
            ax.text(
                1.02,
                (low + min(high, 100)) / 2,
                bands[verdict],
                transform=ax.get_yaxis_transform(),
                va="center",
                fontsize=BASE_FONT - 1,
                color=INK,
            )
        xs = list(range(len(points)))
        ys = [score for _, score in points]
        ax.plot(xs, ys, color=INK, linewidth=2, zorder=3)
        for x, y in zip(xs, ys, strict=True):
            verdict = next(v for v, low, high in PITCH_BANDS if low <= y < high)
            marker = {"pitching": "v", "balanced": "o", "connecting": "^"}[verdict]
            ax.plot(
                x,
                y,
                marker=marker,
                markersize=10,
                color=VERDICT_COLOURS[verdict],
                markeredgecolor=INK,
                zorder=4,
            )
        ax.set_ylim(0, 100)
        ax.set_yticks([0, 40, 60, 100])
        ax.set_xlim(-0.5, max(len(xs) - 0.5, 0.5))
        step = max(1, len(xs) // 5)
        ticks = list(range(0, len(xs), step))
        ax.set_xticks(ticks, [f"{points[i][0].day} {points[i][0]:%b}" for i in ticks])
        return figure

    return build


# ------------------------------------------------------------------- reflection calendar


def calendar_chart(
    title: str,
    subtitle: str,
    cal: Calendar,
    weekdays: Sequence[str],
    months: dict[int, str],
    legend: tuple[str, str, str],
) -> Callable[[], Figure]:
    """A square per day, a column per week (Monday on top): filled on days she reflected."""

    def build() -> Figure:
        from matplotlib.patches import Patch, Rectangle

        weeks = len(cal.grid[0])
        height = 3.3
        figure = _figure(height)
        _header(figure, title, subtitle, height)
        ax = figure.add_axes((0.1, 0.13, 0.86, 1 - 0.13 - (HEADER_INCHES + 0.1) / height))
        ax.set_axis_off()
        for weekday, row in enumerate(cal.grid):
            for week, count in enumerate(row):
                if count is None:
                    continue
                colour = EMPTY if count == 0 else (SKY if count == 1 else BLUE)
                ax.add_patch(
                    Rectangle((week + 0.08, 6 - weekday + 0.08), 0.84, 0.84, facecolor=colour, lw=0)
                )
        for weekday in (0, 2, 4):
            ax.text(-0.4, 6 - weekday + 0.5, weekdays[weekday], ha="right", va="center",
                    fontsize=BASE_FONT - 2, color=MUTED)  # fmt: skip
        for week, month in cal.month_starts:
            ax.text(week + 0.1, 7.25, months[month], fontsize=BASE_FONT - 2, color=MUTED)
        ax.set_xlim(-0.2, weeks + 0.1)
        ax.set_ylim(-0.1, 8)
        ax.set_aspect("equal")
        shades = [Patch(facecolor=EMPTY, label=legend[0]), Patch(facecolor=SKY, label=legend[1])]
        if any(count and count > 1 for row in cal.grid for count in row):
            shades.append(Patch(facecolor=BLUE, label=legend[2]))
        ax.legend(
            handles=shades,
            loc="upper right",
            bbox_to_anchor=(1.0, 0.0),
            ncol=3,
            frameon=False,
            fontsize=BASE_FONT - 2,
            labelcolor=INK,
        )
        return figure

    return build


# ----------------------------------------------------------------------- Rolodex overview


def rolodex_chart(
    title: str,
    subtitle: str,
    overview: RolodexOverview,
    circles: tuple[str, str, str, str],
    rhythm: tuple[str, str, str],
    rhythm_title: str,
) -> Callable[[], Figure]:
    """How many people she has, knows, likes and trusts; and the stay-in-touch rhythm:
    on track, drifting, none set. Counts only: names stay in the reply's text."""

    def build() -> Figure:
        height = 4.4
        figure = _figure(height)
        _header(figure, title, subtitle, height)
        top = 1 - (HEADER_INCHES + 0.15) / height
        ax = figure.add_axes((0.26, 0.36, 0.66, top - 0.36))
        _style(ax)
        ax.grid(axis="x", color=GRID)
        ax.grid(axis="y", visible=False)
        values = [overview.people, overview.know, overview.like, overview.trust]
        colours = [MUTED, SKY, BLUE, GREEN]
        ys = [3, 2, 1, 0]
        ax.barh(ys, values, color=colours, height=0.62)
        ax.set_yticks(ys, list(circles))
        ceiling = max(1, max(values))
        for y, value in zip(ys, values, strict=True):
            ax.text(value + ceiling * 0.015, y, str(value), va="center",
                    fontsize=BASE_FONT, weight="bold", color=INK)  # fmt: skip
        ax.set_xlim(0, ceiling * 1.12)
        ax.xaxis.get_major_locator().set_params(integer=True, nbins=4)
        ax.spines["bottom"].set_visible(False)
        ax.tick_params(axis="x", labelbottom=False)
        strip = figure.add_axes((0.26, 0.09, 0.66, 0.1))
        strip.set_axis_off()
        figure.text(0.04, 0.23, rhythm_title, fontsize=BASE_FONT, weight="bold", color=INK)
        parts = [overview.on_track, len(overview.drifting), overview.no_rhythm]
        total = sum(parts) or 1
        left = 0.0
        for value, label, colour in zip(parts, rhythm, (GREEN, ORANGE, EMPTY), strict=True):
            if value:
                strip.barh(0, value / total, left=left, color=colour, edgecolor=PAPER,
                           linewidth=2, height=1)  # fmt: skip
                strip.text(left + value / total / 2, 0, f"{label}: {value}", ha="center",
                           va="center", fontsize=BASE_FONT - 1, color=INK)  # fmt: skip
            left += value / total
        strip.set_xlim(0, 1)
        strip.set_ylim(-0.5, 0.5)
        return figure

    return build
