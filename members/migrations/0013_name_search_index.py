"""Finding a member by name at the till (issue 17): a trigram index on the folded full name.

PostgreSQL only: pg_trgm and a GIN index on NameKey's very expression (members/queries.py), so
that `LIKE 'ene%' OR LIKE '% ene%'` reads the index even at a million members. Built
CONCURRENTLY (hence not atomic) so the members table takes writes meanwhile. SQLite (`make
run`) gets nothing: its name search reads the table.
"""

from django.db import migrations

INDEX = "member_name_trgm"
# members.queries.NameKey("first_name", "last_name") as its SQL, written out so that this
# migration stays as it ran (tests/loyalty/pos/test_find_by_name.py checks the planner uses it).
EXPRESSION = (
    "LOWER(TRANSLATE((first_name || ' ' || last_name), "
    "'ÀÁÂÃÄÅĂĄàáâãäåăąÇĆČçćčĎďÈÉÊËĘĚèéêëęěÌÍÎÏìíîïŁłÑŃŇñńňÒÓÔÕÖØòóôõöø"
    "ŘřŚŞŠȘśşšșŢŤȚţťțÙÚÛÜŮùúûüůÝŸýÿŹŻŽźżž', "
    "'AAAAAAAAaaaaaaaaCCCcccDdEEEEEEeeeeeeIIIIiiiiLlNNNnnnOOOOOOoooooo"
    "RrSSSSssssTTTtttUUUUUuuuuuYYyyZZZzzz'))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON members_member "
        f"USING gin (({EXPRESSION}) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("members", "0012_member_score_spend"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
