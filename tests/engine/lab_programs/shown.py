"""For the probe_*_returns programs: print what a call returns, or the exception it raises."""


def show(call):
    try:
        print(repr(call()))
    except Exception as exc:   # noqa: BLE001 - the exception is what is printed
        print(repr(exc))
