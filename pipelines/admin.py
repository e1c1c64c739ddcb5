"""The club's pipeline settings, for managers: stale-stage limits and closed days."""

from django import forms
from django.contrib import admin

from .models import ClubClosedDay, StageLimit
from .rules import PIPELINES


class StageLimitForm(forms.ModelForm):
    class Meta:
        model = StageLimit
        fields = ["pipeline", "status", "days"]

    def clean(self):
        cleaned = super().clean()
        pipeline = PIPELINES.get(cleaned.get("pipeline") or "")
        status = cleaned.get("status")
        if pipeline and status:
            if status not in pipeline.statuses.values:
                names = ", ".join(pipeline.statuses.values)
                self.add_error(
                    "status", f"“{status}” is not a stage of {pipeline.title}. Use one of: {names}."
                )
            elif status in pipeline.closed:
                self.add_error(
                    "status", f"{pipeline.label(status)} ends the journey: its cards never go stale."
                )
        return cleaned


@admin.register(StageLimit)
class StageLimitAdmin(admin.ModelAdmin):
    form = StageLimitForm
    list_display = ["pipeline", "stage", "days"]
    list_editable = ["days"]
    list_filter = ["pipeline"]
    ordering = ["pipeline", "status"]
    show_full_result_count = False

    @admin.display(description="Stage", ordering="status")
    def stage(self, obj: StageLimit) -> str:
        pipeline = PIPELINES[obj.pipeline]
        return pipeline.label(obj.status) if obj.status in pipeline.statuses.values else obj.status

    def get_readonly_fields(self, request, obj=None):
        # A limit belongs to its stage; to move it, delete it and add another.
        return ["pipeline", "status"] if obj else []


@admin.register(ClubClosedDay)
class ClubClosedDayAdmin(admin.ModelAdmin):
    list_display = ["date", "reason"]
    date_hierarchy = "date"
    show_full_result_count = False
