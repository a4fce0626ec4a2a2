"""What crosses between the engine and a lab process: names of the settings and the line format.

Both sides import this module, so the format is written down once.

Events travel in batches: one line of JSON per batch, a list of events, each a
list ``[t, actor, kind, text, data, line, pid]``. ``t`` is ``time.monotonic()``
in the lab process; on Linux that clock is shared by every process, so the
engine turns it into "seconds since the run started" by subtracting its own
start time. JSON rather than pickle because the data comes from a learner's
program: the engine must never unpickle what a program could shape.

Control goes the other way on the same connection, one short line per order:
``stop``, ``speed <x>``, ``step on``, ``step off`` or ``next <thread ident>``.
"""

from __future__ import annotations

#: Environment variables the engine sets for the lab process and its children.
ENV_SOCKET = "PYSYSLAB_LAB_SOCKET"    # path of the engine's Unix socket
ENV_FOLDER = "PYSYSLAB_LAB_FOLDER"    # the program's folder: frames there are "the program"
ENV_SPEED = "PYSYSLAB_LAB_SPEED"      # the speed at start; later changes come as control lines
ENV_ROLE = "PYSYSLAB_LAB_ROLE"        # "root" for the lab process, "child" for the rest
ENV_STEPPING = "PYSYSLAB_LAB_STEPPING"  # "1": the run starts in step mode

#: How many events a process gathers before it sends without waiting for the next tick.
BATCH = 500


# json (and typing) are not imported at the top: this module is imported by the
# command line's first lines (engine/lab/ahead.py), before json (and re) need to be.

def encode_batch(events: list[list]) -> bytes:
    import json
    return (json.dumps(events, ensure_ascii=True, default=repr) + "\n").encode("ascii")


def decode_batch(line: bytes) -> list[list]:
    import json
    return json.loads(line)
