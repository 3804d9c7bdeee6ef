"""``python -m bot.web [--host H] [--port P] [--rasa-port R]``: serve the website alone.

``python -m bot run`` (``make run``) starts it with the other processes (bot/runner.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging

import uvicorn

from bot.settings import load_settings
from bot.web.app import create_app


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m bot.web", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.web_port)
    parser.add_argument("--rasa-port", type=int, default=settings.rasa_port)
    args = parser.parse_args(argv)
    settings = dataclasses.replace(settings, web_port=args.port, rasa_port=args.rasa_port)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="info",
        proxy_headers=True,
        server_header=False,
        # No WebSocket routes here; and Rasa pins websockets 10, older than uvicorn's
        # WebSocket support expects.
        ws="none",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
