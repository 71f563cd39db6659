"""
Statements on the hot path built once per database connection, not once per call.

Building a query with the ORM (cloning querysets, resolving lookups, compiling) costs more than
SQLite takes to run it. The few statements every issuance makes are compiled here once per
database (alias and vendor) and then only executed: the same SQL the ORM writes, the same values
prepared by the same fields (``get_db_prep_save``), the same ``pre_save``/``post_save`` signals
when anything listens to them. Anything unusual (another database engine) takes the ORM's path.
"""

from __future__ import annotations

from django.db import connections, router
from django.db.models.constants import OnConflict
from django.db.models.signals import post_save, pre_save

# SQLite and MariaDB/MySQL: the engines the plugin runs on, whose cursors know the inserted id.
_ENGINES = ("sqlite", "mysql")
_compiled: dict[tuple, object] = {}


def forget_compiled():
    """Drop every compiled statement (tests that swap databases; nothing in production needs it)."""
    _compiled.clear()


class PreparedQuery:
    """
    A queryset of model rows compiled once per database, executed with new values.

    BUILD(**values) returns the queryset for VALUES (keyword arguments); SENTINELS are values of
    the same kinds that appear nowhere else in the query, from which each placeholder is matched to
    its argument. ``rows(**values)`` returns the model instances, as iterating the queryset does:
    each column through the database's and the field's converters (those the ORM's compiler
    uses), the instance made by ``Model.from_db``, the annotations set on it. A column that holds
    exactly the string an argument was written as takes the argument itself (a course key is not
    parsed again).
    """

    def __init__(self, model, build, **sentinels):
        self.model, self.build, self.sentinels = model, build, sentinels

    def rows(self, **values):
        alias = router.db_for_write(self.model)  # the statements here lock rows: the ORM's choice for those
        connection = connections[alias]
        key = (id(self), alias, connection.vendor)
        compiled = _compiled.get(key)
        if compiled is None:
            compiled = _compiled[key] = self._compile(connection)
        sql, slots, attnames, annotations, columns = compiled
        params = [_db_value(values[name]) if name is not None else constant for name, constant in slots]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        found = []
        for row in fetched:
            converted = list(row)
            for index, (converters, expression, argument) in columns.items():
                value = row[index]
                if argument is not None and (given := values[argument]) is not None and str(given) == value:
                    converted[index] = given
                    continue
                for converter in converters:
                    value = converter(value, expression, connection)
                converted[index] = value
            instance = self.model.from_db(alias, attnames, converted[: len(attnames)])
            for name, index in annotations:
                setattr(instance, name, converted[index])
            found.append(instance)
        return found

    def _compile(self, connection):
        """
        The SQL; for each placeholder (argument name, None) or (None, the constant the ORM put there);
        the model's columns (attnames), the annotations (name, index) and, by column index, its
        converters and the argument it is filtered equal to.
        """
        queryset = self.build(**self.sentinels)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        prepared = {name: _db_value(value) for name, value in self.sentinels.items()}
        slots = []
        for param in params:
            names = [name for name, value in prepared.items() if value == param and type(value) is type(param)]
            if len(names) > 1:
                raise ValueError(f"cannot tell which argument the parameter {param!r} of {sql!r} is")
            slots.append((names[0], None) if names else (None, param))
        if missing := set(prepared) - {name for name, _ in slots}:
            raise ValueError(f"the arguments {sorted(missing)} are not parameters of {sql!r}")
        model_columns = compiler.klass_info["select_fields"]
        if model_columns != list(range(len(model_columns))) or compiler.klass_info.get("related_klass_infos"):
            raise ValueError(f"only the model's own columns, then annotations, are supported: {sql!r}")
        attnames = [compiler.select[index][0].target.attname for index in model_columns]
        annotations = list(compiler.annotation_col_map.items())
        converters = compiler.get_converters([expression for expression, _, _ in compiler.select])
        columns = {}
        for index in range(len(compiler.select)):
            name = attnames[index] if index < len(attnames) else None
            argument = name if name in self.sentinels and isinstance(self.sentinels[name], str) else None
            if index in converters or argument is not None:
                found_converters, expression = converters.get(index, ([], compiler.select[index][0]))
                columns[index] = (found_converters, expression, argument)
        return sql, slots, attnames, annotations, columns


def _db_value(value):
    """What the ORM passes for a lookup value: ints as they are, keys and other objects as strings."""
    return value if isinstance(value, int | float | type(None)) else str(value)


def update_row(model, pk, changes):
    """``model.objects.filter(pk=PK).update(**CHANGES)`` of plain values, its UPDATE built once per field set."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    fields = [meta.get_field(name) for name in changes]
    key = ("update", model, tuple(changes), alias, connection.vendor)
    sql = _compiled.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        table, pk_column = quote(meta.db_table), quote(meta.pk.column)
        # Quoted names from the model's metadata; every value goes as a parameter.
        sql = _compiled[key] = f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s"  # noqa: S608  # nosec B608  # (model names)
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, changes.values(), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, meta.pk.get_db_prep_value(pk, connection)])
        return cursor.rowcount


def insert_row(instance):
    """
    ``instance.save(force_insert=True)`` of a new row with an auto-increment key, its INSERT built
    once: the same values (each field's ``pre_save``, then ``get_db_prep_save``) and the same
    signals when anything listens; the instance gets its id and is saved, as after ``save()``.
    """
    model = type(instance)
    meta = model._meta
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    if connection.vendor not in _ENGINES or instance.pk is not None:
        instance.save(force_insert=True, using=alias)
        return instance
    if pre_save.has_listeners(model):
        pre_save.send(sender=model, instance=instance, raw=False, using=alias, update_fields=None)
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    key = ("insert", model, alias, connection.vendor)
    sql = _compiled.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        # Quoted names from the model's metadata; every value goes as a parameter.
        sql = _compiled[key] = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608  # nosec B608  # (model names)
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    setattr(instance, meta.pk.attname, meta.pk.to_python(pk))
    instance._state.adding, instance._state.db = False, alias
    if post_save.has_listeners(model):
        post_save.send(sender=model, instance=instance, created=True, update_fields=None, raw=False, using=alias)
    return instance


def insert_row_unless_present(instance) -> None:
    """
    ``Model.objects.bulk_create([instance], ignore_conflicts=True)`` of one new row, its INSERT built
    once: the database's own "ignore a conflicting row" form as the ORM writes it (SQLite
    ``INSERT OR IGNORE``, MariaDB/MySQL ``INSERT IGNORE``, PostgreSQL ``ON CONFLICT DO NOTHING``),
    the same values (each field's ``pre_save``, then ``get_db_prep_save``), no signals (bulk_create
    sends none) and, as there, no id set on the instance.
    """
    model = type(instance)
    meta = model._meta
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    if connection.vendor not in _ENGINES or instance.pk is not None:
        model.objects.using(alias).bulk_create([instance], ignore_conflicts=True)
        return
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    key = ("insert_ignore", model, alias, connection.vendor)
    sql = _compiled.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
        suffix = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
        # Quoted names from the model's metadata and the backend's own keywords; every value goes as a parameter.
        sql = _compiled[key] = " ".join(
            part for part in (f"{insert} {quote(meta.db_table)} ({columns}) VALUES ({placeholders})", suffix) if part
        )
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
