"""A lesson that notices Stop late on purpose, to test the CLI's 2 s check."""

import time
from dataclasses import dataclass

from engine.params import param


@dataclass
class Params:
    late: float = param(2.3, low=0.0, high=5.0, help="seconds Stop is ignored")


def run(params, emit, stop):
    emit("started")
    stop.wait(10)             # until Stop...
    time.sleep(params.late)   # ...then a deliberate dawdle before ending
    emit("ended late")
