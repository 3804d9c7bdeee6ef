"""The benchmark's arithmetic (never its timings)."""

from __future__ import annotations

import math

from bot.bench import meets, percentile, ratio, rss_mb


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))


def test_ratio() -> None:
    assert ratio(2.0, 4.0) == 0.5
    assert ratio(1.0, 0) is None
    assert ratio(None, 1.0) is None


def test_targets() -> None:
    assert meets("heldout_macro_f1", 0.96).startswith("PASS")
    assert meets("heldout_macro_f1", 0.90).startswith("MISS")
    assert meets("p95_ms_50", 350.0).startswith("MISS")
    assert meets("unknown", 1.0) == ""


def test_rss_of_this_process_is_positive() -> None:
    import os

    assert rss_mb(os.getpid()) > 0
