"""The final report as a tagged, archival PDF/A-3a (A4, Swedish), made by WeasyPrint from its HTML.

Level A of PDF/A is its accessible level: the PDF carries a structure tree (headings, lists,
tables with header cells, figures with their text), the document language from `<html lang>`
and the title from `<title>`. WeasyPrint writes one conformance claim per file, so the file
claims PDF/A-3a and not also PDF/UA-1; the tagging is the same one WeasyPrint uses for its
PDF/UA output (see docs/adr/0005-tagged-archival-pdf.md).

The print stylesheet is embedded in the HTML document (so the stored HTML stands alone), and
that one document is what becomes the PDF.
"""

from pathlib import Path

from django.contrib.staticfiles import finders

PRINT_CSS = "reporting/report-print.css"


def print_css() -> str:
    return Path(finders.find(PRINT_CSS)).read_text(encoding="utf-8")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=".").write_pdf(pdf_variant="pdf/a-3a")
