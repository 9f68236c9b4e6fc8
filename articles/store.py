"""Article storage on disk: the one module that reads or writes these files (a layer test in
tests/test_architecture.py fails on another).

- The render cache (`<cache>/??/<hash>.json`): each article's HTML, text, contents and findings,
  under the hash of its Markdown, the diagrams and the renderer (made by rendering.py).
- The saved search index (`<cache>/search/<content key>.terms`, `.postings`): the articles' part
  of the site search, mapped from the file by every process (search.py's DiskSegment).

Only this application writes them (like its .pyc files), through a temporary file renamed into
place, so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# The modules whose code decides what loading and indexing make of a file: a saved index made
# by other code is not used, so none of them needs a version number to bump.
_LOADING_CODE = ("content.py", "frontmatter.py", "rendering.py", "search.py", "store.py")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in _LOADING_CODE:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def content_key(directory: Path, *, fingerprint: str, files: dict[str, tuple[int, int]]) -> str:
    """Names what loading these files (name -> (mtime, size)) of `directory` gives, the same in
    every process: the folder, the loading code, the diagrams' `fingerprint` and every file."""
    folder = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
    digest = hashlib.sha256(f"{code_fingerprint()}\0{fingerprint}\0".encode())
    for name, (mtime, size) in sorted(files.items()):
        digest.update(f"{name}\0{mtime}\0{size}\n".encode())
    return f"{folder}-{digest.hexdigest()[:32]}"


def _replace(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    with temporary.open("wb") as file:
        write(file)
    os.replace(temporary, path)


# -- the render cache ---------------------------------------------------------------------------


def render_file(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.json"


def render_folder(render: Path) -> Path:
    return render.parent.parent


def read_render(render: Path) -> dict[str, Any] | None:
    """A kept render, or None when it is missing or unreadable."""
    try:
        data = json.loads(render.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_render(render: Path, data: dict[str, Any]) -> bool:
    """Keep a render; False (logged) when the folder cannot be written."""
    try:
        _replace(render, lambda file: file.write(json.dumps(data).encode()))
    except OSError:
        logger.warning("Could not write the render cache in %s", render_folder(render))
        return False
    return True


# -- the saved search index ---------------------------------------------------------------------


def read_index(cache_dir: Path, key: str) -> tuple[dict[str, Any], memoryview | None] | None:
    """The saved index of content `key`: its terms, forms and documents, and its postings
    mapped from the file (None when it has none); None when there is no usable index."""
    base = cache_dir / "search" / key
    try:
        with open(base.with_suffix(".terms"), "rb") as file:
            meta = pickle.load(file)
        view = None
        if meta["postings"]:
            with open(base.with_suffix(".postings"), "rb") as file:
                view = memoryview(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, pickle.UnpicklingError, EOFError):
        logger.warning("The search index %s is unreadable; building it again", base)
        return None
    return meta, view


def write_index(cache_dir: Path, key: str, postings: bytes, meta: dict[str, Any]) -> bool:
    """Save the index of content `key` and remove older ones of the same folder; False (logged)
    when the folder cannot be written."""
    base = cache_dir / "search" / key
    try:
        _replace(base.with_suffix(".postings"), lambda file: file.write(postings))
        # The terms file last: where it exists, its postings are complete.
        _replace(
            base.with_suffix(".terms"),
            lambda file: pickle.dump(meta, file, protocol=pickle.HIGHEST_PROTOCOL),
        )
        folder = key.split("-")[0]
        for old in base.parent.glob(f"{folder}-*"):
            if old.stem != base.name:
                old.unlink(missing_ok=True)
    except OSError:
        logger.warning("Could not save the search index in %s", base.parent)
        return False
    return True
