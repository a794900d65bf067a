"""The Home page's chart as plain numbers for an inline SVG: no chart library, no JavaScript."""

from __future__ import annotations

from dataclasses import dataclass

from ordermanager.stack.overview import Hour

WIDTH, HEIGHT = 960, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 44, 12, 28


@dataclass
class Bar:
    x: float
    width: float
    sent_y: float
    sent_h: float
    failed_y: float
    failed_h: float
    hour: Hour
    label: str  # the hour under the axis, every sixth bar


def _nice(value: int) -> int:
    """A round axis maximum at or above `value`."""
    for step in (1, 2, 5):
        for power in range(7):
            top = step * 10**power
            if top >= value:
                return top
    return value


def chart(hours: list[Hour]) -> dict[str, object]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(hours), 1)
    top = _nice(max([h.sent + h.failed for h in hours] + [1]))
    backlog_top = _nice(max([h.backlog for h in hours] + [1]))
    bars, points = [], []
    for n, h in enumerate(hours):
        x = LEFT + n * slot
        sent_h = plot_h * h.sent / top
        failed_h = plot_h * h.failed / top
        base = TOP + plot_h
        bars.append(
            Bar(
                x=round(x + 1, 1),
                width=round(slot - 2, 1),
                sent_y=round(base - sent_h, 1),
                sent_h=round(sent_h, 1),
                failed_y=round(base - sent_h - failed_h, 1),
                failed_h=round(failed_h, 1),
                hour=h,
                label=h.start.strftime("%H:00") if n % 6 == 0 else "",
            )
        )
        points.append(f"{x + slot / 2:.1f},{base - plot_h * h.backlog / backlog_top:.1f}")
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "base": TOP + plot_h,
        "mid": TOP + plot_h / 2,
        "max": top,
        "half": top // 2 if top > 1 else "",
        "backlog_max": backlog_top,
        "bars": bars,
        "backlog": " ".join(points),
        "total_sent": sum(h.sent for h in hours),
        "total_failed": sum(h.failed for h in hours),
    }
