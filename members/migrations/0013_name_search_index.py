"""Finding a member by name at the till (issue 17): two indexes on the folded names.

PostgreSQL only: (merchant, “first last”) and (merchant, last name), lower case and without
accents, in byte order (COLLATE "C"), as members.queries.NameKey writes them: `LIKE 'ene%'`
is then one range of the index, read in its order, and a LIMIT stops it after a few rows,
even at a million members. Built CONCURRENTLY (hence not atomic) so the members table takes
writes meanwhile. SQLite (`make run`) gets nothing: its name search reads the table.
"""

from django.db import migrations

# members.queries.NameKey's folding, written out so that this migration stays as it ran
# (tests/loyalty/pos/test_find_by_name.py checks that the planner uses both indexes).
ACCENTED = (
    "ÀÁÂÃÄÅĂĄàáâãäåăąÇĆČçćčĎďÈÉÊËĘĚèéêëęěÌÍÎÏìíîïŁłÑŃŇñńňÒÓÔÕÖØòóôõöø"
    "ŘřŚŞŠȘśşšșŢŤȚţťțÙÚÛÜŮùúûüůÝŸýÿŹŻŽźżž"
)
PLAIN = (
    "AAAAAAAAaaaaaaaaCCCcccDdEEEEEEeeeeeeIIIIiiiiLlNNNnnnOOOOOOoooooo"
    "RrSSSSssssTTTtttUUUUUuuuuuYYyyZZZzzz"
)
INDEXES = {
    "member_full_name_key": "first_name || ' ' || last_name",
    "member_last_name_key": "last_name",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        key = f"""(LOWER(TRANSLATE(({columns}), '{ACCENTED}', '{PLAIN}')) COLLATE "C")"""
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON members_member "
            f"(merchant_id, ({key}))"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("members", "0012_member_score_spend"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
