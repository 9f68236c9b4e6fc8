"""The library's snapshot: what loading a content folder produced (front matter, links,
problems; not the bodies), kept in the render cache under a key made of every file's name, size
and time, so a process that starts on unchanged content reads one file instead of every
article."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# The modules whose code decides what loading and indexing make of a file (and what a snapshot
# holds): a snapshot or a saved search index made by other code is not used, so none of them
# needs a version number to bump.
_LOADING_CODE = ("content.py", "frontmatter.py", "rendering.py", "search.py", "snapshot.py")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in _LOADING_CODE:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def location(
    directory: Path,
    cache_dir: Path | None,
    *,
    fingerprint: str,
    files: dict[str, tuple[int, int]],
) -> tuple[Path, str] | None:
    """Where the snapshot of these files (name -> (mtime, size)) lives, and its key, which
    also names what is loaded across processes; None without a cache folder."""
    if cache_dir is None:
        return None
    folder = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
    digest = hashlib.sha256(f"{code_fingerprint()}\0{fingerprint}\0".encode())
    for name, (mtime, size) in sorted(files.items()):
        digest.update(f"{name}\0{mtime}\0{size}\n".encode())
    key = f"{folder}-{digest.hexdigest()[:32]}"
    return cache_dir / "library" / f"{key}.pickle", key


def read(path: Path, *, names: Collection[str]) -> dict[str, Any] | None:
    """The entries by file name, or None when there is no usable snapshot."""
    try:
        # The cache folder is written only by this application (like its .pyc files).
        with path.open("rb") as file:
            entries = pickle.load(file)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
        logger.warning("The content snapshot %s is unreadable; loading every file", path)
        return None
    if not isinstance(entries, dict) or entries.keys() != set(names):
        return None
    return entries


def write(path: Path, entries: dict[str, Any]) -> None:
    """Keep the entries under `path`, and only the newest snapshot of its folder."""
    if path.exists():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as file:
            pickle.dump(entries, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        folder = path.stem.split("-")[0]
        for old in path.parent.glob(f"{folder}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        logger.warning("Could not write the content snapshot in %s", path.parent)
