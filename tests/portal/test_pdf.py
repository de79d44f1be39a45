"""Every PDF is tagged PDF/A-3a with its language, and reads nothing from outside the document."""

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from portal.pdf import html_to_pdf

DOCUMENT = """<!doctype html><html lang="sv"><head><meta charset="utf-8">
<title>Provdokument</title>{head}</head><body><h1>Rubrik</h1>{body}</body></html>"""


def test_a_pdf_is_tagged_with_language_and_title():
    pdf = html_to_pdf(DOCUMENT.format(head="", body="<p>Text</p>"))
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    assert "Tagged:          yes" in info.stdout.decode()
    assert "Title:           Provdokument" in info.stdout.decode()
    structure = subprocess.run(
        ["pdfinfo", "-struct", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "H1" in structure


@pytest.fixture
def web_server():
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    asked = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"h1 { color: red }")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", asked
    server.shutdown()


def test_a_pdf_fetches_no_web_address(web_server):
    base, asked = web_server
    head = f'<link rel="stylesheet" href="{base}/style.css">'
    pdf = html_to_pdf(DOCUMENT.format(head=head, body=f'<img src="{base}/bild.png" alt="">'))
    assert pdf.startswith(b"%PDF") and asked == []


def test_a_pdf_reads_no_file_from_the_server(tmp_path):
    secret = tmp_path / "hemlig.txt"
    secret.write_text("HEMLIGT-INNEHALL", encoding="utf-8")
    body = f'<object data="file://{secret}" type="text/plain"></object>'
    body += f'<img src="file://{secret}" alt=""><img src="{secret}" alt="">'
    pdf = html_to_pdf(DOCUMENT.format(head="", body=body))
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Rubrik" in text and "HEMLIGT" not in text


def test_an_inline_data_image_still_works():
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
        "z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    )
    pdf = html_to_pdf(DOCUMENT.format(head="", body=f'<img src="{pixel}" alt="punkt">'))
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf
