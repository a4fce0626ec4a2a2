"""The words a run and its watchers share: event kinds, ``data`` keys, their values.

A lesson says what happens through events (``engine/events.py``). The window
draws from them: it reads an event's ``kind`` and some keys of its ``data``
dict. Every one of those names is defined here, once, so that the engine and
the window cannot drift apart, and so that nothing in ``gui/`` needs to know a
lesson's program. ``tests/engine/test_vocabulary.py`` fails if a GUI module
reads a ``data`` key that is not declared here.

Event kinds (``Event.kind``)
----------------------------
* ``log``: a line for the log; may carry any of the keys below.
* ``progress``: how far a long job is: a lab process's walk, counted by the
  ``os.scandir`` probe and sent by the sampler a few times a second (one per
  process: a watcher adds up the latest of each ``pid``).
* ``result``: what the run found; its ``data`` is the lesson's result dict.
* ``error``: something went wrong; ``text`` says what, for people.
* ``state``: an actor changed state (a lane, an address, a child's pid).
* ``done``: the last event of every run; ``data`` holds its status and time.

Kinds a lab run sends too (``engine/lab``: the program is watched from outside):

* ``output``: one finished line printed by one actor (data: ``stream``, ``file``).
* ``terminal``: a raw chunk, exactly as a terminal would receive it, in order
  (lines garbled by two threads included; data: ``stream``).
* ``line``: the program line an actor is on changed (``line``; data: ``file``).
* ``process``: a lab process started (data: its role and parent pid).
* ``sleep``: the program called ``time.sleep`` (data: requested and scaled seconds).
* ``probe``: the lab saw the program call a taught primitive (``engine/lab/probes.py``):
  a put or get, a read or write, a fork, a signal delivered, a socket call.

Step mode (line by line; ``engine/lab/stepping.py`` in the lab processes,
``engine/lab/board.py`` in the engine). Each lab process reports its actors:

* ``paused``: an actor waits at the gate, before ``Event.line`` (data:
  ``ident``, the thread's id in its process; ``file``): it is ready.
* ``blocked``: an actor that was let go waits inside a call the probes do
  not report (a barrier, a ``join``, ``recv``, ``os.read``...); ``text`` says
  in what (data: ``ident``, ``file``, ``call`` when it is a Python function).
* ``finished``: an actor left the program's last function (data: ``ident``).

The engine combines them, with the probes' lane changes and ``sleep``s, into
one table, and sends it whole whenever it changes:

* ``actors``: (actor "lab") the step board: its ``data`` has the keys below.

Keys of an ``actors`` event's data, and of each row of its list:

* ``actors``: one dict per actor, in number order, with the keys below and
  ``state``, ``file``, ``line``, ``call``, ``lock``.
* ``stepping``: False once step mode is off (the board means nothing then).
* ``number``: the actor's number on the board (1, 2, ...: the keys 1-9).
* ``actor``: the actor's name, as in ``Event.actor``.
* ``pid``: the process the actor lives in.
* ``ident``: the thread's id in its process (also in ``paused``, ``blocked``
  and ``finished`` events: what ``next IDENT`` names).
* ``reason``: why a blocked actor cannot go ("waiting for the lock held by
  thread-2", "waiting for an item: work is empty", "waiting in Thread.join()").

Values of ``state`` in a row: ``ready`` (paused before ``line``: it can be
chosen), ``running`` (let go, running its line), ``blocked`` (``reason`` says
why; ``lock`` is the lock it waits for, ``call`` the call it waits in) or
``finished``.

A watcher that needs who holds which lock (a deadlock's cycle) reads the
``state`` events of locks: ``lane`` ``holding``/``idle``/``waiting`` with
``lock``, the lock's name, the same in every process that shares it.

Kinds the engine adds to a run, from what it watched (actor ``lab``):

* ``deadlock``: the lock events show a wait-for cycle: each actor of ``cycle``
  holds a lock the next one waits for, and the last holds the one the first
  waits for (``engine/waitfor.py``). Sent when the cycle closes, and once more
  with ``resolved`` True when it opens again (a wait timed out).
* ``challenge``: a goal of the lesson's challenges (``engine/challenges.py``)
  was reached (``reached`` True), or, at the end of the run, one that no
  scheduling can reach is explained (``reached`` False). ``text`` is the message.

Keys of ``data``, by what carries them
--------------------------------------
Every lab probe (``state`` and ``probe`` events of ``engine/lab/probes.py``):

* ``call``: the call as the program wrote it: ``acquire``, ``with``, ``release``,
  ``put``, ``get_nowait``, ``start``, ``join``, ``os.read``, ``signal.alarm``,
  ``recv``...; for a signal delivery, the name of the program's handler.
* ``file``: the program file of the line that made the call (``Event.line``).
* ``lock``: (lock calls: ``acquire``, ``with``, ``release``) the lock's name,
  the same in every process that shares the lock ("pid:id" for a ``_thread``
  lock, "sem:..." for a ``multiprocessing`` one): who holds it, who waits for it.

Timeline lanes (any kind; ``gui/widgets/lanes.py``):

* ``lane``: the state the actor enters, until its next ``lane`` value.
* ``depth``: the number of items in the lesson's queue now (an int).
* ``queue``: the name the program's line gives that queue (``q``, ``work``);
  a timeline draws the depth of the first queue named, not a mix of two.
  (Also on the ``waiting`` lane of a queue call that blocks.)

Locks (the ``state`` events of a lock's probe, ``engine/lab/probes.py``):

* ``lock``: the lock's name: the variable the program assigned it to where it
  was made (``lock_a``), else ``lock-N`` in order of creation; one name is one
  lock in a process (a second lock made on the same line is ``lock_a-2``).
* ``shared``: True for a ``multiprocessing`` lock: its name means the same lock
  in every process (a ``threading`` lock is one per process, even after a fork).
* ``acquired``: after an acquire: True if the actor got the lock, False if its
  wait ended without it (a time-out, an interruption). Absent on ``waiting``
  (before the call) and on a release, whose lane is ``idle``, or ``holding``
  while the actor still holds another lock.

A deadlock (``deadlock`` events):

* ``cycle``: the actors in the cycle, in order, each a dict of the three keys
  below, so that ``cycle[0]`` waits for a lock ``cycle[1]`` holds, and so on
  round to ``cycle[0]``.
* ``actor``: in a step of ``cycle``, the actor.
* ``holds``: in a step of ``cycle``, the lock the actor holds (the previous
  step's actor waits for it).
* ``waits_for``: in a step of ``cycle``, the lock the actor waits for (the next
  step's actor holds it).
* ``resolved``: True when the cycle has opened again (someone stopped waiting).

Challenges (``challenge`` events):

* ``challenge``: the id of the challenge (``engine/challenges.py``).
* ``reached``: True when its goal was reached; False for a goal no scheduling
  can reach, explained at the end of the run.

Program output and place (``output``, ``terminal``, ``line``, ``sleep``):

* ``stream``: where a program wrote: ``stdout``, ``stderr``, or ``fd`` for raw
  writes to file descriptors 1 and 2.
* ``file``: the program file the event's ``line`` is in (a lesson may have two).

Lane states (values of ``lane``):

* ``idle``: ends the actor's current span (nothing is drawn).
* ``waiting``: blocked on a lock, a queue or a read (drawn as an outline).
* ``holding``: holds the lock (drawn solid).
* ``working``: busy with an item (drawn as a light fill).

The ``done`` event:

* ``status``: how the run ended: ``ok``, ``stopped`` or ``error``.
* ``elapsed``: seconds from start to the end of the run (also in the scan's
  result: seconds the walk took; and in progress, see there).
* ``exit_code``: (a lab run) the exit code of the program's main process;
  negative when a signal killed it (-9: SIGKILL).
* ``held``: (a lab run) seconds the learner held the program in step mode.
  ``Event.t`` and ``elapsed`` count the program's time without them: a lab
  run's clock stops while every actor waits for the learner.

Results of a stopped run:

* ``complete``: False when the run was stopped before the program ended by
  itself: the result is what the program had done so far (the lab adds it
  to a ``result`` that does not say it; the file scan sets it itself).
* ``stopped_after``: how far the program got before it was stopped, in its
  own words ("12 of 25 lines": mutex), shown by the window and the CLI.

Errors:

* ``traceback``: the formatted traceback, or None when ``text`` says it all.
* ``explained``: True when ``text`` is a sentence for people, not an exception.
* ``exitcode``: a process's exit code; negative means killed by that signal
  (also what ``join`` or ``os.waitpid`` saw).

States:

* ``child_pid``: the pid of a child process (the one that writes the pipe);
  None once it is gone. Probes: the child ``os.fork`` or ``start()`` made, or
  that ``join``/``os.waitpid`` waited for.
* ``address``: ``[host, port]`` where the server socket is bound.
* ``listening``: whether that socket also listens (the server is on).
* ``fds``: ``[read end, write end]``, the descriptors ``os.pipe`` returned.
* ``fd``: the descriptor an ``os.read``, ``os.write`` or ``os.close`` used.
* ``signal``: the name of a signal (``SIGALRM``): delivered to the program's
  handler, or given a handler by ``signal.signal``.
* ``handler``: the name of the handler ``signal.signal`` set.
* ``seconds``: the seconds ``signal.alarm`` asked for (0 cancels).

Sequence-diagram arrows (``gui/widgets/seqdiagram.py``); an event with
``seq`` is one arrow, any other is ignored by the diagram:

* ``seq``: what the arrow is: ``connect``, ``accept``, ``send``, ``recv``,
  ``close`` or ``error``.
* ``from``: the lane (party) that acts.
* ``to``: the lane it acts on. For the lab's socket probes: the peer's
  ``host:port`` (None when not connected).
* ``local``: the acting end's own ``host:port``; one end's ``local`` is the
  other end's ``to``, so a diagram can tell which actor owns an address.
* ``bytes``: bytes the call carried (also the scan's total size of matches, and
  the bytes of an ``os.read`` or ``os.write``).
* ``preview``: the first bytes carried, as text.
* ``asked``: bytes the ``recv`` asked for.
* ``error``: why the call failed or the socket closed (text).

Pipe writes and reads (``gui/lessons/pipes.py``; probe events of ``os.write`` and
``os.read``, with ``fd`` and ``bytes``):

* ``chunk``: the bytes one ``os.read`` returned (or one ``os.write`` wrote), as
  text (UTF-8, undecodable bytes as ``\\xNN``).
* ``bytes_read``: (result) bytes the parent read in all.
* ``bytes_written``: (result) bytes the child wrote, None if unknown.
* ``reads``: (result) how many reads it took.

Sockets result:

* ``clients``: how many clients ran.
* ``replies_ok``: how many replies equal their requests.

Problem counts of a result, shown in the generic tab's result line (red
when above 0); ``PROBLEM_COUNTS`` gives each its label:

* ``garbled_lines``: lines of the terminal mixed from two threads: the lab counts them
  for a run in which two or more threads printed (mutex shows them).
* ``lost_updates``: counter increments lost to the race (mutex).
* ``missing``: items produced but never consumed (thread_queue).
* ``twice``: items consumed more than once (thread_queue).

Walk progress (``progress`` events, one process's own figures; ``call`` is
``os.scandir``):

* ``folders``: folders listed so far by that process (also in the scan's
  result: folders walked in all).
* ``rate``: folders listed per second by that process.
* ``folder``: the folder it listed last (None if it cannot be named).
* ``elapsed`` (above): seconds since its first listing.

File scan result (what ``main()`` of engine/lessons/filescan/program.py returns):

* ``count``: files matched.
* ``bytes`` (above): their total size.
* ``processes``: how many processes walked (1 but for the parallel way).
* ``complete``: False if the scan was stopped, so the lists are partial.
* ``smallest``: ``[size, path]`` pairs, smallest first.
* ``largest``: ``[size, path]`` pairs, largest first.
* ``modified``: ``{"smallest": [...], "largest": [...]}``, each file's
  modification time, in the order of those lists.
* ``histogram``: counts of matches per power of two of their size.
* ``errors``: ``[path, reason]`` pairs, the first problems met.
* ``error_count``: problems in all (more than ``errors`` may list).
* ``unreadable_folders``: folders that could not be read.
* ``vanished``: entries that vanished during the scan.
* ``loops``: symlink loops skipped.
"""

from __future__ import annotations

# -- event kinds -------------------------------------------------------------------
LOG, PROGRESS, RESULT, ERROR, STATE, DONE = "log", "progress", "result", "error", "state", "done"
OUTPUT, TERMINAL, LINE, PROCESS, SLEEP, PROBE, PAUSED = (
    "output", "terminal", "line", "process", "sleep", "probe", "paused")
DEADLOCK, CHALLENGE = "deadlock", "challenge"
BLOCKED, FINISHED, ACTORS = "blocked", "finished", "actors"
#: Every kind of event a run can emit.
KINDS = (LOG, PROGRESS, RESULT, ERROR, STATE, DONE, OUTPUT, TERMINAL, LINE, PROCESS, SLEEP,
         PROBE, PAUSED, BLOCKED, FINISHED, ACTORS, DEADLOCK, CHALLENGE)

# -- step mode: the step board (``actors`` events) -----------------------------------
STEPPING = "stepping"
IDENT = "ident"
NUMBER = "number"
ACTOR = "actor"
PID = "pid"
ACTOR_STATE = "state"
LINE_NO = "line"
REASON = "reason"
LOCK = "lock"
#: Values of ``state``: BLOCKED and FINISHED are spelt as the kinds above.
READY, RUNNING = "ready", "running"
ACTOR_STATES = (READY, RUNNING, BLOCKED, FINISHED)

# -- program output and place --------------------------------------------------------
STREAM = "stream"
FILE = "file"
STDOUT, STDERR, FD = "stdout", "stderr", "fd"

# -- every lab probe ---------------------------------------------------------------
CALL = "call"

# -- timeline lanes ----------------------------------------------------------------
LANE = "lane"
DEPTH = "depth"
QUEUE = "queue"
IDLE, WAITING, HOLDING, WORKING = "idle", "waiting", "holding", "working"
LANE_STATES = (IDLE, WAITING, HOLDING, WORKING)

# -- locks, deadlocks and challenges (LOCK and ACTOR are above, with the step board) ----
SHARED = "shared"
ACQUIRED = "acquired"
CYCLE = "cycle"
HOLDS = "holds"
WAITS_FOR = "waits_for"
RESOLVED = "resolved"
CHALLENGE_ID = "challenge"
REACHED = "reached"

# -- the done event ----------------------------------------------------------------
STATUS = "status"
ELAPSED = "elapsed"
EXIT_CODE = "exit_code"
HELD = "held"
STOPPED_AFTER = "stopped_after"
OK, STOPPED, FAILED = "ok", "stopped", "error"
STATUSES = (OK, STOPPED, FAILED)

# -- errors ------------------------------------------------------------------------
TRACEBACK = "traceback"
EXPLAINED = "explained"
EXITCODE = "exitcode"

# -- states ------------------------------------------------------------------------
CHILD_PID = "child_pid"
ADDRESS = "address"
LISTENING = "listening"
FDS = "fds"
FD = "fd"
SIGNAL = "signal"
HANDLER = "handler"
SECONDS = "seconds"

# -- sequence-diagram arrows -------------------------------------------------------
SEQ = "seq"
FROM = "from"
TO = "to"
LOCAL = "local"
BYTES = "bytes"
PREVIEW = "preview"
ASKED = "asked"
ERROR_TEXT = "error"
CONNECT, ACCEPT, SEND, RECV, CLOSE, ARROW_ERROR = (
    "connect", "accept", "send", "recv", "close", "error")
ARROWS = (CONNECT, ACCEPT, SEND, RECV, CLOSE, ARROW_ERROR)

# -- pipe reads --------------------------------------------------------------------
CHUNK = "chunk"
BYTES_READ = "bytes_read"
BYTES_WRITTEN = "bytes_written"
READS = "reads"

# -- sockets result ----------------------------------------------------------------
CLIENTS = "clients"
REPLIES_OK = "replies_ok"

# -- problem counts of a result ----------------------------------------------------
GARBLED_LINES = "garbled_lines"
LOST_UPDATES = "lost_updates"
MISSING = "missing"
TWICE = "twice"
#: The counts the generic tab shows under a result, with their labels. A new
#: lesson's count appears there by being added here: no GUI change.
PROBLEM_COUNTS = {GARBLED_LINES: "garbled lines", LOST_UPDATES: "lost updates",
                  MISSING: "never consumed", TWICE: "consumed twice"}

# -- walk progress and the file scan's result ----------------------------------------
FOLDERS = "folders"
RATE = "rate"
FOLDER = "folder"
COUNT = "count"
PROCESSES = "processes"
COMPLETE = "complete"
SMALLEST = "smallest"
LARGEST = "largest"
MODIFIED = "modified"
HISTOGRAM = "histogram"
ERRORS = "errors"
ERROR_COUNT = "error_count"
UNREADABLE_FOLDERS = "unreadable_folders"
VANISHED = "vanished"
LOOPS = "loops"

#: Every ``data`` key above (the names a watcher may read from ``Event.data``).
KEYS = frozenset({
    ACTORS, STEPPING, IDENT, NUMBER, ACTOR, PID, ACTOR_STATE, LINE_NO, REASON, LOCK, HELD,
    STOPPED_AFTER,
    STREAM, CALL, FILE, FDS, FD, SIGNAL, HANDLER, SECONDS, LOCAL,
    LANE, DEPTH, QUEUE, LOCK, SHARED, ACQUIRED, CYCLE, ACTOR, HOLDS, WAITS_FOR, RESOLVED,
    CHALLENGE_ID, REACHED, STATUS, ELAPSED, EXIT_CODE, TRACEBACK, EXPLAINED, EXITCODE,
    CHILD_PID, ADDRESS, LISTENING, SEQ, FROM, TO, BYTES, PREVIEW, ASKED, ERROR_TEXT, CHUNK,
    BYTES_READ, BYTES_WRITTEN, READS, CLIENTS, REPLIES_OK, *PROBLEM_COUNTS, FOLDERS,
    RATE, FOLDER, COUNT, PROCESSES, COMPLETE, SMALLEST, LARGEST, MODIFIED,
    HISTOGRAM, ERRORS, ERROR_COUNT, UNREADABLE_FOLDERS, VANISHED, LOOPS,
})
