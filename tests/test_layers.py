"""No app imports a higher one: portal ← principals ← agreement, readiness, federation ←
reporting (agreement, readiness and federation are siblings and import neither each other
nor reporting). Imports inside functions count too; the tests, config and benchmarks are
outside the layers."""

import ast
from pathlib import Path

from django.conf import settings

LEVEL = {
    "portal": 0,
    "principals": 1,
    "agreement": 2,
    "readiness": 2,
    "federation": 2,
    "reporting": 3,
    "api": 4,  # the API (api/) reads and writes through every other app
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_no_app_imports_a_higher_one():
    base = Path(settings.BASE_DIR)
    wrong = []
    for app, level in LEVEL.items():
        for path in sorted((base / app).rglob("*.py")):
            for imported in _imports(path) & LEVEL.keys():
                if imported != app and LEVEL[imported] >= level:
                    wrong.append(f"{path.relative_to(base)} imports {imported}")
    assert not wrong, "\n".join(wrong)
