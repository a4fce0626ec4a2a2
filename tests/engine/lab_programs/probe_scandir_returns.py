"""os.scandir (and os.walk, which lists with it): what they return and raise.

Run in a tree of its own (removed at the end): names, types, sizes, the
listing's context manager and close(), a descriptor, bytes, a file, a folder
that is not there, and os.walk's triples and its error callback. Paths are
printed from the tree's top, so two runs print the same.
"""
import os
import shutil
import tempfile

from shown import show

top = tempfile.mkdtemp()
base = os.path.join(top, "tree")
os.makedirs(os.path.join(base, "sub", "deeper"))
for name, size in (("a.py", 3), ("b.txt", 5), (os.path.join("sub", "c.py"), 7)):
    with open(os.path.join(base, name), "wb") as f:
        f.write(b"x" * size)
os.symlink("a.py", os.path.join(base, "link.py"))


def listing(folder):
    with os.scandir(folder) as entries:
        return sorted((e.name, e.is_dir(), e.is_file(follow_symlinks=False), e.is_symlink(),
                       e.stat(follow_symlinks=False).st_size if e.is_file() else None)
                       for e in entries)


show(lambda: type(os.scandir(base)).__name__)
show(lambda: listing(base))
show(lambda: listing(os.fsencode(base)))
show(lambda: sorted(e.path[len(os.fsencode(base)):] for e in os.scandir(os.fsencode(base))))
folder = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
show(lambda: listing(folder))
show(lambda: sorted(e.path for e in os.scandir(folder)))
os.close(folder)
it = os.scandir(base)
show(lambda: next(iter(it)).name in {"a.py", "b.txt", "sub", "link.py"})
show(it.close)
show(lambda: next(it))                             # closed: StopIteration
show(lambda: os.scandir(os.path.join(base, "missing")))
show(lambda: os.scandir(os.path.join(base, "a.py")))   # a file: NotADirectoryError
show(lambda: os.scandir(3.5))                      # TypeError, in the real one's words
show(lambda: [(os.path.relpath(top, base), sorted(dirs), sorted(files))
              for top, dirs, files in sorted(os.walk(base))])
problems = []
show(lambda: list(os.walk(os.path.join(base, "missing"), onerror=problems.append)))
show(lambda: [type(p).__name__ for p in problems])
cwd = os.getcwd()
os.chdir(base)
show(lambda: sorted(e.name for e in os.scandir()))   # no argument: the current folder
os.chdir(cwd)
print(os.scandir.__name__, os.scandir.__doc__.splitlines()[0])
shutil.rmtree(top)
