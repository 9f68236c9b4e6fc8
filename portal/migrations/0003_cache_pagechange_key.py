"""Page versions per key (a helper's free times); the shared page cache's table goes."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0002_pagechange'),
    ]

    operations = [
        # The shared "pages" cache is gone: each app server keeps its pages in memory.
        migrations.RunSQL("DROP TABLE IF EXISTS houvast_page_cache", migrations.RunSQL.noop),
        migrations.RemoveIndex(
            model_name='pagechange',
            name='pagechange_domain_id',
        ),
        migrations.AddField(
            model_name='pagechange',
            name='key',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='pagechange',
            index=models.Index(fields=['domain', 'key', 'id'], name='pagechange_domain_key_id'),
        ),
    ]
