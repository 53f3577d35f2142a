"""Who may see each field (DESIGN §4): the one privacy classification of the codebase.

Every concrete field of every model of the project's apps is declared once, on its model, in
one of four tiers, from the most open to the most closed:

- `PUBLIC`: anyone, on the public site, the API and exports (of published records only);
- `PARTNER`: also partners with an API key;
- `STAFF`: staff only (workflow, consent, bookkeeping, internal keys); never public;
- `PRIVATE`: staff allowed to see private data only, each time logged; never in logs, exports,
  the API or the history shown to other staff.

An encrypted field is never public or partner-tier.

A model declares it as a class attribute:

    privacy = Privacy(public=[...], partner=[...], staff=[...], private=[...])

or, for a record staff alone ever see, `Privacy.staff_only(private=[...])`. The API serializers,
the exports, the history, the admin and the canary tests read the classification from here;
`check_classification` (a system check, so `manage.py check` and CI fail) refuses a model of the
project's apps with a field that is not declared, declared twice, or encrypted and open.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from pathlib import Path

import pghistory.models
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from encrypted_fields.fields import EncryptedFieldMixin


class Tier(enum.StrEnum):
    PUBLIC = "public"
    PARTNER = "partner"
    STAFF = "staff"
    PRIVATE = "private"

    @property
    def rank(self) -> int:
        return list(Tier).index(self)

    def shown_to(self, audience: Tier) -> bool:
        """Whether a field of this tier may be shown to `audience` (an audience of a tier sees
        that tier and every more open one)."""
        return self.rank <= audience.rank


class Privacy:
    """The tier of each field of one model."""

    def __init__(
        self,
        *,
        public: Iterable[str] = (),
        partner: Iterable[str] = (),
        staff: Iterable[str] = (),
        private: Iterable[str] = (),
        all_staff: bool = False,
    ) -> None:
        self.declared: dict[str, list[Tier]] = {}
        for tier, names in (
            (Tier.PUBLIC, public),
            (Tier.PARTNER, partner),
            (Tier.STAFF, staff),
            (Tier.PRIVATE, private),
        ):
            for name in names:
                self.declared.setdefault(name, []).append(tier)
        # A record only staff ever see: fields not declared otherwise are staff-tier.
        self.all_staff = all_staff

    @classmethod
    def staff_only(cls, *, private: Iterable[str] = ()) -> Privacy:
        return cls(private=private, all_staff=True)

    def tier(self, name: str) -> Tier | None:
        tiers = self.declared.get(name)
        if tiers:
            return tiers[0]
        return Tier.STAFF if self.all_staff else None


def _declared_name(field: models.Field) -> str:
    """A translated copy of a field (modeltranslation's `summary_es`) has its original's tier."""
    original = getattr(field, "translated_field", None)
    return original.name if original is not None else field.name


def _privacy(model: type[models.Model]) -> Privacy:
    privacy = getattr(model, "privacy", None)
    if not isinstance(privacy, Privacy):
        raise LookupError(f"{model._meta.label} declares no privacy classification")
    return privacy


def field_tier(model: type[models.Model], path: str) -> Tier:
    """The tier of a field, or of a path through foreign keys (`current_facility__name`): the
    most closed tier met on the way. Raises LookupError for an unclassified field, and
    FieldDoesNotExist when the path does not start with a field."""
    tier = Tier.PUBLIC
    for depth, part in enumerate(path.split("__")):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            if depth == 0:
                raise  # something the model computes (a property, an annotation)
            return tier  # an attribute of a field's value (`private_notes.strip`): its tier
        if field.concrete:
            declared = _privacy(model).tier(_declared_name(field))
            if declared is None:
                raise LookupError(f"{model._meta.label}.{part} is not classified")
            tier = max(tier, declared, key=lambda t: t.rank)
        # A reverse or many-to-many relation has no column: the related rows' fields decide.
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    return tier


def fields_of(model: type[models.Model], *tiers: Tier) -> list[str]:
    """The names of the model's concrete fields in any of `tiers`, in the model's order."""
    privacy = _privacy(model)
    return [
        field.name
        for field in model._meta.concrete_fields
        if privacy.tier(_declared_name(field)) in tiers
    ]


def fields_shown_to(model: type[models.Model], audience: Tier) -> list[str]:
    """The concrete fields an audience may see: `fields_shown_to(Person, Tier.PARTNER)`."""
    return fields_of(model, *(tier for tier in Tier if tier.shown_to(audience)))


def _project_apps():
    """The installed apps whose code is in this repository (not in site-packages)."""
    base = Path(settings.BASE_DIR).resolve()
    return [
        config
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and ".venv" not in Path(config.path).parts
    ]


def classified_models() -> list[type[models.Model]]:
    """Every model of the project's apps, audit-trail copies aside (they mirror their model)."""
    found = []
    for config in _project_apps():
        for model in config.get_models():
            if issubclass(model, pghistory.models.Event):
                continue  # an audit-trail copy: the tracked model's fields and tiers
            found.append(model)
    return found


def classification_errors(model: type[models.Model]) -> list[str]:
    privacy = getattr(model, "privacy", None)
    label = model._meta.label
    if not isinstance(privacy, Privacy):
        return [f"{label} has no `privacy = Privacy(...)` declaration."]
    errors = []
    names = {field.name for field in model._meta.concrete_fields}
    for name, tiers in privacy.declared.items():
        if len(tiers) > 1:
            errors.append(f"{label}.{name} is declared in several tiers: {', '.join(tiers)}.")
        if name not in names:
            errors.append(f"{label}.{name} is classified but is not a field of the model.")
    for field in model._meta.concrete_fields:
        tier = privacy.tier(_declared_name(field))
        if tier is None:
            errors.append(f"{label}.{field.name} has no privacy tier: declare it in `privacy`.")
        elif isinstance(field, EncryptedFieldMixin) and tier.shown_to(Tier.PARTNER):
            errors.append(f"{label}.{field.name} is encrypted: it must be staff or private.")
    return errors


@checks.register(checks.Tags.security)
def check_classification(app_configs=None, **kwargs) -> list[checks.Error]:
    return [
        checks.Error(message, id="registro.E001")
        for model in classified_models()
        for message in classification_errors(model)
    ]
