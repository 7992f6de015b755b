from django.contrib import admin

from care.portal.models import AuditEntry, Device, Profile

admin.site.register(Profile)
admin.site.register(Device)


@admin.register(AuditEntry)
class AuditAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "couple_ref", "action", "detail")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
