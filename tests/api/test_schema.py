"""The OpenAPI schema is committed (docs/openapi.yaml) and must match the code."""

import io
from pathlib import Path

import yaml
from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def generated_schema() -> str:
    output = io.StringIO()
    call_command("spectacular", "--lang", "en", "--validate", stdout=output)
    return output.getvalue()


def test_the_committed_schema_is_up_to_date():
    assert generated_schema() == COMMITTED.read_text(), (
        "docs/openapi.yaml is out of date: run `make schema` and review the diff."
    )


def test_every_response_object_is_closed():
    schema = yaml.safe_load(COMMITTED.read_text())

    def objects(node):
        if isinstance(node, dict):
            if "properties" in node:
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    found = list(objects(schema["components"]["schemas"]))
    assert found
    assert all(node.get("additionalProperties") is False for node in found)


def test_partner_fields_are_optional_and_public_ones_required():
    people = yaml.safe_load(COMMITTED.read_text())["components"]["schemas"]["PersonList"]
    assert "public_id" in people["required"] and "status" in people["required"]
    assert "sex" not in people["required"] and "sex" in people["properties"]
