"""A tiny lesson whose child process reports the speed it sees (for the tests)."""

from dataclasses import dataclass

from engine.params import param
from engine.procs import ProcessGroup


@dataclass
class Params:
    seconds: float = param(10.0, low=0.1, high=30.0, help="how long the child watches")


def run(params, emit, stop):
    with ProcessGroup(emit, stop) as group:
        group.wait([group.start(watch_speed, params.seconds, name="watcher")])


def watch_speed(emit, stop, seconds):
    seen = None
    for _ in range(int(seconds / 0.02)):
        if stop.wait(0.02):
            return
        if stop.speed != seen:
            seen = stop.speed
            emit(f"speed {seen:g}", data={"speed": seen})
