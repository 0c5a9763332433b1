"""The embedded job worker: database rows are the queue (no broker needed)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections, connection

from processing import runner


class Command(BaseCommand):
    help = (
        "Run processing jobs: call the periodic hooks apps registered (e.g. the e-mail outbox sender), reclaim "
        "stale jobs, claim the oldest pending job, run it, repeat."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="run at most one job, then exit")
        parser.add_argument("--burst", action="store_true", help="exit when no job is pending")
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between polls of an empty queue")
        parser.add_argument("--quiet", action="store_true", help="do not print progress")

    def handle(self, *args: Any, **opts: Any) -> None:
        stop = {"requested": False}

        def request_stop(signum: int, frame: Any) -> None:
            if stop["requested"]:
                raise SystemExit(1)
            stop["requested"] = True
            self.stderr.write("stopping: the current job goes back to the queue at its next stage boundary")

        # The handlers are put back on the way out, so a caller that runs this command in-process (a test, a shell)
        # can still be stopped by SIGTERM afterwards.
        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self._loop(stop, opts)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _loop(self, stop: dict[str, bool], opts: dict[str, Any]) -> None:
        worker = runner.worker_name("run_jobs")
        echo = None if opts["quiet"] else (lambda line: self.stdout.write(line))
        self.stdout.write(f"{worker} waiting for jobs")
        outage = 0
        while not stop["requested"]:
            if not connection.in_atomic_block:
                close_old_connections()
            try:
                runner.run_periodic_hooks(echo=echo)  # e.g. due outbox e-mail: no broker is needed for mail
                job = runner.run_next(worker=worker, echo=echo, should_stop=lambda: stop["requested"])
            except (OperationalError, InterfaceError) as exc:
                if connection.in_atomic_block:
                    raise  # inside a caller's transaction (a test): nothing to reconnect
                # The database went away (restart, failover): wait and reconnect instead of exiting. A job that
                # was running keeps its finished stages; its heartbeat goes stale and it is reclaimed and resumed.
                outage += 1
                wait = min(30.0, 0.5 * 2 ** min(outage, 6))
                self.stderr.write(f"database unavailable ({str(exc).strip().splitlines()[0]}); retrying in "
                                  f"{wait:.0f} s")
                connection.close()
                deadline = time.monotonic() + wait
                while not stop["requested"] and time.monotonic() < deadline:
                    time.sleep(0.05)
                continue
            outage = 0
            if opts["once"] and job is not None:
                break
            if job is None:
                if opts["burst"] or opts["once"]:
                    break
                deadline = time.monotonic() + max(0.05, opts["poll"])
                while not stop["requested"] and time.monotonic() < deadline:
                    time.sleep(0.05)
        self.stdout.write(f"{worker} stopped")
