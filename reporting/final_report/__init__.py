"""The final report (slutredovisning): its content built from the data (content.py), rendered
as HTML, PDF and XLSX (render.py), written, reviewed and frozen through the services
(services.py), and its pages (views.py, urls.py)."""
