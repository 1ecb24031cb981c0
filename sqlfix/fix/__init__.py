"""The Quick-Fix pipeline: repair failing SQL and answer questions with verified SQL.

``repair`` gathers candidates from the deterministic repairers (``sqlfix.fix.rules``) and a
chat model in parallel, runs each read-only under limits, deduplicates, ranks the survivors
(LightGBM reward model, majority vote as fallback) and returns the best as a minimal edit
of the input with a one-sentence explanation, execution evidence and a confidence.
"""

from sqlfix.fix.cases import request_from_row
from sqlfix.fix.config import FixConfig
from sqlfix.fix.pipeline import ask, repair
from sqlfix.fix.records import AskResult, Candidate, Evidence, FixRequest, FixResult

__all__ = ["AskResult", "Candidate", "Evidence", "FixConfig", "FixRequest", "FixResult", "ask", "repair", "request_from_row"]
