"""Pinyin initials of student names for the global search, filled for existing rows in bulk.

A city holds 1.26 M students but far fewer distinct names: the initials are computed once per distinct name,
loaded into a temporary table and copied over in one UPDATE … FROM (SQLite ≥ 3.33 and PostgreSQL), before the
indexes are built.
"""

from django.db import migrations, models

import dudao.orgs.fields

BATCH = 5000


def backfill_initials(apps, schema_editor):
    from dudao.orgs.text import initials

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT name FROM orgs_student WHERE name_initials = ''")
        names = [row[0] for row in cursor.fetchall()]
        if not names:
            return
        cursor.execute("CREATE TEMPORARY TABLE student_initials_fill (name varchar(50) PRIMARY KEY, initials varchar(20))")
        rows = [(name, initials(name)[:20]) for name in names]
        for start in range(0, len(rows), BATCH):
            cursor.executemany("INSERT INTO student_initials_fill (name, initials) VALUES (%s, %s)", rows[start : start + BATCH])
        cursor.execute(
            "UPDATE orgs_student SET name_initials = f.initials FROM student_initials_fill f "
            "WHERE f.name = orgs_student.name AND orgs_student.name_initials = ''"
        )
        cursor.execute("DROP TABLE student_initials_fill")


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0003_student_enrolment_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='student',
            name='name_initials',
            field=dudao.orgs.fields.SearchKeyField(blank=True, default='', max_length=20),
        ),
        migrations.RunPython(backfill_initials, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='student',
            index=models.Index(fields=['name'], name='student_name_prefix', opclasses=['varchar_pattern_ops']),
        ),
        migrations.AddIndex(
            model_name='student',
            index=models.Index(fields=['name_initials'], name='student_initials', opclasses=['varchar_pattern_ops']),
        ),
    ]
