"""A migration that runs Python imports no app of ours.

A migration runs as written on every fresh database, for as long as the project lives, while the
apps' code changes under it: a data migration that imports `support.fields` (say) breaks, or
quietly does something else, the day that module changes. So a module with a RunPython works
with `apps.get_model(...)`, the schema editor and SQL only. Schema operations may name our field
classes and validators, as `makemigrations` writes them; such a module then keeps its SQL in an
operation without Python of ours (support/migrations/0001_initial.py).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "articles", "support", "practice")
# Calls that import a module named by a string.
IMPORTING_CALLS = {"import_module", "__import__", "import_string"}


def migration_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app / "migrations").glob("*.py")
        if path.name != "__init__.py"
    )


def runs_python(tree: ast.AST) -> bool:
    return any(
        (isinstance(node, ast.Attribute) and node.attr == "RunPython")
        or (isinstance(node, ast.Name) and node.id == "RunPython")
        for node in ast.walk(tree)
    )


def _called_name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return ""


def project_imports(tree: ast.AST) -> list[str]:
    """Every import of one of our apps, anywhere in the module (functions included)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # A relative import in a migrations package reaches into the app itself.
            names = ["." * node.level + (node.module or "")] if node.level else [node.module or ""]
        elif (
            isinstance(node, ast.Call)
            and _called_name(node) in IMPORTING_CALLS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        else:
            continue
        found += [name for name in names if name.startswith(".") or name.split(".")[0] in APPS]
    return found


def violations(source: str, filename: str = "<migration>") -> list[str]:
    tree = ast.parse(source, filename=filename)
    return project_imports(tree) if runs_python(tree) else []


def test_no_migration_that_runs_python_imports_an_app_of_ours() -> None:
    found = {
        path.relative_to(ROOT).as_posix(): names
        for path in migration_modules()
        if (names := violations(path.read_text(encoding="utf-8"), str(path)))
    }
    assert not found, found


def test_the_check_reads_the_migrations_of_every_app_that_has_them() -> None:
    modules = migration_modules()
    assert {path.relative_to(ROOT).parts[0] for path in modules} >= {
        "portal",
        "support",
        "practice",
    }
    assert any(runs_python(ast.parse(path.read_text(encoding="utf-8"))) for path in modules)


HEADER = "from django.db import migrations\n"
RUN = (
    "\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(forwards)]\n"
)


@pytest.mark.parametrize(
    ("source", "names"),
    [
        pytest.param(
            HEADER + "from support.fields import fernet\n\ndef forwards(apps, schema_editor):\n"
            "    fernet()\n" + RUN,
            ["support.fields"],
            id="at module level",
        ),
        pytest.param(
            HEADER + "\ndef forwards(apps, schema_editor):\n"
            "    import practice.mfa\n    from portal import backup\n" + RUN,
            ["practice.mfa", "portal"],
            id="inside the function",
        ),
        pytest.param(
            HEADER + "import importlib\n\ndef forwards(apps, schema_editor):\n"
            "    importlib.import_module('articles.store')\n" + RUN,
            ["articles.store"],
            id="by name",
        ),
        pytest.param(
            HEADER + "from ..fields import fernet\n\ndef forwards(apps, schema_editor):\n"
            "    fernet()\n" + RUN,
            ["..fields"],
            id="relative",
        ),
    ],
)
def test_the_check_finds_an_app_import_in_a_migration_that_runs_python(source, names) -> None:
    assert violations(source) == names


def test_the_check_lets_pass_what_a_migration_may_do() -> None:
    clean = (
        HEADER + "import json\n\ndef forwards(apps, schema_editor):\n"
        "    apps.get_model('support', 'Entry').objects.update(sources=json.dumps([]))\n" + RUN
    )
    assert violations(clean) == []
    # A schema migration may name our field classes, as makemigrations writes them.
    schema_only = (
        HEADER + "import support.fields\n\nclass Migration(migrations.Migration):\n"
        "    operations = [\n"
        "        migrations.AddField('signup', 'name', support.fields.EncryptedTextField()),\n"
        "    ]\n"
    )
    assert violations(schema_only) == []
