"""Small helpers shared by the benchmarks: percentiles, rates and Markdown tables."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (0 for an empty list)."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table, numbers right-aligned."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [all(_is_number(row[i]) for row in rows) for i in range(len(headers))]
    head = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join(
        ("-" * (w + 1) + ":") if n else ("-" * (w + 2))
        for w, n in zip(widths, numeric, strict=True)
    )
    lines = [head, rule + "|"]
    for row in cells:
        padded = (
            value.rjust(w) if n else value.ljust(w)
            for value, w, n in zip(row, widths, numeric, strict=True)
        )
        lines.append("| " + " | ".join(padded) + " |")
    return "\n".join(lines)


def machine() -> str:
    """One line describing where the figures come from."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({platform.machine()}), {platform.system()} "
        f"{platform.release()}, Python {sys.version.split()[0]}, load average {load}"
    )


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float)
