"""The final report as an archival PDF/A-3b (A4, Swedish), made by WeasyPrint from its HTML.

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

    return HTML(string=html, base_url=".").write_pdf(pdf_variant="pdf/a-3b")
