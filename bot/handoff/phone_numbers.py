"""Phone numbers as people read them: the clinic's own (the clinic page) and the patient's
(the call-back form). Checked as real numbers with ``phonenumbers``."""

from __future__ import annotations

import phonenumbers


def format_phone(text: str, region: str) -> str | None:
    """``text`` as a callable number, formatted as people read it: national if the number
    is in ``region`` (``PHONE_REGION``), else international. None if it is not a valid
    number (too short, an unassigned range such as Ofcom's 07700 900xxx, not a number)."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == region
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
