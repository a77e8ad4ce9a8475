"""Runs one engine process at a time and measures it from outside: wall time, exit code, peak RSS (wait4 on
that very child, so every engine's resident peak is measured the same way), and its last-line JSON."""
import json
import os
import signal
import subprocess
import threading
import time


def _last_json(path):
    with open(path, errors="replace") as f:
        lines = [line.strip() for line in f if line.strip()]
    for line in reversed(lines[-5:]):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def _tail(path, n=3):
    try:
        with open(path, errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError:
        return ""
    return " | ".join(lines[-n:])[-400:]


def run(cmd, env, log_prefix, timeout):
    """Returns {ok, exit_code, wall_seconds, peak_rss_mb, result, error, stdout, stderr}."""
    stdout_path, stderr_path = log_prefix + ".out", log_prefix + ".err"
    with open(stdout_path, "w") as out, open(stderr_path, "w") as err:
        start = time.perf_counter()
        try:
            process = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        except OSError as e:
            return {"ok": False, "exit_code": None, "error": f"cannot start {cmd[0]}: {e}",
                    "stdout": stdout_path, "stderr": stderr_path}
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the whole group: a launcher script and its JVM
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: tell Popen
        wall = time.perf_counter() - start
    record = {"exit_code": process.returncode, "wall_seconds": round(wall, 3),
              "peak_rss_mb": round(usage.ru_maxrss / 1024.0, 1), "stdout": stdout_path, "stderr": stderr_path}
    result = _last_json(stdout_path)
    if timed_out.is_set():
        record.update(ok=False, error=f"killed after the {timeout}s time limit")
    elif process.returncode != 0:
        record.update(ok=False, error=f"exit {process.returncode}: {_tail(stderr_path) or _tail(stdout_path)}")
    elif result is None:
        record.update(ok=False, error=f"no JSON object on the last line: {_tail(stdout_path)}")
    else:
        record.update(ok=True, result=result)
    return record
