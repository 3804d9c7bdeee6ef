"""Rasa's own command line with one speed fix: ``python -m bot.rasa.server run ...``.

It is exactly ``rasa run ...`` (same arguments, same server), after one change to how
Rasa checks the action server's replies, and with each message processed at most once
(``bot/rasa/idempotency.py``: a message re-sent after a replica died, or re-delivered by a
messaging platform, is not processed again).

Why: Rasa 3.6 checks every reply of the action server against a JSON schema with
``jsonschema.validate(result, schema)``. That function first checks the *schema itself*
against the JSON Schema meta-schema (draft 2020-12 with jsonschema 4.17, the newest
version Rasa allows), on every call. Profiling the server (README, "Benchmark") showed
that meta-schema check taking 20-30 ms of every message answered by a custom action,
more than NLU and the policies together. The schema is a constant, so we check it once
and keep the compiled validator: the same schema, the same error as Rasa's own (the
"best match" error with Rasa's message appended), at about 0.3 ms a call.

The runner (``bot/runner.py``) starts Rasa through this module; everything else is Rasa.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

# Appended to the error message, as Rasa's own RemoteAction._validate_action_result does.
_RASA_HINT = (
    ". Failed to validate Action server response from API, "
    "make sure your response from the Action endpoint is valid. "
    "For more information about the format visit "
)


@functools.lru_cache(maxsize=1)
def action_response_validator() -> Any:
    """The compiled validator for Rasa's action-server response schema (checked once)."""
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result``: same checks, same errors."""
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += f"{_RASA_HINT}{DOCS_BASE_URL}/custom-actions"
    raise error


def apply() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]

    from bot.rasa import idempotency

    idempotency.apply()


def main() -> None:
    apply()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
