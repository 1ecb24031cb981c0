"""``Workspace``: what the editor's actions need besides the session (the open database, query
limits, fix settings and the interaction log), shared by the state, proposals and compare modules."""

from __future__ import annotations

from dataclasses import dataclass

from sqlfix.engines.base import Limits
from sqlfix.fix import FixConfig
from ui.interaction_log import InteractionLog
from ui.sources import OpenDatabase


@dataclass
class Workspace:
    """What the actions need besides the session: the database, limits, fix settings and log."""

    db: OpenDatabase
    limits: Limits
    fix_config: FixConfig
    log: InteractionLog
