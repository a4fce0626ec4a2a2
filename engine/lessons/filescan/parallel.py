"""The parallel walk: the careful walk, shared out among worker processes.

`program.py` calls `scan(...)` when you pick the parallel way. One process
walks about as fast as `find`; a machine with several cores can do better,
if each core walks a part of the tree. How it goes:

1. This process walks the first `IN_PROCESS_FOLDERS` folders itself, with
   the careful loop (`careful.walk`). A small tree ends there, and no
   process is ever started: starting one costs more than a small walk.
2. The folders it has not walked yet are dealt out to worker processes,
   one per core. Each worker walks its share, but at most `SHARE_FOLDERS`
   folders, and sends back what it found and the folders it did not
   reach; those are dealt out again. So no worker is left idle while
   another has a deep folder to itself, and each task is short.
3. This process adds up what comes back: counts, the histogram, the
   smallest and largest (`heapq`), the problems. The answer is the same as
   the careful walk's, whichever worker walked which folder.

Where the system can `fork` (Linux, macOS), each worker is a copy of this
process made by `os.fork()`, ready in a millisecond, with two pipes: one
brings it shares (`pickle`d lists of folders), the other takes back what
it found. This process waits on all the answer pipes at once with
`select`, and gives the worker that answered its next share. That is all
a pool of workers is; a general one (`concurrent.futures`, below) also
imports ~30 ms of modules and runs threads of its own to feed its
queues, more than a tree of 300,000 files gives the workers to gain.
Where there is no fork (Windows), `ProcessPoolExecutor` does the same
with new interpreters that import this file (`spawn`): slower to start,
so the pool only pays off on big trees. With `follow`, the walk stays in
this process: the set of folders already walked must be one set, and
workers do not share memory.

Ctrl-C (or the window's Stop) ends the workers at once and keeps what was
added up so far. A worker that dies (killed from outside) is noticed (its
pipe ends before its answer): that is said in one line, and the result is
marked partial.
"""

import heapq
import os
import signal
import sys

from careful import LISTED_PROBLEMS, PROGRESS_EVERY, Found, folder_id, walk

IN_PROCESS_FOLDERS = 1000   # folders walked here before any worker is started
SHARE_FOLDERS = 2000        # the most folders a worker walks before it reports back
SHARE_SIZE = 100            # the most folders handed to a worker in one task
# One worker per core this process may run on (`taskset` may allow fewer than all).
WORKERS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def scan(root, ext=".py", top=10, hidden=True, follow=False, pause=0.0, workers=0):
    """Walk `root` for files whose name ends with `ext`, with `workers` processes
    (0: one per core)."""
    found = Found(top)
    seen = {folder_id(os.stat(root))} if follow else set()  # folders walked (follow only)
    stack = [(root, None, None, None)]
    complete = True
    workers = workers or WORKERS or 1
    processes = [1]     # this one; share_out adds the workers it starts
    try:
        alone = follow or workers < 2           # nothing to share, or nobody to share with
        walk(stack, found, ext, hidden, follow, seen,
             most=None if alone else IN_PROCESS_FOLDERS, pause=pause)
        if stack:                               # a big tree: the workers do the rest
            complete = share_out(stack, found, ext, hidden, pause, workers, processes)
    except KeyboardInterrupt:
        complete = False
        print(f"stopped after {found.folders:,} folders: the lists below are partial")
    return found.result(complete, sum(processes))


def share_out(stack, found, ext, hidden, pause, workers, processes):
    """Deal the folders on `stack` out to worker processes; add up what they find.

    True if every folder was walked; False if a worker died on the way.
    """
    if not hasattr(os, "fork"):
        return share_out_spawned(stack, found, ext, hidden, pause, workers, processes)
    import pickle  # here, as only a big tree gets this far (pickle takes ~2 ms to load)
    import select
    crew = []       # (pid, pipe of shares to it, pipe of its answers)
    try:
        for _ in range(workers):
            crew.append(start_worker(ext, found.top, hidden, pause, crew))
        processes.append(workers)
        to_deal = deal(stack, workers)
        busy = {}   # answer pipe -> the worker walking a share
        while to_deal or busy:
            for worker in crew:             # each idle worker gets a share
                if to_deal and worker[2] not in busy:
                    pickle.dump(to_deal.pop(), worker[1])
                    worker[1].flush()
                    busy[worker[2]] = worker
            ready, _, _ = select.select(list(busy), [], [])
            for answers in ready:
                del busy[answers]
                part, not_reached = pickle.load(answers)
                add_up(found, part)
                to_deal += deal(not_reached, workers)
    except (EOFError, pickle.UnpicklingError, BrokenPipeError):   # a pipe ended: it died
        print(f"a worker process died (killed?) after {found.folders:,} folders:"
              " the lists below are partial")
        return False
    except KeyboardInterrupt:
        for pid, _, _ in crew:
            os.kill(pid, signal.SIGKILL)    # now: their shares are not waited for
        raise
    finally:
        for pid, shares, answers in crew:
            try:
                shares.close()              # no more shares: a worker ends when it sees it
            except BrokenPipeError:
                pass                        # that one died with a share still to send
            answers.close()
            os.waitpid(pid, 0)              # and is reaped: no zombie left
    return True


def start_worker(ext, top, hidden, pause, crew):
    """Fork one worker; return (its pid, the pipe to send it shares, the pipe of its answers)."""
    to_worker, from_worker = os.pipe(), os.pipe()
    sys.stdout.flush()  # else the copy would print what this process has not printed yet
    pid = os.fork()
    if pid == 0:        # the worker: a copy of this process, from this line on
        status = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)    # see ignore_ctrl_c
            for _, shares, answers in crew:     # the other workers' pipes: else their
                shares.close()                  # ends stay open here too, and those
                answers.close()                 # workers never see their pipe end
            os.close(to_worker[1])
            os.close(from_worker[0])
            serve(open(to_worker[0], "rb"), open(from_worker[1], "wb"),
                  ext, top, hidden, pause)
            status = 0
        finally:        # whatever happened (its answer pipe closed: the walk is over),
            os._exit(status)    # never return into the code of the main process
    os.close(to_worker[0])
    os.close(from_worker[1])
    return pid, open(to_worker[1], "wb"), open(from_worker[0], "rb")


def serve(shares, answers, ext, top, hidden, pause):
    """In a worker: walk each share that comes, send back what it found; end at the
    end of the pipe."""
    import pickle  # (loaded already: this process is a copy of one that has it)
    while True:
        try:
            share = pickle.load(shares)
        except EOFError:
            return
        pickle.dump(walk_share(share, ext, top, hidden, pause), answers)
        answers.flush()


def share_out_spawned(stack, found, ext, hidden, pause, workers, processes):
    """share_out where nothing forks: a ProcessPoolExecutor of spawned interpreters."""
    # Imported here, not at the top: loading these takes about 30 ms, longer
    # than walking a small tree, which never gets this far.
    import multiprocessing
    import queue
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")
    finished = queue.SimpleQueue()   # each task, once done (the pool's thread puts it)
    # A KeyboardInterrupt can land on any line, also inside the pool's own code,
    # and leave one of its locks taken: then the pool never shuts down. So while
    # the pool runs, Ctrl-C only puts None on the queue (a SimpleQueue may be used
    # from a signal handler), and the loop raises KeyboardInterrupt at a line of ours.
    ctrl_c = signal.signal(signal.SIGINT, lambda signum, frame: finished.put(None))
    try:
        with ProcessPoolExecutor(workers, mp_context=context,
                                 initializer=ignore_ctrl_c) as pool:
            processes.append(workers)
            try:
                shares, running = deal(stack, workers), 0
                while shares or running:
                    for share in shares:
                        task = pool.submit(walk_share, share, ext, found.top, hidden, pause)
                        task.add_done_callback(finished.put)
                    running += len(shares)
                    task = finished.get()               # the next task done, whichever
                    if task is None:
                        raise KeyboardInterrupt
                    running -= 1
                    part, not_reached = task.result()   # raises what the worker raised
                    add_up(found, part)
                    shares = deal(not_reached, workers)
            except BrokenProcessPool:   # the pool has ended the other workers itself
                print(f"a worker process died (killed?) after {found.folders:,} folders:"
                      " the lists below are partial")
                return False
            except KeyboardInterrupt:
                # End the workers now: leaving the `with` would wait for every
                # task still queued, so cancel those too.
                for worker in multiprocessing.active_children():
                    worker.terminate()
                pool.shutdown(cancel_futures=True)
                raise
    finally:
        signal.signal(signal.SIGINT, ctrl_c)
    return True


def deal(folders, workers):
    """Cut a list of folders into shares, one per worker at least (a card game's deal)."""
    shares = max(4 * workers, -(-len(folders) // SHARE_SIZE))   # rounded up
    return [folders[i::shares] for i in range(min(shares, len(folders)))]


def walk_share(folders, ext, top, hidden, pause):
    """In a worker: walk a share of the tree; send back what was found and what is left."""
    part = Found(top)
    walk(folders, part, ext, hidden, most=SHARE_FOLDERS, pause=pause, progress=False)
    return part, folders


def ignore_ctrl_c():
    """Each spawned worker starts here (a forked one does the same in start_worker).
    Ctrl-C in a terminal reaches every process of the program; only the main one
    should stop (it then ends the workers itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def add_up(found, part):
    """Add what one worker found to the whole."""
    before = found.folders
    found.count += part.count
    found.bytes += part.bytes
    found.folders += part.folders
    for bits, files in enumerate(part.histogram):
        found.histogram[bits] += files
    ends, more = found.extremes, part.extremes
    ends.small = heapq.nsmallest(found.top, ends.small + more.small)
    ends.large = heapq.nlargest(found.top, ends.large + more.large)
    problems, new = found.problems, part.problems
    problems.count += new.count
    problems.unreadable_folders += new.unreadable_folders
    problems.vanished += new.vanished
    problems.loops += new.loops
    problems.listed += new.listed[:LISTED_PROBLEMS - len(problems.listed)]
    if found.folders // PROGRESS_EVERY > before // PROGRESS_EVERY:
        print(f"walked {found.folders:,} folders, {found.count:,} matches so far")
