"""Staff roles (DESIGN §1) as Django groups with model permissions; object rules in rules.py.

`ensure_roles` runs after every migrate, so a fresh database always has the groups; a
coordinator assigns people to them in the admin. Partners are API-only and never staff.
"""

from django.contrib.auth.models import Group, Permission

DOCUMENTALISTA = "Documentalista"
VERIFICADOR = "Verificador"
COORDINADOR = "Coordinador"
ROLES = (DOCUMENTALISTA, VERIFICADOR, COORDINADOR)

CASE_MODELS = [
    "registry.person",
    "cases.detention",
    "cases.custodystay",
    "cases.detentioncharge",
    "cases.release",
    "cases.releasecondition",
    "cases.event",
    "cases.source",
]
READ_ONLY_MODELS = [
    "facilities.facility",
    "cases.charge",
    "cases.releaseclaim",
    "cases.releaseclaimname",
    "registry.informationsubmission",
]


def _model_permissions(models: list[str], actions: list[str]) -> list[str]:
    return [
        f"{model.split('.')[0]}.{action}_{model.split('.')[1]}"
        for model in models
        for action in actions
    ]


DOCUMENTALISTA_PERMISSIONS = [
    *_model_permissions(CASE_MODELS, ["add", "change", "view"]),
    *_model_permissions(READ_ONLY_MODELS, ["view"]),
    "registry.change_informationsubmission",
    "registry.view_private_data",
    "imports.add_importjob",
    "imports.view_importjob",
]
VERIFICADOR_PERMISSIONS = [
    *DOCUMENTALISTA_PERMISSIONS,
    *_model_permissions(["cases.releaseclaim", "cases.releaseclaimname"], ["add", "change"]),
]
COORDINADOR_APPS = ("registry", "cases", "facilities", "stats", "api", "imports")
COORDINADOR_EXTRA = [
    "auth.view_user",
    "auth.add_user",
    "auth.change_user",
    "auth.view_group",
]


def _permissions(names: list[str]):
    wanted = {tuple(name.split(".")) for name in names}
    found = Permission.objects.select_related("content_type").filter(
        codename__in=[codename for _app, codename in wanted]
    )
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


def ensure_roles(**_signal_kwargs) -> None:
    """Create the three staff groups and set their permissions (idempotent)."""
    documentalista, _ = Group.objects.get_or_create(name=DOCUMENTALISTA)
    documentalista.permissions.set(_permissions(DOCUMENTALISTA_PERMISSIONS))
    verificador, _ = Group.objects.get_or_create(name=VERIFICADOR)
    verificador.permissions.set(_permissions(VERIFICADOR_PERMISSIONS))
    coordinador, _ = Group.objects.get_or_create(name=COORDINADOR)
    coordinador.permissions.set(
        [
            *Permission.objects.filter(content_type__app_label__in=COORDINADOR_APPS),
            *_permissions(COORDINADOR_EXTRA),
        ]
    )
