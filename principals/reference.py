"""SCB's counties and municipalities, shipped with the app in principals/data/."""

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def load_reference_data(county_model, municipality_model) -> None:
    """Create or update all 21 counties and 290 municipalities; idempotent."""
    with open(DATA / "lan.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            county_model.objects.update_or_create(
                code=row["lanskod"], defaults={"name": row["lan"]}
            )
    counties = {c.code: c for c in county_model.objects.all()}
    with open(DATA / "kommuner.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            municipality_model.objects.update_or_create(
                code=row["kommunkod"],
                defaults={"name": row["kommun"], "county": counties[row["lanskod"]]},
            )
