"""The sqlfix HTTP API (FastAPI): ``create_app(ApiSettings(...))`` builds the ASGI app."""

from sqlfix.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]


def __getattr__(name: str):
    # The app imports FastAPI; ``sqlfix serve``'s option defaults need only the settings.
    if name == "create_app":
        from sqlfix.api.app import create_app

        return create_app
    raise AttributeError(name)
