#!/usr/bin/env python3
"""`make run`: the web server and a Celery worker side by side, the way production runs, with nothing to install.

- web:    `manage.py runserver HOST:PORT`
- worker: `celery worker --beat --pool=solo`: the background jobs (exports, imports) and the beat schedule
          (zhongzhan_wages/celery.py) in one process. Without CELERY_BROKER_URL the broker is kombu's filesystem
          transport under var/celery (settings.py), and both share db.sqlite3 in WAL mode.

Every line of output is prefixed with the process it came from. One Ctrl+C stops both: the children run in
their own process groups, so the terminal's Ctrl+C reaches only this script, which sends SIGTERM to both (for
the worker a warm shutdown: the running job finishes) and waits. A second Ctrl+C kills
whatever is left. If either process dies, the other is stopped too.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 60  # a warm shutdown waits for the running job (docker-compose: stop_grace_period 60s)
WIDTH = 9


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    args = parser.parse_args()

    python = sys.executable
    children = {
        "web": (
            [python, "manage.py", "runserver", f"{args.host}:{args.port}"],
            # To the group: the autoreloader and the server it runs. Not SIGINT: a shell that starts this in
            # the background has SIGINT ignored, and the children would inherit that.
            signal.SIGTERM,
        ),
        "worker": (
            # --pool=solo: one job at a time, in this process (SQLite has one writer anyway). No mingle/gossip:
            # they need broadcast, which the filesystem transport lacks (remote control is off in settings).
            [python, "-m", "celery", "-A", "zhongzhan_wages", "worker", "--beat", "--pool=solo",
             "--concurrency=1", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
            signal.SIGTERM,  # warm shutdown: the running job finishes first
        ),
    }  # fmt: skip
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # The address printed in each issued document's QR code (/verify/<code>/): where this server answers
    # (the worker renders the PDFs, so it must know too). 0.0.0.0 is no address a phone can open.
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    env.setdefault("DOCUMENT_VERIFY_BASE_URL", f"http://{shown_host}:{args.port}")
    lock = threading.Lock()

    def say(name: str, line: str) -> None:
        with lock:
            sys.stdout.write(f"[{name}]".ljust(WIDTH) + line.rstrip("\n") + "\n")
            sys.stdout.flush()

    procs: dict[str, subprocess.Popen] = {}
    for name, (command, _) in children.items():
        procs[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # its own process group: Ctrl+C comes through us, once
        )

        def pump(name=name, proc=procs[name]) -> None:
            for line in proc.stdout:
                say(name, line)
                if name == "worker" and line.rstrip().endswith(" ready."):
                    say(
                        "run",
                        "后台任务进程（Celery worker + beat）已就绪：导出、导入在后台处理，页面显示进度。",
                    )

        threading.Thread(target=pump, daemon=True).start()
    say(
        "run",
        f"已启动网页服务（pid {procs['web'].pid}）和后台任务进程（pid {procs['worker'].pid}）。按 Ctrl+C 停止全部。",
    )

    stopping = threading.Event()
    interrupts = 0

    def on_signal(signum, frame) -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts == 1:
            say("run", "正在停止网页服务和后台任务进程（正在处理的任务会先完成）…再按一次 Ctrl+C 立即结束。")
            stopping.set()
        else:
            for proc in procs.values():
                _signal_group(proc, signal.SIGKILL)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    failed = None
    while not stopping.is_set():
        for name, proc in procs.items():
            if proc.poll() is not None:
                failed = name
                say("run", f"{name} 已退出（代码 {proc.returncode}），停止其余进程。")
                stopping.set()
                break
        stopping.wait(0.5)

    for name, proc in procs.items():
        _signal_group(proc, children[name][1])  # the group: runserver's reloader child, celery's beat
    deadline = time.monotonic() + GRACE_SECONDS
    for proc in procs.values():
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        if proc.poll() is None:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
    say("run", "已全部停止。")
    if failed:
        return procs[failed].returncode or 1
    return 0


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group has gone already
        os.killpg(proc.pid, signum)


if __name__ == "__main__":
    sys.exit(main())
