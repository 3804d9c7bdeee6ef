"""The benchmark's arithmetic (never its timings)."""

from __future__ import annotations

import math

from bot.ops.bench import meets, percentile, ratio, rss_mb, table


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
    assert meets("locked_answered_right", 0.96).startswith("PASS")
    assert meets("locked_answered_right", 0.90).startswith("MISS")
    assert meets("locked_confident_wrong", 0.01).startswith("PASS")
    assert meets("p95_ms_50", 350.0).startswith("MISS")
    assert meets("unknown", 1.0) == ""


def test_rss_of_this_process_is_positive() -> None:
    import os

    assert rss_mb(os.getpid()) > 0


def _scores(right: float) -> dict:
    return {"answered_right": right, "right_among_candidates": right, "in_scope_refused": 0.0,
            "oos_caught": 1.0, "confident_wrong": 0.0, "red_flag_recall": 1.0,
            "top_accuracy": right, "macro_f1": right}  # fmt: skip


def _load(c: int, rate: float, p95: float) -> dict:
    return {"concurrency": c, "messages": 100, "errors": 0, "msgs_per_s": rate,
            "p50_ms": p95 / 2, "p95_ms": p95, "p99_ms": p95}  # fmt: skip


def test_table_puts_the_production_run_beside_ours_and_judges_the_better() -> None:
    report = {
        "date": "2026-11-25",
        "machine": {"cpus": 2, "cpu": "test"},
        "variants": {
            "ours": {
                "locked": _scores(0.96),
                "dev": _scores(0.97),
                "train_s": 40.0,
                "ready_s": {"rasa": 10.0},
                "load": [_load(50, 30.0, 900.0)],
                "rss_mb": {"rasa": 700.0},
            },
            "baseline": {
                "locked": _scores(0.80),
                "dev": _scores(0.81),
                "train_s": 80.0,
                "ready_s": {"rasa": 12.0},
                "load": [_load(50, 20.0, 1500.0)],
                "rss_mb": {"rasa": 900.0},
            },
        },
        "production": {
            "replicas": 2,
            "ready_s": {"rasa-1": 15.0},
            "load": [_load(50, 45.0, 250.0)],
            "rss_mb": {"rasa-1": 700.0},
        },
    }
    rows = {line.split()[0]: line for line in table(report).splitlines()[2:]}
    assert "ours x2" in table(report).splitlines()[1]
    # ours alone misses 40 msg/s; the production profile's 45 meets it
    assert rows["msgs_per_s_50"].split()[1:5] == ["30", "20", "1.500", "45"]
    assert "PASS" in rows["msgs_per_s_50"]
    assert "PASS" in rows["p95_ms_50"]
    row = rows["locked_answered_right"]
    assert "PASS" in row and row.split()[1:3] == ["0.960", "0.800"] and row.split()[4] == "-"
    assert "dev_answered_right" in rows and "cv_answered_right" not in rows
    assert rows["rss_mb_total"].split()[-1] == "700"
