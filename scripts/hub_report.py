"""`make measure-hub MEASURE_HUB_ARGS=--save`: the spawn figures as docs/hub-spawn.svg (spawn time against class
size, median and max, written by hand: no plotting library on the host) and as the numbers block of
docs/measurements.md, between its `measure-hub` markers, with the conditions they were measured in."""

from __future__ import annotations

import re
from pathlib import Path

BEGIN, END = "<!-- measure-hub:begin -->", "<!-- measure-hub:end -->"
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 400, 60, 20, 40, 50


def _nice_step(top: float) -> float:
    for step in (1, 2, 5, 10, 15, 20, 30, 60, 120):
        if top / step <= 8:
            return step
    return 300


def spawn_svg(spawn: dict, title: str) -> str:
    """A line chart: x = students starting at once, y = seconds until their server answers (median, max)."""
    sizes = sorted(int(size) for size in spawn)
    rows = [spawn[size] if size in spawn else spawn[str(size)] for size in sizes]
    top = max([row["max_s"] or 0 for row in rows] + [1.0])
    step = _nice_step(top)
    y_max = step * (int(top // step) + 1)
    x_max = max(sizes)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(size: float) -> float:
        return LEFT + plot_w * size / x_max

    def y(seconds: float) -> float:
        return TOP + plot_h * (1 - seconds / y_max)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>']
    ticks = [step * i for i in range(int(y_max // step) + 1)]
    for seconds in ticks:
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(seconds):.1f}" y2="{y(seconds):.1f}" '
                   'stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(seconds) + 4:.1f}" text-anchor="end">{seconds:g}</text>')
    for size in sizes:
        out.append(f'<text x="{x(size):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{size}</text>')
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0)}" y2="{y(0)}" stroke="black"/>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{y(0)}" stroke="black"/>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 12}" text-anchor="middle">'
               'students starting at once</text>')
    out.append(f'<text transform="translate(16 {TOP + plot_h / 2}) rotate(-90)" text-anchor="middle">'
               'seconds until the server answers</text>')
    for key, color, label in (("median_s", "#1f77b4", "median"), ("max_s", "#d62728", "max")):
        points = [(x(size), y(row[key])) for size, row in zip(sizes, rows) if row[key] is not None]
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                   f'points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in points)}"/>')
        out += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{color}"/>' for px, py in points]
        legend_y = TOP + (14 if key == "median_s" else 32)
        out.append(f'<line x1="{LEFT + 12}" x2="{LEFT + 36}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
                   f'stroke="{color}" stroke-width="2"/><text x="{LEFT + 42}" y="{legend_y}">{label}</text>')
    for size, row in zip(sizes, rows):
        if row.get("failed"):
            out.append(f'<text x="{x(size):.1f}" y="{TOP + 12}" text-anchor="middle" fill="#d62728">'
                       f'{row["failed"]} failed</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def numbers_block(results: dict) -> str:
    """The Markdown block between the markers: conditions, then one row per class size."""
    c = results["conditions"]
    load = " → ".join(f"{values[0]:.1f}" for values in (c["load_average_at_start"], c.get("load_average_at_end"))
                      if values)
    lines = [BEGIN,
             f"Measured {c['date']} by `make measure-hub MEASURE_HUB_ARGS=--save` on {c['cpus']} CPUs, "
             f"{c['memory_gib']} GiB, kernel {c['kernel']}, image `{c['image']}`, {c['repeat']} round(s) per size; "
             f"1-minute load average {load} (start → end).",
             "",
             "| Students starting at once | Median | Max | Failed |",
             "|---|---|---|---|"]
    for size in sorted(results["spawn"], key=int):
        row = results["spawn"][size]
        lines.append(f"| {size} | {row['median_s']} s | {row['max_s']} s | {row['failed']}/{row['tried']} |")
    first = results.get("first_start")
    if first:
        lines.append(f"| {first['students']}, first start (notebooks seeded into new volumes) | {first['median_s']} s "
                     f"| {first['max_s']} s | {first['students'] - first['succeeded']}/{first['students']} |")
    lines += ["", "![Spawn time against class size](hub-spawn.svg)", END]
    return "\n".join(lines)


def save(results: dict, docs: Path) -> list[Path]:
    svg = docs / "hub-spawn.svg"
    c = results["conditions"]
    svg.write_text(spawn_svg(results["spawn"], f"Hub spawn time, {c['cpus']} CPUs, {c['date']}"))
    page = docs / "measurements.md"
    text = page.read_text()
    block = numbers_block(results)
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.DOTALL)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    page.write_text(text)
    return [svg, page]
