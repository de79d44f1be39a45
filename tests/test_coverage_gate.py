"""The coverage gate measures every app of the project, so no app can hide outside it."""

import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings


def test_coverage_measures_every_project_app():
    pyproject = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
    source = set(pyproject["tool"]["coverage"]["run"]["source"])
    base = Path(settings.BASE_DIR).resolve()
    project_apps = {
        Path(config.path).resolve().relative_to(base).parts[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and ".venv" not in Path(config.path).parts
    }
    assert project_apps, "no project apps found"
    assert project_apps | {"config"} <= source, sorted(project_apps - source)
