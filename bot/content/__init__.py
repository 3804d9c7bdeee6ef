"""FAQ content: the store (``store``), the reply composer (``answers``) and ``faq.yml``."""
