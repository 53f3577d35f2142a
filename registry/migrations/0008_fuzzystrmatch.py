from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    """levenshtein() keeps only real near-misses among the trigram candidates of a typo."""

    dependencies = [
        ("registry", "0007_published_indexes"),
    ]

    operations = [
        CreateExtension("fuzzystrmatch"),
    ]
