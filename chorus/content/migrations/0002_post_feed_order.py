# The member's feed walks this index newest first (chorus.sharing.selectors.feed_page).

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                models.F("organization"),
                models.F("state"),
                models.OrderBy(
                    django.db.models.functions.comparison.Coalesce("publish_start", "created_at"),
                    descending=True,
                ),
                models.OrderBy(models.F("id"), descending=True),
                name="post_feed_order",
            ),
        ),
    ]
