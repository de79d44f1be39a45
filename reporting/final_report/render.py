"""The final report as a tagged, archival PDF/A-3a (A4, Swedish), made from its HTML by
`portal.pdf.html_to_pdf` (see docs/adr/0005-tagged-archival-pdf.md).

The print stylesheet is embedded in the HTML document (so the stored HTML stands alone), and
that one document is what becomes the PDF.
"""

from pathlib import Path

from django.contrib.staticfiles import finders

from portal.pdf import html_to_pdf

__all__ = ["html_to_pdf", "print_css"]

PRINT_CSS = "reporting/report-print.css"


def print_css() -> str:
    return Path(finders.find(PRINT_CSS)).read_text(encoding="utf-8")
