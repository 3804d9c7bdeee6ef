"""The website process (port 8000): the demo clinic page, the chat widget, and later the
staff pages. A Starlette app served by uvicorn; ``python -m bot.web`` runs it alone.
"""

from bot.web.app import create_app

__all__ = ["create_app"]
