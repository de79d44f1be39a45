from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_path():
    def path(name: str) -> str:
        return str(FIXTURES / name)

    return path
