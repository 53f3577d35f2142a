from django.contrib import admin

from imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: imports are made and committed from the staff pages (/personal/importar/)."""

    list_display = ["id", "original_name", "state", "rows_total", "created_by", "created_at"]
    list_filter = ["state"]
    readonly_fields = [
        "original_name",
        "state",
        "rows_total",
        "rows_done",
        "counts",
        "errors",
        "created_by",
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
