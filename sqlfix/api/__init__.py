"""The sqlfix HTTP API (FastAPI): ``create_app(ApiSettings(...))`` builds the ASGI app."""

from sqlfix.api.app import ApiSettings, create_app

__all__ = ["ApiSettings", "create_app"]
