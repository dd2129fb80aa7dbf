"""The ASGI application for uvicorn: ``uvicorn nextbest.api.asgi:app``. Settings from the env."""

from nextbest.api.app import create_app

app = create_app()
