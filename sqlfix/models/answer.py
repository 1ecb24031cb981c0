"""What every local runtime shares: rendering a chat into token ids, where an answer ends, how
long a head two prompts share is, and the error for a model folder that does not load.

Example:
    >>> cut_after_first_block("```sql\\nSELECT 1\\n```\\nThis selects one.")
    '```sql\\nSELECT 1\\n```'
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlfix.errors import SqlfixError, first_line

END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|end|>")
FENCE = "```"


def end_token_ids(tokenizer) -> list[int]:
    """The ids that end an answer: the tokenizer's end of sequence, then the end-of-turn tokens
    its vocabulary has (a one-line error when it has none)."""
    vocab = tokenizer.get_vocab()
    ids = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    ids += [vocab[token] for token in END_OF_TURN_TOKENS if token in vocab and vocab[token] not in ids]
    if not ids:
        raise SqlfixError("the model's tokenizer names no end-of-sequence token")
    return ids


def chat_token_ids(tokenizer, messages) -> list[int]:
    """The token ids of chat ``messages`` (:class:`~sqlfix.models.base.Message`) rendered by
    the tokenizer's chat template, ready for the assistant's turn."""
    chat = [{"role": m.role, "content": m.content} for m in messages]
    return list(tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=True, return_dict=False))


def load_error(model_dir: object, exc: BaseException) -> SqlfixError:
    """The one-line error for a quantized model folder that does not load."""
    return SqlfixError(f"cannot load the quantized model in {model_dir}: {first_line(exc)}")


def cut_after_first_block(text: str) -> str:
    """``text`` up to the end of its first complete fenced block (all of it when it has none)."""
    start = text.find(FENCE)
    close = text.find(FENCE, start + len(FENCE)) if start >= 0 else -1
    return text[: close + len(FENCE)] if close >= 0 else text


def common_length(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading items ``a`` and ``b`` share.

    Example:
        >>> common_length([1, 2, 3], [1, 2, 4])
        2
    """
    length = 0
    for x, y in zip(a, b):
        if x != y:
            break
        length += 1
    return length
