"""Share.text_hash and Share.caption_edited ("own words"), backfilled for existing shares.

The backfill keeps its own copy of chorus.sharing.compose.text_fingerprint (a migration
must not change when the code does). Whether an existing share's words were edited is
judged against the post's captions as they are now, with the organization's disclosures
appended or not: close enough for shares made before the dialog recorded it.
"""

import hashlib
import re

from django.db import migrations, models

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
BATCH = 2000


def _fingerprint(text):
    words = " ".join(_URL.sub(" ", text).split())
    return hashlib.sha256(words.encode()).hexdigest()[:32] if words else ""


def backfill(apps, schema_editor):
    Share = apps.get_model("sharing", "Share")
    Caption = apps.get_model("content", "Caption")
    ComplianceRule = apps.get_model("content", "ComplianceRule")
    disclosures = {}
    for organization_id, value in ComplianceRule._base_manager.filter(
        kind="disclosure"
    ).values_list("organization_id", "value"):
        disclosures.setdefault(organization_id, []).append(value)
    offered = {}
    for post_id, text, organization_id in Caption._base_manager.values_list(
        "post_id", "text", "post__organization_id"
    ):
        found = offered.setdefault(post_id, {""})
        found.add(_fingerprint(text))
        if organization_id in disclosures:
            found.add(_fingerprint(text + " " + " ".join(disclosures[organization_id])))
    pending = []
    for share in Share._base_manager.only("pk", "post_id", "text").iterator(chunk_size=BATCH):
        share.text_hash = _fingerprint(share.text)
        share.caption_edited = share.text_hash not in offered.get(share.post_id, {""})
        pending.append(share)
        if len(pending) >= BATCH:
            Share._base_manager.bulk_update(pending, ["text_hash", "caption_edited"])
            pending = []
    if pending:
        Share._base_manager.bulk_update(pending, ["text_hash", "caption_edited"])


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0004_approval_publish_and_version_details"),
        ("sharing", "0003_share_updated_at_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="share",
            name="text_hash",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="share",
            name="caption_edited",
            field=models.BooleanField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="share",
            index=models.Index(fields=["post", "network", "text_hash"], name="share_same_text"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
