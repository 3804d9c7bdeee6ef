"""The knowledge base: the store (``store``), the reply composer (``answers``), the seed."""
