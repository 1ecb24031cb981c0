"""Find ``sqlfix eval`` reports: the results the repository ships (``docs/results``: report,
table and plots) and the local runs, folders holding a ``report.md`` or ``report.html`` with
the PNG plots beside them (or in a ``plots/`` folder)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPORT_NAMES = ("report.md", "report.html")
# The results shipped with the repository; absent from an install without the docs.
SHIPPED_RESULTS = Path(__file__).resolve().parent.parent / "docs" / "results"
SHIPPED_LABEL = "Shipped results (docs/results)"
_IMAGE_LINK = re.compile(r"!\[[^\]]*\]\((?!https?://)[^)]+\)\n?")


@dataclass(frozen=True)
class SavedReport:
    """One report folder.

    Attributes:
        folder: the folder.
        markdown: its ``report.md`` if any.
        html: its ``report.html`` if any.
        plots: PNG files in the folder and its subfolders, by name.
        tables: the folder's other Markdown files (a summary table), by name.
        label: what the picker shows (None: the folder path).
    """

    folder: Path
    markdown: Path | None
    html: Path | None
    plots: tuple[Path, ...]
    tables: tuple[Path, ...] = ()
    label: str | None = None

    @property
    def title(self) -> str:
        """What the picker shows: the label, else the folder path."""
        return self.label or str(self.folder)

    def markdown_text(self) -> str | None:
        """The report's Markdown without its links to local images (the page shows the plots
        itself, and a browser cannot load them from a relative path)."""
        return _IMAGE_LINK.sub("", self.markdown.read_text(encoding="utf-8")) if self.markdown else None


def find_reports(root: str | Path, shipped: Path | None = SHIPPED_RESULTS) -> list[SavedReport]:
    """Return the local report folders under ``root``, newest first, then the shipped results
    in ``shipped`` when that folder holds a report (empty when there is neither)."""
    local = _local_reports(Path(root).expanduser())
    if shipped is None or not any((shipped / name).is_file() for name in REPORT_NAMES):
        return local
    shipped = shipped.resolve()
    return [r for r in local if r.folder.resolve() != shipped] + [_report(shipped, SHIPPED_LABEL)]


def _local_reports(base: Path) -> list[SavedReport]:
    if not base.is_dir():
        return []
    folders = {path.parent for name in REPORT_NAMES for path in base.rglob(name)}
    reports = [_report(folder) for folder in folders]
    return sorted(reports, key=lambda r: max(p.stat().st_mtime for p in _files(r)), reverse=True)


def _report(folder: Path, label: str | None = None) -> SavedReport:
    markdown, html = (folder / name for name in REPORT_NAMES)
    return SavedReport(
        folder=folder,
        markdown=markdown if markdown.is_file() else None,
        html=html if html.is_file() else None,
        plots=tuple(sorted(folder.rglob("*.png"))),
        tables=tuple(sorted(p for p in folder.glob("*.md") if p.name not in REPORT_NAMES)),
        label=label,
    )


def _files(report: SavedReport) -> list[Path]:
    return [p for p in (report.markdown, report.html) if p is not None]
