#!/usr/bin/env python3
"""Which half of the question bank a public source belongs to: `dev` or `locked`.

The split is by website (the address's host without "www."), decided by a salted hash
before anyone gathered a question, so that nobody chooses it by looking at the questions.
Whoever writes training data reads only pages that this script calls `dev`; the questions
of `locked` websites are the locked test set (tests/nlu/bank/PROTOCOL.md).

    python3 scripts/bank_split.py https://www.example.org/faq   # prints dev or locked
"""

from __future__ import annotations

import hashlib
import sys
from urllib.parse import urlsplit

SALT = "botox-question-bank-2026-12-02"


def site_of(url: str) -> str:
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def split_of(url: str) -> str:
    digest = hashlib.sha256(f"{SALT}:{site_of(url)}".encode()).digest()
    return "locked" if digest[0] % 2 == 0 else "dev"


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: bank_split.py URL [URL ...]")
    for arg in sys.argv[1:]:
        print(f"{split_of(arg)}\t{site_of(arg)}")
