#!/usr/bin/env python3
"""Validates an export of `parcours export data-inclusion DIR` against the
official data·inclusion v1 pydantic models (PyPI `data-inclusion-schema` 1.x).

    python scripts/validate-data-inclusion.py DIR

Every row of DIR/structures.json is checked with
`data_inclusion.schema.v1.Structure.model_validate`, every row of
DIR/services.json with `Service.model_validate` (warnings, such as a name
ending with a full stop, count as errors). On top of the models: ids are
unique within each file and every service's `structure_id` is a structure of
the export. Prints each error and exits 1 on any; otherwise prints
"N structures, M services valides" and exits 0.
"""

import json
import sys
from pathlib import Path

try:
    from pydantic import ValidationError

    from data_inclusion.schema.v1 import Service, Structure
except ImportError as err:  # pragma: no cover - depends on the environment
    print(
        f"Module manquant ({err.name}) : pip install 'data-inclusion-schema>=1,<2'",
        file=sys.stderr,
    )
    sys.exit(2)

STRICT = {"ignore_warnings": False}


def load(path: Path, errors: list[str]) -> list | None:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        errors.append(f"{path.name} : fichier introuvable ({path})")
        return None
    except json.JSONDecodeError as err:
        errors.append(f"{path.name} : JSON illisible ({err})")
        return None
    if not isinstance(rows, list):
        errors.append(f"{path.name} : un tableau JSON est attendu")
        return None
    return rows


def validate(name: str, rows: list, model, errors: list[str]) -> set[str]:
    ids: set[str] = set()
    for number, row in enumerate(rows, start=1):
        row_id = row.get("id") if isinstance(row, dict) else None
        where = f"{name}, ligne {number} (id {row_id})"
        try:
            model.model_validate(row, context=STRICT)
        except ValidationError as err:
            for error in err.errors():
                field = ".".join(str(part) for part in error["loc"]) or "-"
                errors.append(f"{where} : champ « {field} » — {error['msg']}")
        if row_id in ids:
            errors.append(f"{where} : identifiant en double")
        if isinstance(row_id, str):
            ids.add(row_id)
    return ids


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    directory = Path(argv[1])
    errors: list[str] = []
    structures = load(directory / "structures.json", errors)
    services = load(directory / "services.json", errors)
    structure_ids = (
        validate("structures.json", structures, Structure, errors)
        if structures is not None
        else set()
    )
    if services is not None:
        validate("services.json", services, Service, errors)
        if structures is not None:
            for number, row in enumerate(services, start=1):
                if isinstance(row, dict) and row.get("structure_id") not in structure_ids:
                    errors.append(
                        f"services.json, ligne {number} (id {row.get('id')}) : "
                        f"structure_id « {row.get('structure_id')} » absent de structures.json"
                    )
    for error in errors:
        print(error)
    if errors:
        print(f"{len(errors)} erreur(s)", file=sys.stderr)
        return 1
    print(f"{len(structures)} structures, {len(services)} services valides")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
