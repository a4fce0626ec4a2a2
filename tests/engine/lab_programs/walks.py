"""Lists folders with os.scandir and os.walk, here and in a forked child.

``python walks.py TREE FIFO``: lists TREE/d0 .. d4, says so, waits until
something is written to FIFO, then forks a child that walks TREE/d5 with
os.walk (d5, d5/x, d5/x/y: 3 folders), and lists d6 and d7 itself.
"""
import os
import sys

tree, fifo = sys.argv[1], sys.argv[2]
for i in range(5):
    with os.scandir(os.path.join(tree, f"d{i}")) as entries:
        print(f"d{i}:", sorted(entry.name for entry in entries))
with open(fifo) as go:
    go.read()
pid = os.fork()
if pid == 0:
    walked = [folder for folder, _, _ in os.walk(os.path.join(tree, "d5"))]
    print(f"the child walked {len(walked)} folders", flush=True)
    os._exit(0)
os.waitpid(pid, 0)
for i in (6, 7):
    with os.scandir(os.path.join(tree, f"d{i}")) as entries:
        print(f"d{i}:", sorted(entry.name for entry in entries))
