"""Micro-benchmarks that survive a noisy machine: time two sides *interleaved* and report the
median of the per-round ratios.

On a shared machine the load changes from one second to the next, so timing all of side A and then
all of side B compares two different machines. Here each round times A and B back to back (the
order alternates from round to round, so neither side always runs second, on a warmer cache), and
the figure is the median over rounds of time(A) / time(B): a burst of load slows both sides of the
same round and mostly cancels out in the ratio.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Comparison:
    a_median: float        # seconds per call of side A (median over rounds)
    b_median: float        # seconds per call of side B
    ratio_median: float    # median over rounds of time(A) / time(B)
    ratio_low: float       # first quartile of the ratios: how spread the rounds were
    ratio_high: float      # third quartile
    rounds: int


def _time(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def compare(a: Callable[[], object], b: Callable[[], object], rounds: int = 21,
            number: int = 1, warmup: int = 1) -> Comparison:
    """Time ``a`` and ``b`` alternately for ``rounds`` rounds of ``number`` calls each."""
    for _ in range(warmup):
        a()
        b()
    times_a, times_b, ratios = [], [], []
    for i in range(rounds):
        if i % 2 == 0:
            ta = _time(a, number)
            tb = _time(b, number)
        else:
            tb = _time(b, number)
            ta = _time(a, number)
        times_a.append(ta)
        times_b.append(tb)
        ratios.append(ta / tb)
    q = statistics.quantiles(ratios, n=4) if len(ratios) >= 2 else [ratios[0]] * 3
    return Comparison(statistics.median(times_a), statistics.median(times_b),
                      statistics.median(ratios), q[0], q[2], rounds)
