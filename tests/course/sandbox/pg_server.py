"""A real PostgreSQL server for the tests: Debian's ``postgresql`` binaries, ``initdb`` and
``pg_ctl`` in a temporary folder, run as an unprivileged user, listening on a Unix socket only
(no TCP port: nothing else on the machine can reach it, and the grading sandbox has no network)."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator, List

USER = "dlbook"


def pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                                                   reverse=True)), None)
    if not found:
        raise RuntimeError(f"{name} not found: install Debian's postgresql (tools/apt-packages.txt)")
    return found


def _as_server_user(cmd: List[str]) -> List[str]:
    """PostgreSQL refuses to run as root: as root, run it as ``nobody``."""
    if os.geteuid() != 0:
        return cmd
    nobody = pwd.getpwnam("nobody")
    return ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
            "--"] + cmd


def _owner_ids():
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yields the URL of a template-free server (database ``postgres``)."""
    top = Path(tempfile.mkdtemp(prefix="dlb-pg-", dir="/tmp"))
    os.chmod(top, 0o755)
    data, sock, logs = top / "data", top / "sock", top / "log"
    uid, gid = _owner_ids()
    for d in (data, sock, logs):
        d.mkdir()
        os.chown(d, uid, gid)
    env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
    subprocess.run(_as_server_user([pg_bin("initdb"), "-D", str(data), "-U", USER,
                                    "--auth=trust", "--encoding=UTF8", "--no-sync"]),
                   check=True, capture_output=True, env=env, cwd=top)
    options = f"-k {sock} -c listen_addresses='' -c fsync=off -c max_connections=200"
    subprocess.run(_as_server_user([pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-w",
                                    "-l", str(logs / "server.log"), "start"]),
                   check=True, capture_output=True, env=env, cwd=top)
    try:
        yield f"postgresql://{USER}@/postgres?host={sock}"
    finally:
        subprocess.run(_as_server_user([pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate",
                                        "stop"]), capture_output=True, env=env, cwd=top)
        shutil.rmtree(top, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """A new empty database on the server; returns its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.replace("/postgres?", f"/{name}?")
