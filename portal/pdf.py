"""HTML to tagged, archival PDF (PDF/A-3a, A4) with WeasyPrint, for every PDF the portal writes.

Level A of PDF/A is its accessible level: the PDF carries a structure tree (headings, lists,
tables with header cells), the document language from `<html lang>` and the title from
`<title>` (docs/adr/0005-tagged-archival-pdf.md).

The documents are self-contained (styles embedded, charts inline SVG), so WeasyPrint fetches
nothing but `data:` URIs: a file path or web address in a document, whatever put it there, is
refused rather than read from the server's disk or network (WeasyPrint logs it and leaves the
resource out).
"""

ALLOWED_PROTOCOLS = frozenset({"data"})


def url_fetcher():
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS, allow_redirects=False)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=".", url_fetcher=url_fetcher()).write_pdf(
        pdf_variant="pdf/a-3a"
    )
