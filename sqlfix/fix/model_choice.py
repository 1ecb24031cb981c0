"""Choosing the chat model for a surface: loaded lazily, so rules-only use never imports torch."""

from __future__ import annotations

from sqlfix.errors import SqlfixError
from sqlfix.models.base import ChatModel

DEFAULT_MODEL = "default"
# What loading a local model can raise besides SqlfixError: a missing library, an unreadable or
# corrupt file in the cache (reported by torch, safetensors or CTranslate2).
_LOAD_FAILURES = (SqlfixError, ImportError, OSError, RuntimeError, ValueError)


def choose_model(
    spec: str | None, *, use_model: bool = True, base_url: str | None = None, lazy: bool = False
) -> tuple[ChatModel | None, str | None]:
    """Load the model for ``spec``; ``None`` means this machine's default
    (:func:`~sqlfix.models.hardware.default_model_choice`: the 1.5B adapter on a GPU, and on a
    CPU too in int8 when it is installed, else the bundled 135M one). A named local model runs
    on the runtime that suits the machine (:func:`~sqlfix.models.runtime.pick_runtime`).

    Returns ``(model, warning)``. An explicitly named model that fails to load raises
    :class:`SqlfixError`; the *default* model failing to load (no torch installed, adapter
    missing, a broken cache) falls back to the bundled 135M model, then to rules only with a
    warning, so the rules always work. With ``lazy`` the model is a
    :class:`~sqlfix.models.lazy.LazyModel` that loads on first use (or in the background once
    started), and load failures surface then, in its ``warning``.
    """
    if not use_model:
        return None, None
    if lazy:
        from sqlfix.models.lazy import LazyModel

        if spec is not None:
            _check_spec(spec)
        return LazyModel(lambda: load_chosen(spec, base_url), name=spec or DEFAULT_MODEL), None
    return load_chosen(spec, base_url)


def load_chosen(spec: str | None, base_url: str | None = None) -> tuple[ChatModel | None, str | None]:
    """Load ``spec`` (or the machine's default, with its fallbacks): ``(model, warning)`` as
    :func:`choose_model` describes."""
    from sqlfix.models import load_model

    if spec is not None:
        try:
            return load_model(spec, base_url=base_url, runtime="auto"), None
        except _LOAD_FAILURES as exc:
            raise SqlfixError(f"cannot load model {spec!r}: {_first_line(exc)}") from exc
    from sqlfix.models.hardware import default_model_choice

    choice = default_model_choice()
    failures = []
    for candidate, runtime in dict.fromkeys([(choice.spec, choice.runtime), (DEFAULT_MODEL, choice.runtime), (DEFAULT_MODEL, "torch")]):
        try:
            return load_model(candidate, runtime=runtime), "; ".join(failures) or None
        except _LOAD_FAILURES as exc:
            failures.append(f"{candidate} ({runtime}) unavailable: {_first_line(exc)}")
    return None, f"default model unavailable ({'; '.join(failures)}); using the rules only"


def _check_spec(spec: str) -> None:
    """Refuse a spec that names no model, before anything loads (a lazy model would only fail
    on first use, long after the command line was read)."""
    from pathlib import Path

    from sqlfix.models.loader import resolve_local_spec
    from sqlfix.models.sources import SOURCES

    try:
        if spec.strip().startswith("openai:"):
            if not spec.strip().removeprefix("openai:"):
                raise SqlfixError("the spec 'openai:' needs a model name, as in openai:gpt-4o-mini")
            return
        base, _ = resolve_local_spec(spec.strip())
        if base not in SOURCES and not (Path(base).expanduser() / "config.json").is_file():
            raise SqlfixError(f"unknown model {base!r}: not one of default, {', '.join(SOURCES)}, openai:<model>, or a model folder")
    except SqlfixError as exc:
        raise SqlfixError(f"cannot load model {spec!r}: {exc}") from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def model_line(model: ChatModel, spec: str | None) -> str:
    """One line naming the model a surface uses and how it was chosen, for its start-up output."""
    runtime = {"ct2": "int8 on the CPU (CTranslate2)", "torch": "torch"}.get(getattr(model, "runtime", ""), "")
    how = "as named" if spec is not None else _default_reason()
    return f"model: {model.name}" + (f", {runtime}" if runtime else "") + f" ({how}; --model picks another)"


def _default_reason() -> str:
    from sqlfix.models.hardware import default_model_choice

    return f"default for this machine: {default_model_choice().reason}"
