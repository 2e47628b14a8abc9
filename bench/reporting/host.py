"""The machine and the tools' versions, for the report's first table."""

import os
import platform
import subprocess

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(BENCH_DIR)


def command_output(arguments):
    try:
        result = subprocess.run(arguments, capture_output=True, text=True, timeout=30)
        return (result.stdout + result.stderr).strip()
    except (OSError, subprocess.SubprocessError):
        return "unavailable"


def machine():
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = 0
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1])
    distro = "Linux"
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("PRETTY_NAME="):
                    distro = line.split("=", 1)[1].strip().strip('"')
    return {
        "nproc": os.cpu_count(), "cpu": model, "memory_gib": memory / 1024 / 1024,
        "kernel": platform.release(), "distro": distro,
    }


def versions():
    swift = command_output(["swift", "--version"]).splitlines()
    swift = next((line for line in swift if "Swift version" in line), swift[0] if swift else "unavailable")
    nginx = command_output(["nginx", "-v"]).replace("nginx version: ", "")
    wrk = command_output(["wrk", "-v"]).splitlines()
    wrk = wrk[0].split(" Copyright")[0] if wrk else "unavailable"
    python = platform.python_version()
    commit = os.environ.get("GATEWAY_COMMIT")
    if not commit:
        commit = command_output(["git", "-C", REPO_DIR, "rev-parse", "--short", "HEAD"])
        if command_output(["git", "-C", REPO_DIR, "status", "--porcelain", "--", "Sources", "Package.swift"]):
            commit += " (with uncommitted changes in Sources)"
    return {"swift": swift, "nginx": nginx, "wrk": wrk, "python": python, "commit": commit}


def relative(path):
    """PATH relative to the repository when it lies inside it."""
    return os.path.relpath(path, REPO_DIR) if path.startswith(REPO_DIR) else path
