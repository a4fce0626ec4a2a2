"""A lesson that fails on purpose, to test that failures become events."""

from dataclasses import dataclass

from engine.params import param


@dataclass
class Params:
    after: int = param(2, low=0, high=10, help="events before the failure")


def run(params, emit, stop):
    for i in range(params.after):
        emit(f"step {i}")
    raise RuntimeError("the lesson failed on purpose")
