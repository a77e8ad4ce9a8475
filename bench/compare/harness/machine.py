"""What machine and which versions a comparison ran on, read from the system (nothing typed by hand)."""
import os
import platform
import re
import subprocess

INTERESTING_FLAGS = re.compile(r"^(sse4_2|avx|avx2|fma|f16c|avx512\w*|avx_vnni|amx\w*|vaes|vpclmulqdq)$")


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _output(cmd):
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        return (done.stdout + done.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _dpkg_version(package):
    return _output(["dpkg-query", "-W", "-f=${Version}", package]) if _output(["which", "dpkg-query"]) else ""


def facts():
    cpuinfo = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    flags = re.search(r"^flags\s*:\s*(.+)$", cpuinfo, re.M)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    os_name = re.search(r'^PRETTY_NAME="?([^"\n]+)', _read("/etc/os-release"), re.M)
    java_home = os.environ.get("JAVA_HOME", "")
    java = os.path.join(java_home, "bin", "java") if java_home else "java"
    jdk = _output([java, "-version"]).splitlines()
    return {
        "cpu_model": model.group(1).strip() if model else platform.processor(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu_flags": sorted(f for f in (flags.group(1).split() if flags else []) if INTERESTING_FLAGS.match(f)),
        "memory_gib": round(int(memory.group(1)) / 1048576, 1) if memory else None,
        "os": os_name.group(1) if os_name else platform.platform(),
        "kernel": platform.release(),
        "hypervisor": "hypervisor" in (flags.group(1).split() if flags else []),
        "jdk": " / ".join(jdk[:2]) if jdk else "not found",
        "openblas_package": _dpkg_version("libopenblas0-pthread") or _dpkg_version("libopenblas0"),
        "python": _output(["/usr/bin/python3", "--version"]),
        "torch_package": _dpkg_version("python3-torch"),
        "numpy_package": _dpkg_version("python3-numpy"),
        "gcc": (_output(["gcc", "--version"]).splitlines() or [""])[0],
    }
