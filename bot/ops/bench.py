"""``make bench``: understanding, speed under load and cost, ours beside Rasa's defaults.

One run, on this machine, prints a table and writes the same figures to
``bench/results/latest.json`` (git-ignored):

* understanding on the question bank (``tests/nlu/bank/``: the locked half, scored in
  totals only, and the dev half) and k-fold cross-validation over the training data
  (NLU-only models per fold): answered right, right among the candidates, in-scope
  refused, out-of-scope caught, confident and wrong, red-flag recall, first guess;
* the baseline: the same data trained with the ``rasa init`` config (empty pipeline and
  policies, so Rasa fills in its defaults: ``bench/configs/baseline.yml``);
* speed over the REST channel of the real stack (action server + Rasa server), with 1, 10
  and 50 concurrent conversations: p50/p95/p99 latency, messages per second, errors;
* cost: full training time, start-to-ready time, resident memory of each process.

Timings are never asserted in tests: this machine is shared and noisy. Targets are
printed beside the figures (PASS/MISS) for reading, not for failing anything.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.settings import Settings, load_settings
from bot.training.build import (
    TrainingData,
    assemble_training_data,
    ensure_spacy_pipeline,
    inputs_hash,
    subprocess_env,
)
from bot.training.evaluation import (
    FIGURES,
    Example,
    Outcome,
    evaluate,
    label_of,
    load_bank,
    load_examples,
    outcome,
    parse_all,
    score,
)

BASELINE_CONFIG = Path("bench/configs/baseline.yml")
# Other model variants `make bench` can measure beside ours (``--variants``): the
# alternatives the README's "Understanding" compares.
VARIANT_CONFIGS = {
    "diet_blend": Path("bench/configs/diet_blend.yml"),
    "diet_only": Path("bench/configs/diet_only.yml"),
    "diet_transformer": Path("bench/configs/diet_transformer.yml"),
    "logistic_regression": Path("bench/configs/logistic_regression.yml"),
}
BANK = Path("tests/nlu/bank")
RESULTS = Path("bench/results/latest.json")
TARGETS = {
    "locked_answered_right": (">=", 0.95),
    "locked_right_among_candidates": (">=", 0.99),
    "locked_in_scope_refused": ("<=", 0.02),
    "locked_oos_caught": (">=", 0.97),
    "locked_confident_wrong": ("<=", 0.02),
    "locked_red_flag_recall": (">=", 1.0),
    "cv_top_accuracy": (">=", 0.85),
    "p50_ms_1": ("<=", 30.0),
    "msgs_per_s_50": (">=", 40.0),
    "p95_ms_50": ("<=", 300.0),
    "errors_50": ("<=", 0),
    "ready_s": ("<=", 20.0),
    "train_s": ("<=", 300.0),
}


# --- small statistics, unit-tested --------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def ratio(ours: float | None, base: float | None) -> float | None:
    if ours is None or base in (None, 0):
        return None
    return ours / base


def meets(name: str, value: float | None) -> str:
    if name not in TARGETS or value is None:
        return ""
    op, bound = TARGETS[name]
    ok = value >= bound if op == ">=" else value <= bound
    return f"{'PASS' if ok else 'MISS'} ({op} {bound:g})"


# --- understanding ------------------------------------------------------------------


def train_model(
    config: Path,
    out: Path,
    name: str,
    settings: Settings,
    training: TrainingData,
    *,
    nlu_only: bool = False,
    nlu_data: Path | None = None,
) -> tuple[Path, float]:
    """Train with `rasa train` on the assembled inputs (forced, no cache): (model, seconds)."""
    out.mkdir(parents=True, exist_ok=True)
    # Rasa writes the default pipeline into a config file that leaves it empty (the
    # baseline's): train from a copy so the repository's file stays as committed.
    config_copy = out / f"{name}-config.yml"
    shutil.copyfile(config, config_copy)
    config = config_copy.resolve()
    cmd = [sys.executable, "-m", "rasa", "train"]
    if nlu_only:
        cmd += ["nlu", "--nlu", str(nlu_data or training.folder / "data" / "nlu")]
    else:
        cmd += [
            "--domain",
            str(training.folder / "domain"),
            "--data",
            str(training.folder / "data"),
        ]
    cmd += ["--config", str(config), "--out", str(out), "--fixed-model-name", name]
    if not nlu_only:
        cmd.append("--force")  # `rasa train nlu` has no --force (and no cache to skip)
    log = out / f"{name}.log"
    started = time.monotonic()
    with log.open("w") as fh:
        proc = subprocess.run(
            cmd,
            cwd=settings.project_root,
            env=subprocess_env(settings),
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    seconds = time.monotonic() - started
    model = out / f"{name}.tar.gz"
    if proc.returncode != 0 or not model.is_file():
        raise RuntimeError(f"training {name} failed; see {log}")
    return model, seconds


def cross_validate(
    config: Path, settings: Settings, training: TrainingData, folds: int, work: Path
) -> dict[str, Any]:
    """Stratified k-fold over the training examples (data/nlu and the knowledge base's):
    an NLU-only model per fold, scored on its held-out part with the bank's labels."""
    import yaml
    from sklearn.model_selection import StratifiedKFold

    nlu_dir = training.folder / "data" / "nlu"
    examples: list[Example] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        examples.extend(load_examples(path))
    regexes = [
        item
        for path in sorted(nlu_dir.glob("*.yml"))
        for item in (yaml.safe_load(path.read_text()).get("nlu") or [])
        if "regex" in item
    ]
    labels = [e.intent for e in examples]
    gold: list[str] = []
    outcomes: list[Outcome] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=42)
    threshold, ambiguity = _fallback_thresholds(config)
    for fold, (train_idx, test_idx) in enumerate(splitter.split(examples, labels)):
        by_intent: dict[str, list[str]] = {}
        for i in train_idx:
            by_intent.setdefault(examples[i].intent, []).append(examples[i].text)
        nlu = [
            {"intent": k, "examples": "".join(f"- {t}\n" for t in v)} for k, v in by_intent.items()
        ]
        data_file = work / f"fold{fold}" / "nlu.yml"
        data_file.parent.mkdir(parents=True, exist_ok=True)
        data_file.write_text(
            yaml.safe_dump(
                {"version": "3.1", "nlu": regexes + nlu}, sort_keys=False, allow_unicode=True
            )
        )
        model, _ = train_model(
            config, data_file.parent, f"fold{fold}", settings, training,
            nlu_only=True, nlu_data=data_file,
        )  # fmt: skip
        parses = parse_all(model, [examples[i].text for i in test_idx])
        gold += [label_of(examples[i].intent) for i in test_idx]
        outcomes += [outcome(p, threshold, ambiguity) for p in parses]
    return score(gold, outcomes).as_dict()


def _fallback_thresholds(config: Path) -> tuple[float, float]:
    import yaml

    pipeline = (yaml.safe_load(config.read_text()) or {}).get("pipeline") or []
    for component in pipeline:
        if component.get("name") == "FallbackClassifier":
            return component.get("threshold", 0.3), component.get("ambiguity_threshold", 0.1)
    return 0.3, 0.1  # Rasa's default pipeline: FallbackClassifier with 0.3 / 0.1


# --- speed under load ---------------------------------------------------------------

# Each simulated patient sends this many messages, then a new one starts. Real chats here
# are short; one sender sending thousands of messages would instead measure how Rasa
# copes with a tracker of thousands of events (it re-reads and re-serialises the whole
# conversation on every message, so latency grows with its length).
MESSAGES_PER_CONVERSATION = 10


async def _conversation(
    session,
    url: str,
    texts: list[str],
    deadline: float,
    max_messages: int,
    latencies: list[float],
    errors: list[str],
) -> None:
    sender = ""
    i = 0
    while time.monotonic() < deadline and len(latencies) + len(errors) < max_messages:
        if i % MESSAGES_PER_CONVERSATION == 0:  # a new patient
            sender = f"bench-{random.getrandbits(48):x}"
        body = {"sender": sender, "message": texts[i % len(texts)]}
        i += 1
        started = time.perf_counter()
        try:
            async with session.post(url, json=body) as response:
                await response.read()
                if response.status != 200:
                    errors.append(f"HTTP {response.status}")
                    continue
        except Exception as exc:  # counted, never raised: the figure is the error count
            errors.append(type(exc).__name__)
            continue
        latencies.append((time.perf_counter() - started) * 1000)


async def load_level(
    rasa_url: str, texts: list[str], concurrency: int, seconds: float, max_messages: int
) -> dict[str, Any]:
    import aiohttp

    url = f"{rasa_url}/webhooks/rest/webhook"
    latencies: list[float] = []
    errors: list[str] = []
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *[
                _conversation(
                    session,
                    url,
                    random.sample(texts, len(texts)),
                    deadline,
                    max_messages,
                    latencies,
                    errors,
                )
                for _ in range(concurrency)
            ]
        )
        elapsed = time.monotonic() - started
    return {
        "concurrency": concurrency,
        "messages_per_conversation": MESSAGES_PER_CONVERSATION,
        "messages": len(latencies),
        "errors": len(errors),
        "msgs_per_s": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (from /proc)."""
    total_kb = 0
    pending = [pid]
    seen = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total_kb += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
            )
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            pending.extend(int(c) for c in children)
        except (OSError, StopIteration, ValueError):
            continue
    return round(total_kb / 1024, 1)


def serve_and_load(
    model: Path,
    settings: Settings,
    texts: list[str],
    levels: list[int],
    seconds: float,
    max_messages: int,
    work: Path,
) -> dict[str, Any]:
    from bot.db.seed import prepare_database
    from bot.ops.runner import Stack, free_port

    var_dir = work / f"var-{model.stem}"
    stack_settings = dataclasses.replace(
        settings,
        var_dir=var_dir,
        database_url=f"sqlite:///{var_dir / 'clinic.db'}",
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
    )
    prepare_database(stack_settings.database_url)
    with Stack(settings=stack_settings, model=model, web=False) as stack:
        ready = {s.name: round(s.ready_after or 0.0, 1) for s in stack.services}
        asyncio.run(load_level(stack.rasa_url, texts, 1, 3, 20))  # warm-up
        results = [
            asyncio.run(load_level(stack.rasa_url, texts, c, seconds, max_messages)) for c in levels
        ]
        memory = {s.name: rss_mb(s.process.pid) for s in stack.services if s.process}
    return {"ready_s": ready, "load": results, "rss_mb": memory}


def serve_and_load_production(
    model: Path,
    settings: Settings,
    texts: list[str],
    levels: list[int],
    seconds: float,
    max_messages: int,
    work: Path,
    replicas: int,
) -> dict[str, Any]:
    """The same load through the production profile (README, "Production and reliability"):
    ``replicas`` Rasa servers and 2 action servers behind nginx, on throw-away PostgreSQL
    databases (dropped afterwards) and a Redis key prefix of this run (deleted afterwards).
    """
    import secrets

    import redis
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bot.db.seed import prepare_database
    from bot.db.session import dispose_engines
    from bot.ops.production import load_production_config, production_stack
    from bot.ops.runner import free_port

    bench_settings = load_settings()
    admin_url = bench_settings.bench_postgres_url
    redis_url = bench_settings.bench_redis_url
    subprocess.run(["scripts/ensure-nginx.sh"], cwd=settings.project_root, check=True)
    admin = create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT")
    names = [f"botox_bench_{secrets.token_hex(4)}" for _ in range(2)]
    clinic_url, tracker_url = (
        make_url(admin_url).set(database=n).render_as_string(hide_password=False) for n in names
    )
    prefix = f"botoxbench{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        prepare_database(clinic_url)
        dispose_engines()
        base = free_port()
        stack_settings = dataclasses.replace(
            settings,
            var_dir=work / "var-production",
            database_url=clinic_url,
            tracker_store_url=tracker_url,
            rasa_port=base,
            action_port=free_port(),
            web_port=free_port(),
        )
        env = {
            "RASA_AUTH_TOKEN": secrets.token_hex(24),
            "TRACKER_STORE_URL": tracker_url,
            "DATABASE_URL": clinic_url,
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": prefix,
        }
        config = load_production_config(stack_settings, env, replicas=replicas, action_servers=2)
        stack = production_stack(stack_settings, model, config, web=False, extra_env=env)
        with stack:
            ready = {s.name: round(s.ready_after or 0.0, 1) for s in stack.services}
            asyncio.run(load_level(stack.rasa_url, texts, 1, 3, 20))  # warm-up
            results = [
                asyncio.run(load_level(stack.rasa_url, texts, c, seconds, max_messages))
                for c in levels
            ]
            memory = {s.name: rss_mb(s.process.pid) for s in stack.services if s.process}
    finally:
        dispose_engines()
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
        client.close()
    return {"replicas": replicas, "ready_s": ready, "load": results, "rss_mb": memory}


# --- the run ------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = load_settings()
    ensure_spacy_pipeline(settings)
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    # The seed's knowledge base, as a fresh clone trains it (not this machine's database).
    training = assemble_training_data(dataclasses.replace(settings, var_dir=work / "var"))
    sets = {
        name: load_bank(settings.project_root / BANK / f"{name}.yml") for name in ("locked", "dev")
    }
    # Load: dev questions (the locked set is only ever scored, never replayed or printed).
    texts = [e.text for e in sets["dev"] if e.intent != "red_flag"]
    levels = [1, 10] if args.quick else [1, 10, 50]
    seconds = 5.0 if args.quick else args.seconds
    variants = {"ours": Path("config.yml")}
    if not args.skip_baseline and not args.quick:
        variants["baseline"] = BASELINE_CONFIG
    if args.variants:
        variants.update(VARIANT_CONFIGS)
    report: dict[str, Any] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": _cpu_model(),
            "python": platform.python_version(),
        },
        "inputs_hash": inputs_hash(settings.project_root),
        "variants": {},
    }
    try:
        for name, config in variants.items():
            print(f"[{name}] training the full model ({config})...", flush=True)
            model, train_s = train_model(config, work / name, name, settings, training)
            threshold, ambiguity = _fallback_thresholds(config)
            entry: dict[str, Any] = {"config": str(config), "train_s": round(train_s, 1)}
            for set_name, examples in sets.items():
                entry[set_name] = evaluate(model, examples, threshold, ambiguity)[0].as_dict()
            entry["locked"].pop("confusions")  # never printed: the locked set stays unread
            if not args.quick and name in ("ours", "baseline"):
                print(f"[{name}] {args.folds}-fold cross-validation...", flush=True)
                entry["cross_validation"] = cross_validate(
                    config, settings, training, args.folds, work / f"{name}-cv"
                )
            if name in ("ours", "baseline"):
                print(
                    f"[{name}] serving and loading: {levels} concurrent conversations...",
                    flush=True,
                )
                entry.update(
                    serve_and_load(model, settings, texts, levels, seconds, args.max_messages, work)
                )
            report["variants"][name] = entry
            _save(report)  # a bench stopped later keeps what it has measured
            if name == "ours" and args.replicas and not args.quick:
                print(
                    f"[ours] production profile ({args.replicas} Rasa servers, nginx, "
                    f"PostgreSQL, Redis): {levels} concurrent conversations...",
                    flush=True,
                )
                report["production"] = serve_and_load_production(
                    model, settings, texts, levels, seconds, args.max_messages, work, args.replicas
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _save(report)
    return report


def _save(report: dict[str, Any]) -> None:
    """Write the report so far to :data:`RESULTS` (after each variant, and at the end)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def flat_figures(entry: dict[str, Any]) -> dict[str, float | None]:
    figures: dict[str, float | None] = {}
    for set_name in ("locked", "dev", "cross_validation"):
        prefix = "cv" if set_name == "cross_validation" else set_name
        for key in FIGURES:
            if set_name in entry:
                figures[f"{prefix}_{key}"] = entry[set_name][key]
    for level in entry.get("load", []):
        c = level["concurrency"]
        figures[f"p50_ms_{c}"] = level["p50_ms"]
        figures[f"p95_ms_{c}"] = level["p95_ms"]
        figures[f"p99_ms_{c}"] = level["p99_ms"]
        figures[f"msgs_per_s_{c}"] = level["msgs_per_s"]
        figures[f"errors_{c}"] = level["errors"]
    figures["train_s"] = entry["train_s"]
    figures["ready_s"] = max(entry.get("ready_s", {}).values(), default=None)
    for name, mb in entry.get("rss_mb", {}).items():
        figures[f"rss_mb_{name}"] = mb
    return figures


def production_figures(production: dict[str, Any]) -> dict[str, float | None]:
    """Load, readiness and memory figures of the production-profile run."""
    figures: dict[str, float | None] = {}
    for level in production.get("load", []):
        c = level["concurrency"]
        for key in ("p50_ms", "p95_ms", "p99_ms", "msgs_per_s", "errors"):
            figures[f"{key}_{c}"] = level[key]
    figures["ready_s"] = max(production.get("ready_s", {}).values(), default=None)
    figures["rss_mb_total"] = round(sum(production.get("rss_mb", {}).values()), 1)
    return figures


def table(report: dict[str, Any]) -> str:
    ours = flat_figures(report["variants"]["ours"])
    base = flat_figures(report["variants"]["baseline"]) if "baseline" in report["variants"] else {}
    others = {
        name: flat_figures(entry)
        for name, entry in report["variants"].items()
        if name not in ("ours", "baseline")
    }
    prod = production_figures(report["production"]) if "production" in report else {}
    replicas = report.get("production", {}).get("replicas")
    prod_head = f"ours x{replicas}" if replicas else ""
    extra_head = "".join(f" {n[:12]:>12}" for n in others)
    lines = [
        f"bench {report['date']}  machine: {report['machine']['cpus']} CPUs, "
        f"{report['machine']['cpu']}",
        f"{'figure':<30} {'ours':>9} {'baseline':>9} {'ratio':>6} {prod_head:>9}{extra_head}"
        "  target",
    ]
    names = list(ours) + [n for n in prod if n not in ours]
    for name in names:
        value, b, p = ours.get(name), base.get(name), prod.get(name)
        best = value
        if p is not None and name in TARGETS:  # a target is met by either way of serving
            op = TARGETS[name][0]
            best = p if value is None or (p > value if op == ">=" else p < value) else value
        extra = "".join(f" {_fmt(o.get(name)):>12}" for o in others.values())
        lines.append(
            f"{name:<30} {_fmt(value):>9} {_fmt(b):>9} {_fmt(ratio(value, b)):>6} "
            f"{_fmt(p) if prod else '':>9}{extra}  {meets(name, best)}"
        )
    if prod:
        lines.append(
            f"(ours x{replicas}: the production profile, {replicas} Rasa servers and 2 action "
            "servers behind nginx, PostgreSQL tracker store, Redis lock store)"
        )
    lines.append(
        "(locked: the locked test set, never read by whoever writes training data; dev: the "
        "studied half; cv: 5-fold cross-validation over the training data)"
    )
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) and abs(value) < 10 else f"{value:g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    return cmd_bench(args)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="short load, no baseline, no CV")
    parser.add_argument(
        "--variants",
        action="store_true",
        help="also train and score the other model variants (bench/configs/)",
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=15.0, help="per load level")
    parser.add_argument(
        "--replicas",
        type=int,
        default=2,
        help="also load the production profile with this many Rasa servers (0: skip)",
    )
    parser.add_argument("--max-messages", type=int, default=5000, help="per load level")


def cmd_bench(args: argparse.Namespace) -> int:
    import contextlib
    import logging
    import warnings

    # Rasa and TensorFlow print pages of warnings while models load in this process:
    # they go to a log file; the terminal gets progress lines and the table.
    log_path = load_settings().var_dir / "log" / "bench.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log, contextlib.redirect_stderr(log), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.basicConfig(stream=log, level=logging.WARNING, force=True)
        print(f"(details: {log_path})", flush=True)
        report = run(args)
    print(table(report))
    print(f"(written to {RESULTS})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
