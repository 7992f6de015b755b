"""What the organisation's app stores (docs/portal.md says who sees it and how long it stays).

A couple's set-up (names, tasks, contact persons, home, consent) lives in Couple.doc until the
loan ends; reports hold only entries the partners agreed to share (filtered before storage).
Ending the loan deletes the couple with its reports; the audit log keeps the couple's
reference only. Devices and their loan history stay (they are the organisation's)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LANGS = [("nl", "Nederlands"), ("en", "English")]


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    language = models.CharField(max_length=2, choices=LANGS, default="nl")

    @classmethod
    def for_user(cls, user):
        return cls.objects.get_or_create(user=user)[0]


class Couple(models.Model):
    ref = models.CharField(_("reference"), max_length=40, unique=True)
    language = models.CharField(_("language"), max_length=2, choices=LANGS, default="nl")
    doc = models.JSONField()  # the set-up as care/couple.py reads it (never the secret)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    caseworkers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                         related_name="assigned_couples")
    provisioned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [
            ("set_up_couple", "Set up couples and provision their devices"),
            ("view_all_couples", "See every couple (not only assigned ones)"),
            ("read_report", "Read a couple's devices and see reports"),
            ("manage_devices", "Keep the device inventory, wipe returned devices"),
        ]

    def __str__(self):
        return self.ref


class Device(models.Model):
    STOCK, LOANED, RETURNED, WIPED = "stock", "loaned", "returned", "wiped"
    STATES = [(STOCK, _("in stock")), (LOANED, _("loaned")), (RETURNED, _("returned")),
              (WIPED, _("wiped"))]
    label = models.CharField(_("device"), max_length=30, unique=True)
    state = models.CharField(max_length=10, choices=STATES, default=STOCK)
    couple = models.ForeignKey(Couple, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="devices")
    role = models.CharField(max_length=1, blank=True)
    since = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.label


class DeviceEvent(models.Model):
    """The inventory's history: loaned to which couple (reference only) since when, returned,
    wiped."""
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10)
    couple_ref = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=1, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-at", "-id"]


class Report(models.Model):
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="reports")
    made_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField()  # care.report.collect(): shared entries only, no sequence numbers
    made_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-made_at"]


class AuditEntry(models.Model):
    """Every view of a couple's data and every change; kept when the couple is deleted."""
    at = models.DateTimeField(default=timezone.now)
    user = models.CharField(max_length=150)
    couple_ref = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=60)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    @classmethod
    def write(cls, request, couple, action, detail=""):
        ref = couple.ref if hasattr(couple, "ref") else (couple or "")
        cls.objects.create(user=request.user.get_username(), couple_ref=ref, action=action,
                           detail=detail[:200])
