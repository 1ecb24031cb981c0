"""Find saved ``sqlfix eval`` reports: folders holding a ``report.md`` or ``report.html``,
with the PNG plots beside them (or in a ``plots/`` folder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPORT_NAMES = ("report.md", "report.html")


@dataclass(frozen=True)
class SavedReport:
    """One report folder.

    Attributes:
        folder: the folder.
        markdown: its ``report.md`` if any.
        html: its ``report.html`` if any.
        plots: PNG files in the folder and its subfolders, by name.
    """

    folder: Path
    markdown: Path | None
    html: Path | None
    plots: tuple[Path, ...]

    @property
    def title(self) -> str:
        """The folder path, as shown in the picker."""
        return str(self.folder)


def find_reports(root: str | Path) -> list[SavedReport]:
    """Return the report folders under ``root``, newest first (empty when ``root`` is missing)."""
    base = Path(root).expanduser()
    if not base.is_dir():
        return []
    folders = {path.parent for name in REPORT_NAMES for path in base.rglob(name)}
    reports = [_report(folder) for folder in folders]
    return sorted(reports, key=lambda r: max(p.stat().st_mtime for p in _files(r)), reverse=True)


def _report(folder: Path) -> SavedReport:
    markdown, html = (folder / name for name in REPORT_NAMES)
    return SavedReport(
        folder=folder,
        markdown=markdown if markdown.is_file() else None,
        html=html if html.is_file() else None,
        plots=tuple(sorted(folder.rglob("*.png"))),
    )


def _files(report: SavedReport) -> list[Path]:
    return [p for p in (report.markdown, report.html) if p is not None]
