from django.contrib import admin

from .models import MorningSummary


@admin.register(MorningSummary)
class MorningSummaryAdmin(admin.ModelAdmin):
    """Read-only: which summaries went out, and any that failed or were cut off mid-send."""

    list_display = ("day", "user", "status", "claimed_at", "sent_at")
    list_filter = ("status",)
    list_select_related = ("user",)
    show_full_result_count = False
    search_fields = ("user__email",)
    readonly_fields = ("user", "day", "status", "claimed_at", "sent_at", "error")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
