"""What every local runtime shares about reading an answer: where it ends, and how long a
head two prompts share is.

Example:
    >>> cut_after_first_block("```sql\\nSELECT 1\\n```\\nThis selects one.")
    '```sql\\nSELECT 1\\n```'
"""

from __future__ import annotations

from collections.abc import Sequence

END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|end|>")
FENCE = "```"


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
