import sys

if __name__ == "__main__":
    if getattr(sys, "frozen", False):
        # A frozen executable relaunches itself for spawned children: let them in first.
        import multiprocessing
        multiprocessing.freeze_support()
    if sys.argv[1:2] == ["run"] and not {"-h", "--help"} & set(sys.argv):
        # The lab process that will run the lesson starts up now, first of all, while
        # this one imports the command line and reads the lesson's settings
        # (engine.cli ends it if the run does not take it).
        from engine.lab import ahead
        ahead.spawn()
    from engine.cli import main
    sys.exit(main())
