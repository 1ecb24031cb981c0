"""Suite-wide settings: one cache directory for built demo databases and converted models,
shared by the xdist workers (the builders are safe under concurrent first use)."""

import os
from pathlib import Path

os.environ.setdefault("SQLFIX_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".sqlfix-cache"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
