"""A CSV import of members: the uploaded file, its state and the report of what it did.

The file is kept as text in the row, not on disk, so that any web process and any worker can
read it (nothing lives on local disk between requests). The work is in
`members.services.imports`; the worker entry point is `members.tasks.run_import`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Merchant, TenantQuerySet


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed")
    DRY_RUN = "dry_run", _("Dry run done")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class MemberImport(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=200)
    csv = models.TextField()
    status = models.CharField(max_length=10, choices=ImportStatus, default=ImportStatus.PREVIEWED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    # Chosen when the import starts. Off by default: imported customers are not new to the shop,
    # and their opening balance already carries what they had.
    pay_welcome_bonus = models.BooleanField(_("pay the welcome bonus"), default=False)
    # {"preview": {...}} after the upload, {"dry_run": {...}} after a dry run, and
    # {"skipped": [...], "error": "..."} while and after the import runs.
    report = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="member_import_time")]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, self.processed_rows * 100 // self.total_rows)
