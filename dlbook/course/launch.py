"""Kernel launcher of the grading sandbox (runs as the trusted user, then execs bubblewrap).

The kernel spec the grader builds has ``argv = [python, -I, -S, <this file>, <plan.json>, --,
-f, {connection_file}, ...]``. This script:

1. reads the plan the trusted grader wrote (``plan.json``: the bubblewrap command line, the
   resource limits, the unprivileged uid);
2. hands the connection file (written by jupyter_client with mode 0600) to that uid, so that the
   kernel can read it once it has dropped its privileges;
3. sets the resource limits (``setrlimit``: address space, CPU seconds, processes of the uid,
   file size, open files, no core dumps), which the sandboxed kernel inherits;
4. replaces itself with the command line of the plan (``bwrap ... setpriv ... python -m
   ipykernel_launcher -f <connection_file> ...``).

It only uses the standard library and is started with ``python -I -S`` so that it starts fast and
imports nothing from the course folder.
"""

import json
import os
import resource
import sys

LIMITS = {
    "as": resource.RLIMIT_AS,
    "cpu": resource.RLIMIT_CPU,
    "nproc": resource.RLIMIT_NPROC,
    "fsize": resource.RLIMIT_FSIZE,
    "nofile": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
}


def _connection_file(args):
    for i, arg in enumerate(args):
        if arg == "-f" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--f="):
            return arg[4:]
    return None


def main(argv):
    if len(argv) < 2 or argv[1] != "--":
        sys.stderr.write("usage: launch.py PLAN.json -- KERNEL-ARGS...\n")
        return 2
    with open(argv[0], encoding="utf-8") as fh:
        plan = json.load(fh)
    kernel_args = argv[2:]
    uid = plan.get("uid")
    conn = _connection_file(kernel_args)
    if conn and uid is not None:
        os.chown(conn, uid, plan.get("gid", uid))
    for name, value in plan.get("rlimits", {}).items():
        limit = LIMITS[name]
        resource.setrlimit(limit, (value, value))
    command = list(plan["command"]) + kernel_args
    if plan.get("env") is not None:
        os.execve(command[0], command, plan["env"])
    os.execv(command[0], command)
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
