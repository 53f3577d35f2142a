"""OpenAPI schema adjustments (drf-spectacular), committed as docs/openapi.yaml.

* Partner-tier fields are optional properties marked "Partner tier only"; every other field of
  a response is required.
* Every object in a response is closed (`additionalProperties: false`), so that a field that
  should not be there makes the response break the schema (and schemathesis fail).
* Anonymous access is allowed on every operation: the key only raises the tier.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema

from api.serializers import PRECISE_DATE_PATTERN

PARTNER_ONLY = _("Partner tier only.")


class RegistroAutoSchema(AutoSchema):
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        partner_fields = getattr(serializer, "partner_fields", ())
        properties = schema.get("properties", {})
        for name in partner_fields:
            if name in schema.get("required", []):
                schema["required"].remove(name)
            field_schema = properties.get(name)
            if field_schema is not None and "$ref" not in field_schema:
                description = field_schema.get("description")
                field_schema["description"] = (
                    f"{PARTNER_ONLY}\n\n{description}" if description else str(PARTNER_ONLY)
                )
        if "required" in schema and not schema["required"]:
            del schema["required"]
        return schema

    def get_auth(self):
        auths = super().get_auth()
        if {} not in auths:
            auths.append({})
        return auths


class PreciseDateFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "api.serializers.PreciseDateField"

    def map_serializer_field(self, auto_schema, direction):
        schema = {
            "type": "string",
            "pattern": PRECISE_DATE_PATTERN,
            "description": str(
                _("A date as precise as the sources give it: YYYY, YYYY-MM or YYYY-MM-DD.")
            ),
        }
        if self.target.allow_null:
            schema["nullable"] = True
        return schema


def close_response_objects(result, generator, request, public):
    """Postprocessing hook: `additionalProperties: false` on every object schema with fields."""

    def close(schema):
        if isinstance(schema, dict):
            if "properties" in schema and "additionalProperties" not in schema:
                schema["additionalProperties"] = False
            for value in schema.values():
                close(value)
        elif isinstance(schema, list):
            for value in schema:
                close(value)

    close(result.get("components", {}).get("schemas", {}))
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict):
                close(operation.get("responses", {}))
    return result
