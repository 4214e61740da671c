"""Serve the demo: the web app, its task worker and the periodic scheduler, until Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", options["addr"], "--noreload"],
            "worker": [python, "manage.py", "db_worker"],
            "scheduler": [python, "manage.py", "crontask"],
        }
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603
        self.stdout.write(
            self.style.SUCCESS(f"Cellway is running on http://{options['addr']}/ (web, worker, scheduler). Ctrl-C stops all three.")
        )

        def stop(*_: Any) -> None:
            for child in children.values():
                child.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(child.poll() is None for child in children.values()):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children.values():
                child.wait(timeout=10)
        dead = [name for name, child in children.items() if child.returncode not in (0, -15, None)]
        if dead:
            self.stderr.write(f"Stopped because {', '.join(dead)} exited.")
