from django.contrib import admin

from imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: imports are made and committed from the staff pages (/personal/importar/)."""

    list_display = [
        "id",
        "kind",
        "original_name",
        "state",
        "rows_total",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "state"]
    readonly_fields = [
        "kind",
        "original_name",
        "state",
        "attempts",
        "rows_total",
        "rows_done",
        "counts",
        "errors",
        "matches",
        "claim",
        "claim_details",
        "created_by",
        "confirmed_by",
        "created_at",
        "finished_at",
    ]
    exclude = ["file"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
