"""Make (once) and reuse the big trees the filescan benchmark walks.

A tree is built under a cache folder outside the repository
(``$PYSYSLAB_BENCH_DIR`` or ``~/.cache/pysyslab-bench``). A marker file
written last says the tree is complete, so an interrupted build is redone
and a finished one is reused by every later run.

The shape: folders of varied depth (1 to about 25 levels), on average 15
files each, about 10% of them ``.py`` (many 0-byte ``__init__.py``), a few
hidden folders. File sizes are set with ``ftruncate``: the size the walker
sees is real, but the files take no disk blocks.
"""

from __future__ import annotations

import os
import random
import shutil
import time

VERSION = 1
FILES_PER_FOLDER = 15
OTHER_SUFFIXES = (".txt", ".c", ".json", ".md", ".pyc", ".py.bak", ".h", ".PY")


def cache_dir() -> str:
    base = os.environ.get("PYSYSLAB_BENCH_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "pysyslab-bench")
    os.makedirs(base, exist_ok=True)
    return base


def tree(n_files: int, log=print) -> str:
    """The path of a complete tree of ``n_files`` files, building it if needed."""
    root = os.path.join(cache_dir(), f"tree-{n_files}-v{VERSION}")
    marker = os.path.join(root, ".complete")
    if os.path.exists(marker):
        return root
    if os.path.exists(root):
        shutil.rmtree(root)
    log(f"building a tree of {n_files:,} files in {root} (once; it is reused later)...")
    started = time.monotonic()
    build(root, n_files, seed=n_files)
    with open(marker, "w") as f:
        f.write(f"{n_files}\n")
    log(f"  built in {time.monotonic() - started:.0f} s")
    return root


def folder_paths(root: str, n_folders: int, rng: random.Random) -> list[str]:
    """Folders grown one at a time under a random recent folder: varied depths."""
    folders = [root]
    depths = [0]
    while len(folders) < n_folders:
        # Prefer recent folders (deeper chains) but often go back near the top.
        if rng.random() < 0.3:
            parent = rng.randrange(len(folders))
        else:
            parent = max(0, len(folders) - 1 - int(rng.expovariate(1 / 20)))
        if depths[parent] >= 25:
            parent = 0
        hidden = rng.random() < 0.03
        name = f"{'.' if hidden else ''}d{len(folders)}"
        folders.append(os.path.join(folders[parent], name))
        depths.append(depths[parent] + 1)
    return folders


def file_size(rng: random.Random) -> int:
    if rng.random() < 0.05:
        return 0
    return int(2 ** rng.uniform(3, 21))  # 8 bytes .. 2 MB, log-uniform


def build(root: str, n_files: int, seed: int) -> None:
    rng = random.Random(seed)
    folders = folder_paths(root, max(1, n_files // FILES_PER_FOLDER), rng)
    for path in folders:
        os.makedirs(path, exist_ok=True)
    for i in range(n_files):
        folder = folders[rng.randrange(len(folders))]
        roll = rng.random()
        if roll < 0.02:
            name = f"__init__{i}.py"
            size = 0
        elif roll < 0.10:
            name = f"mod{i}.py"
            size = file_size(rng)
        else:
            name = f"file{i}{OTHER_SUFFIXES[i % len(OTHER_SUFFIXES)]}"
            size = file_size(rng)
        fd = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            if size:
                os.ftruncate(fd, size)
        finally:
            os.close(fd)


if __name__ == "__main__":
    import sys
    for count in sys.argv[1:] or ["300000"]:
        print(tree(int(count)))
