"""The layering of the apps, read from the import statements of the code.

    portal  ←  articles  ←  support  ←  practice

`portal` holds what belongs to no app (middleware, rate limits, the worker, observability,
backups) and imports no app; `articles` knows only `portal`; `support` may use `articles`
(directory entries in the site search) and `portal`; `practice`, the helper's side, may use
all three. The composition root, `portal/settings.py` and `portal/urls.py`, names every app and
is imported by none, so it stands above the layers and is left out. An import at module top
that breaks the order is a cycle waiting to happen: this test names it.
"""

import ast
import importlib
import inspect
import itertools
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["portal", "articles", "support", "practice"]
COMPOSITION_ROOT = {"portal/settings.py", "portal/urls.py"}


def app_modules() -> list[Path]:
    return sorted(
        path
        for package in LAYERS
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        and path.relative_to(ROOT).as_posix() not in COMPOSITION_ROOT
    )


def imported_packages(path: Path) -> set[str]:
    """The packages of ours that a module imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(name.split(".")[0] for name in names if name.split(".")[0] in LAYERS)
    return found


def package_graph() -> dict[str, dict[str, list[str]]]:
    """package -> imported package -> the modules that import it."""
    graph: dict[str, dict[str, list[str]]] = {package: {} for package in LAYERS}
    for path in app_modules():
        source = path.relative_to(ROOT).parts[0]
        for target in imported_packages(path) - {source}:
            graph[source].setdefault(target, []).append(path.relative_to(ROOT).as_posix())
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in graph[node]:
            if state.get(target) == "open":
                return [*trail[trail.index(target) :], target] if target in trail else [target]
            if target not in state and (cycle := visit(target, [*trail, target])):
                return cycle
        state[node] = "done"
        return None

    for start in graph:
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_the_apps_import_each_other_without_a_cycle() -> None:
    graph = package_graph()
    cycle = find_cycle(graph)
    assert cycle is None, (
        " → ".join(cycle)
        + "\n"
        + "\n".join(f"{a} → {b}: {graph[a][b]}" for a, b in itertools.pairwise(cycle))
    )


@pytest.mark.parametrize("package", LAYERS)
def test_each_app_imports_only_the_layers_below_it(package: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(package)])
    upward = {
        target: modules
        for target, modules in package_graph()[package].items()
        if target not in allowed
    }
    assert not upward, f"{package} imports a layer above it: {upward}"


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b": ["a.py"]}, "b": {"c": ["b.py"]}, "c": {"a": ["c.py"]}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": []}, "b": {}}) is None


def scripts_imports() -> list[tuple[str, str, str | None]]:
    """(file, module, name) for every import of our packages in the scripts the suite does not
    run: the benchmark, the stack and its drills, including code they pass to `python -c`."""
    found = []
    for path in sorted([*(ROOT / "bench").glob("*.py"), *(ROOT / "deploy").glob("*.py")]):
        trees = [ast.parse(path.read_text(), filename=str(path))]
        for node in ast.walk(trees[0]):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                try:
                    trees.append(ast.parse(node.value))
                except SyntaxError:
                    continue  # text, not code
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    if node.module.split(".")[0] in LAYERS:
                        found.extend((path.name, node.module, a.name) for a in node.names)
                elif isinstance(node, ast.Import):
                    found.extend(
                        (path.name, a.name, None)
                        for a in node.names
                        if a.name.split(".")[0] in LAYERS
                    )
    return found


def test_the_benchmark_and_the_drills_import_what_exists() -> None:
    """Moving a module must not break `make bench` or `make drill`, which CI runs late or not."""
    imports = scripts_imports()
    assert any(module.startswith("support") for _file, module, _name in imports)
    missing = []
    for file, module, name in imports:
        try:
            imported = importlib.import_module(module)
        except ImportError:
            missing.append(f"{file}: {module}")
            continue
        if name is not None and not hasattr(imported, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"{file}: {module}.{name}")
    assert not missing, missing


MAX_MODULE_LINES = 500


def test_no_module_outgrows_what_a_reader_takes_in() -> None:
    """A module over 500 lines holds more than one job: split it by job, as support/ is."""
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in app_modules()
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not too_long, too_long


HELPER_PACKAGE = ROOT / "support" / "booking" / "helper"
# Modules of support.booking whose functions write: the helper's pages take only their errors.
WRITING_MODULES = {"services", "limits", "busyfeeds"}


def test_every_write_of_the_helper_lives_in_her_own_package() -> None:
    """A reader finds all a helper can do in support/booking/helper/: no function it offers is
    defined anywhere else in support/, and the helper's pages (practice/) take no function
    from a module of support.booking that writes."""
    from support.booking import helper

    offered = {name for name, value in vars(helper).items() if inspect.isfunction(value)}
    elsewhere = [
        f"{path.relative_to(ROOT)}: {node.name}"
        for path in app_modules()
        if path.relative_to(ROOT).parts[0] == "support" and HELPER_PACKAGE not in path.parents
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name in offered
    ]
    assert not elsewhere, elsewhere
    outside = []
    for path in sorted((ROOT / "practice").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            names = {alias.name for alias in node.names}
            if node.module == "support.booking":
                outside += [
                    f"{path.name}: {name}" for name in names & (WRITING_MODULES - {"busyfeeds"})
                ]
            elif node.module.removeprefix("support.booking.") in WRITING_MODULES:
                outside += [f"{path.name}: {node.module}.{n}" for n in names if n[0].islower()]
    assert not outside, outside
    # Of busyfeeds, the helper's pages read only the address check and the size limit.
    for path in sorted((ROOT / "practice").rglob("*.py")):
        used = {
            node.attr
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "busyfeeds"
        }
        assert used <= {"check_url", "FeedError", "MAX_FEED_BYTES"}, (path.name, used)


def test_no_helper_view_dispatches_on_a_form_or_action_name() -> None:
    """One view per thing she does: no view reads which form or action was meant."""
    dispatching = []
    for path in sorted((ROOT / "practice").glob("*views*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.arg) and node.arg in {"action", "what"}:
                dispatching.append(f"{path.name}: parameter {node.arg}")
            if isinstance(node, ast.Constant) and node.value in {"what", "action"}:
                dispatching.append(f"{path.name}: reads {node.value!r}")
    assert not dispatching, dispatching


# -- the booking journey's web layer -------------------------------------------------------------

BOOKING = ROOT / "support" / "booking"
JOURNEY = BOOKING / "journey.py"


def is_view_module(tree: ast.Module) -> bool:
    """A module of pages: it declares views (django.views.decorators: cache, methods)."""
    return any(
        isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("django.views.decorators")
        for node in ast.walk(tree)
    )


def booking_modules() -> dict[str, ast.Module]:
    return {
        f"support.booking.{path.stem}": ast.parse(path.read_text(), filename=str(path))
        for path in sorted(BOOKING.glob("*.py"))
    }


def every_import(tree: ast.Module) -> set[str]:
    """Every module a module imports, anywhere in it (`from support.booking import week`
    counts as `support.booking` and `support.booking.week`)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def imported_modules(tree: ast.Module, modules: set[str]) -> set[str]:
    """Which of `modules` a module imports."""
    return every_import(tree) & modules


def views_importing_views(modules: dict[str, ast.Module]) -> dict[str, set[str]]:
    views = {name for name, tree in modules.items() if is_view_module(tree)}
    found = {name: imported_modules(modules[name], views - {name}) for name in views}
    return {name: imported for name, imported in found.items() if imported}


def test_no_booking_view_module_imports_another() -> None:
    """Pages share the journey (support/booking/journey.py) and the errors, never each other."""
    modules = booking_modules()
    assert {"support.booking.views", "support.booking.week", "support.booking.intake"} <= {
        name for name, tree in modules.items() if is_view_module(tree)
    }
    assert not views_importing_views(modules)


def test_the_view_import_check_finds_one_view_importing_another() -> None:
    pages = "from django.views.decorators.http import require_GET\n"
    modules = {
        "support.booking.a": ast.parse(pages + "from support.booking import b\n"),
        "support.booking.b": ast.parse(pages),
        "support.booking.c": ast.parse("from support.booking.b import page\n"),  # no view
    }
    assert views_importing_views(modules) == {"support.booking.a": {"support.booking.b"}}


def session_touches(tree: ast.Module) -> list[int]:
    """Lines where a module reads or writes `request.session` (or any `.session`)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "session"
        and isinstance(node.value, ast.Name)
        and node.value.id == "request"
    ]


def test_only_the_journey_touches_the_booking_session() -> None:
    """The held booking, the bookings a browser may manage and the partner's claim live in the
    session; support/booking/journey.py alone reads and writes them."""
    from support.booking import journey

    keys = {journey.SESSION_BOOKING, journey.SESSION_OWNED, journey.SESSION_LINKS}
    keys |= {journey.SESSION_PARTNER, journey.SESSION_CODE}
    touching = {
        path.relative_to(ROOT).as_posix(): lines
        for path in BOOKING.glob("*.py")
        if path != JOURNEY
        and (lines := session_touches(ast.parse(path.read_text(), filename=str(path))))
    }
    assert not touching, f"only journey.py may use the session: {touching}"
    # Nowhere else in the apps is one of its keys named.
    named = [
        path.relative_to(ROOT).as_posix()
        for path in app_modules()
        if path != JOURNEY
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.Subscript | ast.Call)
        and any(
            isinstance(arg, ast.Constant) and arg.value in keys
            for arg in ([node.slice] if isinstance(node, ast.Subscript) else node.args)
        )
        and "session" in ast.unparse(node)
    ]
    assert not named, named
    assert session_touches(ast.parse(JOURNEY.read_text()))


# Every file operation that raises an audit event (sys.addaudithook), and so every way of
# opening, writing, renaming, removing or listing a file.
FILE_EVENTS = frozenset(
    {"open", "os.rename", "os.mkdir", "os.remove", "os.rmdir", "os.scandir", "os.listdir",
     "os.truncate", "os.utime", "glob.glob", "shutil.rmtree", "shutil.copyfile"}
)  # fmt: skip
_watched: list[tuple[str, list[tuple[str, str]]]] = []  # (folder, what touched it)


def _file_audit(event: str, args: tuple[object, ...]) -> None:
    if not _watched or event not in FILE_EVENTS or not args:
        return
    folder, touched = _watched[-1]
    if not isinstance(args[0], str | bytes | os.PathLike):
        return
    if not os.path.abspath(os.fsdecode(args[0])).startswith(folder):
        return
    frame = sys._getframe(1)
    while frame is not None:  # the nearest module of the site's own code
        name = frame.f_code.co_filename
        if name.startswith(str(ROOT)) and "/.venv/" not in name and "/tests/" not in name:
            touched.append((event, Path(name).relative_to(ROOT).as_posix()))
            return
        frame = frame.f_back


def test_only_the_article_store_touches_the_render_cache_files(
    tmp_path: Path, settings: pytest.FixtureRequest
) -> None:
    """articles/store.py is the one module that reads or writes the render cache and the saved
    search index: loading, validating, showing and searching articles all go through it."""
    from django.core.management import call_command

    from articles import content, search
    from tests.articles.test_content import write_article

    folder, cache = tmp_path / "content", tmp_path / "cache"
    folder.mkdir()
    for number in range(3):
        write_article(folder, f"artikel-{number}", body=f"## Kop\n\nOver grenzen {number}.\n")
    settings.CONTENT_CACHE_DIR = cache
    touched: list[tuple[str, str]] = []
    if not _watched:
        sys.addaudithook(_file_audit)  # once per process; it does nothing unless watching
    _watched.append((str(cache), touched))
    try:
        call_command("check_content", dir=folder)  # renders, then saves the index
        content._read_body.cache_clear()
        library = content.Library(folder, cache_dir=cache)  # a new process
        assert "Over grenzen 1" in library.get("artikel-1").text
        index = search.SearchIndex([], segments=[search.article_segment(library)])
        assert index.search("grenzen")
    finally:
        _watched.clear()
    assert {module for _event, module in touched} == {"articles/store.py"}, touched


OUTBOX = ROOT / "support" / "outbox.py"
# The jobs that write e-mails: they register their composers with the outbox, never the reverse.
JOBS = ("support.booking", "support.directory", "support.visitor", "practice")


def job_imports(tree: ast.Module) -> set[str]:
    """The job modules a module imports, anywhere in it (`from support import booking` too)."""
    return {
        name
        for name in every_import(tree)
        if any(name == job or name.startswith(job + ".") for job in JOBS)
    }


def test_the_outbox_imports_no_job() -> None:
    """support/outbox.py queues, sends, retries and looks composers up by kind; what an e-mail
    says lives with its job (support/booking/emails.py, support/directory/emails.py, ...)."""
    assert not job_imports(ast.parse(OUTBOX.read_text(), filename=str(OUTBOX)))


def test_the_job_import_check_finds_a_job_import() -> None:
    source = (
        "from support import booking, fields\n"
        "from support.directory.emails import x\n"
        "def f():\n    import practice.services\n"
    )
    assert job_imports(ast.parse(source)) == {
        "support.booking",
        "support.directory.emails",
        "support.directory.emails.x",
        "practice.services",
    }
    assert not job_imports(ast.parse("from support.models import Booking\nimport portal\n"))


# Functions that queue an e-mail, by the keyword that names its kind.
QUEUERS = {"email_queue", "email_booker", "notify_helper"}


def queued_kinds(tree: ast.Module) -> set[str]:
    """Every kind of e-mail a module queues: the strings passed as `kind=` to a queuing call,
    and those assigned to a variable `kind` (passed on as `kind=kind`)."""
    found = set()
    for node in ast.walk(tree):
        values: list[ast.expr] = []
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in QUEUERS:
                values = [kw.value for kw in node.keywords if kw.arg == "kind"]
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "kind" for target in node.targets
        ):
            values = [node.value]
        found.update(kind for value in values for kind in literal_strings(value))
    return found


def literal_strings(value: ast.expr) -> set[str]:
    """The strings an expression may be: a literal, or either side of `a if c else b`."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return {value.value}
    if isinstance(value, ast.IfExp):
        return literal_strings(value.body) | literal_strings(value.orelse)
    return set()


def test_every_kind_of_e_mail_queued_has_a_composer() -> None:
    """An e-mail queued without a composer would fail only in the worker, after its retries."""
    from support import outbox
    from support.booking.emails import PARTNER_COPIES, PARTNER_PREFIX

    queued = set().union(*(queued_kinds(ast.parse(path.read_text())) for path in app_modules()))
    # The partner's copies are queued by kind of the booker's e-mail (email_booker).
    queued |= {PARTNER_PREFIX + kind for kind in PARTNER_COPIES}
    assert {
        "booking_confirmed",
        "booking_reminder",
        "booking_code",
        "helper_new_request",
        "partner_invite",
        "signup_reminder",
        "visitor_code",
        "staff_invitation",
    } <= queued
    assert queued - outbox.composed_kinds() == set()


def test_the_kind_finder_reads_keywords_and_assignments() -> None:
    source = (
        'kind = "a_reminder" if again else "a_received"\n'
        'email_queue(kind="b", booking=x)\n'
        'services.notify_helper(booking, kind="c")\n'
        'other(kind="not_mail")\n'
        'kind = _("een afspraak")\n'
    )
    assert queued_kinds(ast.parse(source)) == {"a_reminder", "a_received", "b", "c"}
