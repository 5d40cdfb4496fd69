"""Querysets whose SQL is built once per database, for the statements of every sale (issue 19).

Building a query through the ORM (resolving the joins of `select_related`, compiling the
WHERE, quoting every column) costs a sale more CPU than PostgreSQL takes to run it: about a
millisecond for the member by card with its merchant and tier, one and a half for the member's
lock with the merchant and program. The text of such a statement never changes between calls;
only its values do. `CompiledQuery` builds the queryset once with stand-in values, keeps the
SQL, its parameters and the compiler's map of columns, and runs each call with its own values
in the stand-ins' places; the rows become model instances (with their `select_related`
objects) as Django builds them, through the compiler's converters and related populators.

A stand-in is a value no real call passes (a negative id, a string of no real key): it must
reach the parameters as it was given (an exact lookup on an integer or text column), else
compiling fails loudly. The queryset must not depend on anything else of the call (no "now").

`sale_figures.read_sale_figures` does the same for the sale's figures read, whose shape
depends on the program.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)


@contextmanager
def bound_cursor(using: str = "default") -> Iterator[Any]:
    """A cursor for the statements every sale runs, whose text never changes: on PostgreSQL a
    psycopg cursor that binds the values on the server, so that psycopg prepares a statement
    run often on a connection (`prepare_threshold`, 5 by default) and PostgreSQL parses and
    plans it once instead of on every sale (half of a sale's CPU in the database, measured
    with bench/api.py --profile). Django's own cursors bind on the client, which keeps every
    other query of the project as it is. Elsewhere Django's cursor. Either way Django's
    wrapper: its errors (IntegrityError) and the logged queries are Django's."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = psycopg.Cursor(connection.connection)
    # As Django's create_cursor: the time zone of the values read, when the connection's differs.
    loader = connection.connection.adapters.get_loader(
        psycopg.adapters.types["timestamptz"].oid, psycopg.pq.Format.TEXT
    )
    if connection.timezone != loader.timezone:
        register_tzloader(connection.timezone, raw)
    cursor = _LoggedBoundCursor(raw, connection) if connection.queries_logged else None
    with cursor or connection.make_cursor(raw) as wrapped:
        yield wrapped


class _LoggedBoundCursor(CursorDebugWrapper):
    """Django's logging wrapper, logging each statement's own text: for a statement psycopg
    runs prepared, Django's `last_executed_query` has no text to give (it reads the client-side
    query psycopg did not build), and would log None."""

    @contextmanager
    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
        with super().debug_sql(sql, params, use_last_executed_query=False, many=many):
            yield


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple
    places: dict[int, str]  # parameter index -> the stand-in's name
    compiler: Any
    init_list: list[str]
    fields_start: int
    fields_end: int
    populators: list
    converters: dict


class CompiledQuery(Generic[M]):
    """`build(**stand_ins)` is a queryset; `.first(**values)` runs its SQL with `values`.

    Example: ``CompiledQuery(lambda card: Member.objects.filter(card_number=card)[:1],
    card="\\x00stand-in")``, then ``query.first(card="4000123412341234")``.
    """

    def __init__(self, build: Callable[..., QuerySet[M]], **stand_ins: int | str) -> None:
        if not stand_ins:
            raise ValueError("a compiled query needs at least one stand-in value")
        self._build = build
        self._stand_ins = stand_ins
        self._plans: dict[tuple[str, str], _Plan] = {}

    def first(self, using: str = "default", **values: Any) -> M | None:
        """The first row as a model instance, or None."""
        plan = self._plan(using)
        bound = list(plan.params)
        for index, name in plan.places.items():
            bound[index] = values[name]
        with bound_cursor(using) as cursor:
            cursor.execute(plan.sql, bound)
            row = cursor.fetchone()
        if row is None:
            return None
        return self._instance(plan, using, row)

    def _plan(self, using: str) -> _Plan:
        key = (using, connections[using].vendor)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(using)
        return plan

    def _compile(self, using: str) -> _Plan:
        queryset = self._build(**self._stand_ins)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        places = {}
        for index, value in enumerate(params):
            for name, stand_in in self._stand_ins.items():
                if type(value) is type(stand_in) and value == stand_in:
                    places[index] = name
        missing = set(self._stand_ins) - set(places.values())
        if missing:
            raise RuntimeError(f"the stand-ins {sorted(missing)} did not reach the SQL as given")
        klass_info = compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Plan(
            sql=sql,
            params=tuple(params),
            places=places,
            compiler=compiler,
            init_list=[column[0].target.attname for column in compiler.select[start:end]],
            fields_start=start,
            fields_end=end,
            populators=get_related_populators(klass_info, compiler.select, using),
            # What results_iter would work out again for every row: the columns' converters.
            converters=compiler.get_converters(
                [column[0] for column in compiler.select[: compiler.col_count]]
            ),
        )

    @staticmethod
    def _instance(plan: _Plan, using: str, row: tuple) -> M:
        # As django.db.models.query.ModelIterable builds each row (Django 5.2).
        if plan.converters:
            (row,) = plan.compiler.apply_converters([row], plan.converters)
        model = plan.compiler.klass_info["model"]
        obj = model.from_db(using, plan.init_list, row[plan.fields_start : plan.fields_end])
        for populator in plan.populators:
            populator.populate(row, obj)
        for name, position in (plan.compiler.annotation_col_map or {}).items():
            setattr(obj, name, row[position])
        return obj


# --- Inserts ------------------------------------------------------------------------------------

_INSERTS: dict[tuple[type[Model], int, str], str] = {}


def insert(objs: Sequence[Model], using: str = "default") -> None:
    """Insert unsaved instances of one model in one `INSERT … RETURNING` statement, as
    `bulk_create` does, and mark them saved with their primary keys.

    Each value is prepared as Django's insert prepares it (`pre_save`, `get_db_prep_save`); the
    statement's text is built once per model and number of rows. No signals are sent, as
    `bulk_create` sends none. A database that cannot return the keys of a multi-row insert
    goes through `bulk_create`.
    """
    if not objs:
        return
    model = type(objs[0])
    connection = connections[using]
    if not connection.features.can_return_rows_from_bulk_insert:
        model._base_manager.using(using).bulk_create(objs)
        return
    fields = _insert_fields(model)
    key = (model, len(objs), connection.vendor)
    sql = _INSERTS.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = _INSERTS[key] = (
            f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608 (names from the model)
            f"({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES {', '.join([row] * len(objs))} "
            f"RETURNING {quote(model._meta.pk.column)}"
        )
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for obj in objs
        for field in fields
    ]
    with bound_cursor(using) as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    for obj, (pk,) in zip(objs, keys, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using


def _insert_fields(model: type[Model]) -> list:
    return [field for field in model._meta.concrete_fields if not field.primary_key]
