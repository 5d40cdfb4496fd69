"""Tags staff put on members ("vegan", "wholesale"): free words, lower-cased, one row per member
and tag, that rule segments can match."""

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from loyalty.models import Merchant, TenantQuerySet

TAG_MAX_LENGTH = 40


class MemberTag(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=TAG_MAX_LENGTH)  # lower-cased by campaigns.segments.tags
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["tag"]
        constraints = [
            models.UniqueConstraint(fields=["member", "tag"], name="member_tag_unique"),
            models.CheckConstraint(condition=models.Q(tag=Lower("tag")), name="member_tag_lower"),
        ]
        # A segment's "has the tag" is an Exists on (member, tag) (the unique index); the
        # builder's list of the merchant's tags reads this one.
        indexes = [models.Index(fields=["merchant", "tag"], name="member_tag_merchant")]

    def __str__(self) -> str:
        return self.tag
