"""``Batch``: one unit of datagen work between two checkpoints, as the sources (offline
generation, the LLM generator, interaction logs, a query log) plan it and the pipeline runs it."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

from datagen.filters import FilterState

Stats = dict[str, Counter]


@dataclass
class Batch:
    """One unit of work between two checkpoints.

    Attributes:
        name: unique within a run; seeds the batch's RNG and names its checkpoint.
        stage: which source planned it (``offline``, ``llm``, ``logs``, ``query_log``).
        run: produces the batch's rows from its RNG, the shared filters and the run's stats.
        source_key: the database source it draws from, if one.
    """

    name: str
    stage: str
    run: Callable[[random.Random, FilterState, Stats], list[dict[str, Any]]]
    source_key: str | None = None
