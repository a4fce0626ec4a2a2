import sys

#: The status main() returned, once it has returned (see _leave_without_teardown).
_status: list[int] = []


def _leave_without_teardown() -> None:
    """The last exit function: leave with main()'s status, without the teardown.

    Python runs this after waiting for the threads and after every other atexit
    function (a lab no run took is ended in one). What it would do next, free
    every module and object one by one, took ~8 ms after the last line of each
    run, for a process about to end anyway. The command line runs no code of a
    learner's (that runs in the lab process), so no finalizer of theirs is skipped.
    """
    if not _status:
        return   # main() raised: Python reports it and exits as usual
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):   # closed, or its reader went away: nothing to say
            pass
    import os
    os._exit(_status[0])


if __name__ == "__main__":
    import atexit
    atexit.register(_leave_without_teardown)   # registered first, so it runs last
    if getattr(sys, "frozen", False):
        # A frozen executable relaunches itself for spawned children: let them in first.
        import multiprocessing
        multiprocessing.freeze_support()
    if sys.argv[1:2] == ["run"] and not {"-h", "--help"} & set(sys.argv):
        # The lab process that will run the lesson starts up now, first of all, while
        # this one imports the command line and reads the lesson's settings
        # (engine.cli ends it if the run does not take it).
        from engine.lab import ahead
        if ahead.spawn():
            # This is that lab process, a copy of this one made now (os.fork).
            atexit.unregister(_leave_without_teardown)
            from engine.lab.inside import main as lab_main
            lab_main()
            sys.exit(0)
    from engine.cli import main
    _status.append(main())
    sys.exit(_status[0])
