"""Choosing the chat model for a surface from a spec of the one vocabulary
(:mod:`sqlfix.models.specs`): loaded lazily, so rules-only use never imports torch."""

from __future__ import annotations

from functools import partial

from sqlfix.errors import SqlfixError, first_line
from sqlfix.models.base import ChatModel
from sqlfix.models.specs import AUTO, DEFAULT, RULES, RULES_CANNOT_ASK, ModelSpec, parse_model_spec

# What loading a local model can raise besides SqlfixError: a missing library, an unreadable or
# corrupt file in the cache (reported by torch, safetensors or CTranslate2).
_LOAD_FAILURES = (SqlfixError, ImportError, OSError, RuntimeError, ValueError)


def spec_from_options(model: str | None, no_model: bool) -> str | None:
    """The spec a command's ``--model`` / ``--no-model`` options name: ``--no-model`` is
    ``--model rules``; None when neither was given (``auto``: this machine's default model,
    see :func:`choose_model`).

    Example:
        >>> spec_from_options(None, True)
        'rules'
        >>> spec_from_options("default", False)
        'default'
    """
    if no_model and model is not None and not parse_model_spec(model).is_rules:
        raise SqlfixError(f"--no-model is --model {RULES}; it contradicts --model {model}")
    return RULES if no_model else model


def question_model_spec(spec: str | None) -> ModelSpec:
    """The spec of a model that answers questions (``None``: ``auto``); ``rules`` cannot.

    Raises:
        SqlfixError: ``rules`` (one line saying why), or a spec outside the vocabulary.
    """
    parsed = parse_model_spec(AUTO if spec is None else spec)
    if parsed.is_rules:
        raise SqlfixError(RULES_CANNOT_ASK)
    return parsed


def choose_model(
    spec: str | None, *, base_url: str | None = None, lazy: bool = False, threads: int | None = None,
    isolate: bool = False,
) -> tuple[ChatModel | None, str | None]:
    """Load the model ``spec`` names: ``rules`` means no model; ``None`` and ``auto`` this
    machine's default (:func:`~sqlfix.models.hardware.default_model_choice`: the 1.5B adapter on
    a GPU, and on a CPU too, quantized, when it is installed, else the bundled 135M one). A named
    local model runs on the runtime that suits the machine
    (:func:`~sqlfix.models.runtime.pick_runtime`); ``threads`` caps a local model's CPU threads.

    Returns ``(model, warning)``. A spec outside the vocabulary raises :class:`SqlfixError` at
    once; an explicitly named model that fails to load raises it too. The machine's default
    failing to load (no torch installed, adapter missing, a broken cache) falls back to the
    bundled 135M model, then to rules only with a warning, so the rules always work. With
    ``lazy`` the model is a :class:`~sqlfix.models.lazy.LazyModel` that loads on first use (or
    in the background once started), and load failures surface then, in its ``warning``.
    With ``isolate`` a local model loads and generates in a child process at a lower priority
    (:class:`~sqlfix.models.process.ModelProcess`): what a server wants, so its rules requests
    never wait behind the model; an endpoint is called in-process (it only waits on the network).
    """
    parsed = parse_model_spec(AUTO if spec is None else spec)
    if parsed.is_rules:
        return None, None
    named = None if parsed.is_auto else spec
    load = partial(load_chosen, named, base_url, threads)
    if isolate and parsed.kind != "endpoint":
        from sqlfix.models.process import ModelProcess

        load = partial(ModelProcess.launch, load, name=named or AUTO)
    if lazy:
        from sqlfix.models.lazy import LazyModel

        return LazyModel(load, name=named or AUTO, resolve=None if named else _default_spec), None
    return load()


def load_chosen(spec: str | None, base_url: str | None = None, threads: int | None = None) -> tuple[ChatModel | None, str | None]:
    """Load ``spec`` (None: the machine's default, with its fallbacks): ``(model, warning)`` as
    :func:`choose_model` describes."""
    from sqlfix.models import load_model

    if spec is not None and not parse_model_spec(spec).is_auto:
        try:
            return load_model(spec, base_url=base_url, runtime="auto", threads=threads), None
        except _LOAD_FAILURES as exc:
            raise SqlfixError(f"cannot load model {spec!r}: {first_line(exc)}") from exc
    from sqlfix.models.hardware import default_model_choice

    choice = default_model_choice()
    failures = []
    for candidate, runtime in dict.fromkeys([(choice.spec, choice.runtime), (DEFAULT, choice.runtime), (DEFAULT, "torch")]):
        try:
            return load_model(candidate, runtime=runtime, threads=threads), "; ".join(failures) or None
        except _LOAD_FAILURES as exc:
            failures.append(f"{candidate} ({runtime}) unavailable: {first_line(exc)}")
    return None, f"default model unavailable ({'; '.join(failures)}); using the rules only"


def _default_spec() -> str:
    from sqlfix.models.hardware import default_model_choice

    return default_model_choice().spec


_RUNTIME_WORDS = {"ct2": "int8 on the CPU (CTranslate2)", "ort": "int4 on the CPU (ONNX Runtime GenAI)", "torch": "torch"}


def model_line(model: ChatModel, spec: str | None) -> str:
    """One line naming the model a surface uses and how it was chosen, for its start-up output."""
    runtime = _RUNTIME_WORDS.get(getattr(model, "runtime", ""), "")
    named = spec is not None and not parse_model_spec(spec).is_auto
    how = "as named" if named else _default_reason()
    return f"model: {model.name}" + (f", {runtime}" if runtime else "") + f" ({how}; --model picks another)"


def _default_reason() -> str:
    from sqlfix.models.hardware import default_model_choice

    return f"default for this machine: {default_model_choice().reason}"
