"""The channels patients reach the assistant through, besides REST.

* ``website``: the widget's socket.io channel (Rasa's, with session persistence fixed);
* ``telegram``, ``twilio`` (SMS and WhatsApp), ``facebook``, ``slack``: Rasa's connectors
  with each platform's request verification and channel-specific formatting;
* ``format``: the answers' Markdown converted per channel, buttons as numbered options,
  long answers split;
* ``credentials``: writes the credentials file Rasa starts with, turning each messaging
  channel on only when its environment variables are set.

Rasa loads the connectors by module path from the generated credentials file; importing
this package itself does not import Rasa.
"""

from bot.channels.credentials import CHANNELS, enabled_channels, write_credentials

__all__ = ["CHANNELS", "enabled_channels", "write_credentials"]
