"""On-disk cache of predictions, keyed by (system fingerprint, case id, case hash), so that a
re-run only asks systems about new or changed cases."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from eval.golden import GoldenCase
from eval.systems import Prediction


class PredictionCache:
    """One JSON file per (system, case) under ``root``; a changed case or system misses."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, system_key: str, case: GoldenCase) -> Path:
        """Where the prediction of ``system_key`` for ``case`` lives."""
        folder = hashlib.sha256(system_key.encode()).hexdigest()[:16]
        safe_id = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in case.id)
        return self.root / folder / f"{safe_id}-{case.content_hash()}.json"

    def get(self, system_key: str, case: GoldenCase) -> Prediction | None:
        """The cached prediction, or None (also for an unreadable cache file)."""
        path = self.path(system_key, case)
        try:
            return Prediction.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def put(self, system_key: str, case: GoldenCase, prediction: Prediction) -> None:
        """Store a prediction (atomically: a crash never leaves half a file)."""
        path = self.path(system_key, case)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(prediction.to_dict()))
        os.replace(partial, path)
