"""The dashboards and open data: filter forms (forms.py), tables and charts built once from the
figures (blocks.py), the dashboard pages and their downloads (views.py), the public open data
(opendata.py) and their URLs (urls.py)."""
