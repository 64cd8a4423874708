"""The sandbox a student's kernel runs in while it is graded.

One submission's kernel runs under bubblewrap (``bwrap``, Debian package ``bubblewrap``) started
as root, with:

- new PID, network, IPC, UTS and cgroup namespaces (``--unshare-pid --unshare-net ...``): no
  network at all (only a loopback nobody listens on), no view of the host's processes, and every
  process the student starts dies with the kernel (``--die-with-parent``, PID namespace);
- a new mount namespace built from an allow-list: read-only ``/usr``, ``/etc``, the Python
  installation, the virtual environment and the ``dlbook`` package; a fresh ``/tmp``; a private
  home folder holding a copy of this submission's files only. The course folder, ``solutions/``,
  the gradebook, ``verify.py`` and the other students' files are simply not there;
- an unprivileged uid of its own (``setpriv --reuid``, no supplementary groups, empty capability
  bounding set, ``no_new_privs``), one uid per grading worker, so a fork bomb only exhausts its own
  process limit;
- resource limits (``setrlimit`` in :mod:`dlbook.course.launch`): address space, CPU seconds,
  number of processes of the uid, file size, open files, no core dumps;
- an empty environment (``--clearenv``) apart from a few neutral variables: nothing says
  "grading" (no ``NBGRADER_*``, no ``JPY_*``).

The kernel talks to the trusted grader over Unix-domain sockets (ZeroMQ ``ipc`` transport) in a
folder bound into the sandbox, so the kernel needs no network namespace shared with the grader.

:func:`sandbox_status` says whether this machine can do all that; the grader refuses to grade
untrusted work when it cannot (unless the instructor passes ``--unsafe``).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

#: First uid of the grading workers (worker k runs its kernels as ``UID_BASE + k``).
DEFAULT_UID_BASE = 61000
#: Home folder of the student inside the sandbox; the notebook runs in ``HOME/work``.
SANDBOX_HOME = "/home/student"
SANDBOX_WORK = SANDBOX_HOME + "/work"


@dataclass
class Limits:
    """Resource limits of one submission (every value can be changed on the command line)."""

    cell_timeout: int = 300  #: seconds one cell may run
    submission_timeout: int = 900  #: seconds of kernel time for the whole submission
    memory_mb: int = 2048  #: address space of each process of the sandbox
    nproc: int = 64  #: processes and threads of the sandbox uid
    file_size_mb: int = 256  #: largest file the sandbox may write
    open_files: int = 256
    cpu_seconds: Optional[int] = None  #: CPU seconds per process (default: submission_timeout)
    cell_output_bytes: int = 1_000_000  #: outputs kept per cell; the rest is dropped
    notebook_output_bytes: int = 8_000_000  #: outputs kept per notebook
    max_restarts: int = 3  #: kernel restarts after a crash or a hang, per notebook

    def rlimits(self) -> Dict[str, int]:
        cpu = self.cpu_seconds if self.cpu_seconds else self.submission_timeout + 30
        return {
            "as": self.memory_mb * 1024 * 1024,
            "cpu": int(cpu),
            "nproc": self.nproc,
            "fsize": self.file_size_mb * 1024 * 1024,
            "nofile": self.open_files,
            "core": 0,
        }


@dataclass
class SandboxStatus:
    """What this machine offers; ``ok`` is True when untrusted work can be graded safely."""

    ok: bool
    reasons: List[str] = field(default_factory=list)
    bwrap: Optional[str] = None
    setpriv: Optional[str] = None

    def message(self) -> str:
        return "; ".join(self.reasons)


def sandbox_status() -> SandboxStatus:
    """Check root, bubblewrap and setpriv, and that bubblewrap can create the namespaces."""
    reasons = []
    bwrap = os.environ.get("DLBOOK_SANDBOX_BWRAP") or shutil.which("bwrap") or "/usr/bin/bwrap"
    if not (os.path.isfile(bwrap) and os.access(bwrap, os.X_OK)):
        bwrap = None
    setpriv = shutil.which("setpriv") or (
        "/usr/bin/setpriv" if os.path.exists("/usr/bin/setpriv") else None
    )
    if os.geteuid() != 0:
        reasons.append(
            "cần chạy với quyền root (để chuyển mã sinh viên sang một người dùng riêng, không có quyền)"
        )
    if bwrap is None:
        reasons.append("thiếu bubblewrap (`apt-get install bubblewrap`)")
    if setpriv is None:
        reasons.append("thiếu setpriv (gói util-linux)")
    if not reasons:
        try:
            proc = subprocess.run(
                [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                 "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
                 "--", setpriv, f"--reuid={DEFAULT_UID_BASE}", f"--regid={DEFAULT_UID_BASE}",
                 "--clear-groups", "--no-new-privs", "/bin/true"],
                capture_output=True, text=True, timeout=30,
            )
            if proc.returncode != 0:
                reasons.append(
                    "bubblewrap không tạo được không gian tên (namespace) trên máy này: "
                    + (proc.stderr.strip() or f"mã lỗi {proc.returncode}")
                )
        except (OSError, subprocess.TimeoutExpired) as exc:
            reasons.append(f"không chạy được bubblewrap: {exc}")
    return SandboxStatus(ok=not reasons, reasons=reasons, bwrap=bwrap, setpriv=setpriv)


def uid_base() -> int:
    return int(os.environ.get("DLBOOK_SANDBOX_UID_BASE", DEFAULT_UID_BASE))


UID_RANGE = 512


def _lock_dir() -> Path:
    for candidate in ("/run/lock", "/var/lock", tempfile.gettempdir()):
        if os.path.isdir(candidate) and os.access(candidate, os.W_OK):
            return Path(candidate)
    return Path(tempfile.gettempdir())


def acquire_uid(hint: int = 0) -> Tuple[int, int]:
    """Reserve a sandbox uid for this process: ``(uid, fd)``; the lock lives as long as ``fd``.

    Two grading runs on one machine (two courses, two test processes) never share a uid: each
    worker holds an exclusive ``flock`` on ``/run/lock/dlbook-grader-<uid>.lock``. Uids that
    belong to an account are skipped.
    """
    import fcntl

    base = uid_base()
    folder = _lock_dir()
    for k in range(UID_RANGE):
        uid = base + (hint + k) % UID_RANGE
        try:
            pwd.getpwuid(uid)
            continue  # a real account: never ours
        except KeyError:
            pass
        fd = os.open(folder / f"dlbook-grader-{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        return uid, fd
    raise RuntimeError(f"Không còn uid trống cho hộp cát trong dải {base}–{base + UID_RANGE - 1}.")


# --------------------------------------------------------------------------- processes of a uid


def processes_of_uid(uid: int) -> List[int]:
    """Live PIDs (host view, zombies excluded) whose real or effective uid is ``uid``."""
    import psutil

    pids = []
    for proc in psutil.process_iter(["uids", "status"]):
        info = proc.info
        if info["uids"] is None or info["status"] in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
            continue
        if uid in (info["uids"].real, info["uids"].effective):
            pids.append(proc.pid)
    return pids


def oldest_process_of_uid(uid: int) -> Optional[int]:
    """The PID of the longest-running live process of ``uid`` (a sandbox's kernel), or None."""
    import psutil

    best = None
    for pid in processes_of_uid(uid):
        try:
            started = psutil.Process(pid).create_time()
        except psutil.Error:
            continue
        if best is None or started < best[0]:
            best = (started, pid)
    return best[1] if best else None


def kill_uid_processes(uid: int, keep: Iterable[int] = (), rounds: int = 20) -> int:
    """SIGKILL every process of ``uid`` except ``keep``; returns how many were killed.

    Repeats a few rounds so that a fork bomb cannot outrun it (SIGSTOP first, then SIGKILL).
    """
    keep = set(keep)
    killed = 0
    for _ in range(rounds):
        pids = [p for p in processes_of_uid(uid) if p not in keep]
        if not pids:
            return killed
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
        killed += len(pids)
        time.sleep(0.02)
    return killed


# --------------------------------------------------------------------------- the bwrap plan


def _ancestors(path: str) -> List[str]:
    parts = Path(path).parts[1:]
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts))]


def python_paths() -> List[str]:
    """Folders the kernel's Python needs (read-only): installation and venv (dlbook: see
    :func:`bwrap_plan`, the student runtime is mounted in its place)."""
    paths = {sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix}
    exe = Path(sys.executable)
    paths.add(str(exe.resolve().parent.parent))
    return sorted(p for p in paths if p and os.path.isdir(p))


def _is_within(path: str, parent: str) -> bool:
    try:
        Path(path).resolve().relative_to(Path(parent).resolve())
        return True
    except ValueError:
        return False


def check_binds(binds: Sequence[str], secrets: Sequence[str]) -> None:
    """Refuse to bind a folder that contains (or lies in) a secret folder of the course."""
    for bind in binds:
        for secret in secrets:
            if _is_within(secret, bind) or _is_within(bind, secret):
                raise RuntimeError(
                    f"Hộp cát sẽ để lộ '{secret}' nếu gắn thư mục '{bind}' vào; hãy cài môi trường "
                    "Python (venv) ở ngoài thư mục đó."
                )


@dataclass
class KernelPlan:
    """Everything :mod:`dlbook.course.launch` needs to start one sandboxed kernel."""

    command: List[str]
    rlimits: Dict[str, int]
    uid: Optional[int]
    gid: Optional[int]
    env: Optional[Dict[str, str]] = None  #: None: bubblewrap sets the environment itself

    def write(self, path: Path) -> None:
        data = {"command": self.command, "rlimits": self.rlimits, "uid": self.uid,
                "gid": self.gid, "env": self.env}
        path.write_text(json.dumps(data), encoding="utf-8")


def kernel_env(home: str) -> Dict[str, str]:
    """The whole environment of the kernel: neutral, nothing about grading."""
    venv_bin = str(Path(sys.executable).parent)
    return {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": "/tmp",
        "MPLCONFIGDIR": f"{home}/.config/matplotlib",
        "IPYTHONDIR": f"{home}/.ipython",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
    }


def bwrap_plan(
    *,
    status: SandboxStatus,
    home_dir: Path,
    runtime_dir: Path,
    uid: int,
    limits: Limits,
    secrets: Sequence[str],
    extra_ro: Sequence[str] = (),
    runtime: Optional[Path] = None,
    hide: Sequence[Tuple[str, str]] = (),
    ro_binds: Sequence[Tuple[str, str]] = (),
    program: Optional[Sequence[str]] = None,
) -> KernelPlan:
    """The bubblewrap command line for one kernel (see the module docstring).

    ``runtime`` (:func:`dlbook.course.runtime.build_runtime`) is mounted read-only over the folder
    of the installed ``dlbook``: the sandbox imports ``dlbook`` from the same path as the grader,
    but finds only the student runtime there. ``hide`` lists ``(kind, path)`` of packages the
    assignment forbids (:func:`dlbook.course.runtime.package_locations`): an empty folder with a
    ``__init__.py`` that raises ``ImportError``. ``ro_binds`` are extra ``(source, destination)``
    read-only mounts (the verification job); ``program`` replaces the kernel
    (``python -m ipykernel_launcher``).
    """
    assert status.bwrap and status.setpriv
    from dlbook.course.runtime import installed_dlbook

    real_dlbook = str(installed_dlbook())
    ro = python_paths() + [p for p in extra_ro if os.path.exists(p)]
    if runtime is None:
        raise RuntimeError("Thiếu môi trường của sinh viên (student runtime) cho hộp cát.")
    check_binds(ro + [str(home_dir), str(runtime_dir), str(runtime)]
                + [src for src, _ in ro_binds], secrets)
    cmd = [
        status.bwrap,
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--hostname", "jupyter",
        "--die-with-parent", "--new-session", "--clearenv",
        "--ro-bind", "/usr", "/usr",
    ]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            cmd += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            cmd += ["--ro-bind", top, top]
    cmd += ["--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--tmpfs", "/tmp",
            "--perms", "0755", "--dir", "/home"]
    made = {"/", "/usr", "/etc", "/proc", "/dev", "/tmp", "/home", "/bin", "/sbin", "/lib",
            "/lib64"}

    def parents(path: str) -> None:
        for anc in _ancestors(path):
            if anc not in made:
                cmd.extend(["--perms", "0755", "--dir", anc])
                made.add(anc)

    bound: List[str] = []
    for path in ro:
        if path in made or any(_is_within(path, b) for b in bound):
            continue
        parents(path)
        cmd += ["--ro-bind", path, path]
        made.add(path)
        bound.append(path)
    # the student runtime in place of the installed dlbook (over it when a bound folder holds it)
    parents(real_dlbook)
    cmd += ["--ro-bind", str(Path(runtime) / "dlbook"), real_dlbook]
    blocked = str(Path(runtime) / "blocked" / "__init__.py")
    for kind, path in hide:
        if kind == "dir":
            cmd += ["--perms", "0755", "--tmpfs", path, "--ro-bind", blocked,
                    f"{path}/__init__.py", "--remount-ro", path]
        else:
            cmd += ["--ro-bind", blocked if path.endswith(".py") else "/dev/null", path]
    parents(str(runtime_dir))
    cmd += ["--bind", str(runtime_dir), str(runtime_dir)]
    cmd += ["--bind", str(home_dir), SANDBOX_HOME, "--chdir", SANDBOX_WORK]
    for src, dest in ro_binds:
        cmd += ["--ro-bind", src, dest]
    for key, value in kernel_env(SANDBOX_HOME).items():
        cmd += ["--setenv", key, value]
    cmd += [
        "--", status.setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
    ] + list(program or [sys.executable, "-m", "ipykernel_launcher"])
    return KernelPlan(command=cmd, rlimits=limits.rlimits(), uid=uid, gid=uid)


def unsafe_plan(*, home_dir: Path, limits: Limits) -> KernelPlan:
    """No sandbox (``--unsafe``): the kernel runs as the grader, with the resource limits only."""
    rl = limits.rlimits()
    rl.pop("nproc")  # per uid: would count the instructor's own processes
    return KernelPlan(command=[sys.executable, "-m", "ipykernel_launcher"], rlimits=rl,
                      uid=None, gid=None, env=kernel_env(str(home_dir)))


def launcher_argv(plan_path: Path) -> List[str]:
    """The kernel spec's argv: the stdlib-only launcher, then the kernel's own arguments."""
    launch = Path(__file__).resolve().parent / "launch.py"
    return [sys.executable, "-I", "-S", str(launch), str(plan_path), "--", "-f", "{connection_file}"]
