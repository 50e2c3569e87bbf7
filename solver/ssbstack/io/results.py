"""The results folder: creation (never silently overwritten), resolved case, run.json, timeseries.csv.

Shared files are written by rank 0 only; every decision that can fail (folder exists) is taken on
rank 0 and broadcast, so all ranks raise the same error together.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from ssbstack import __version__
from ssbstack.errors import CaseError

REPO_ROOT = Path(__file__).resolve().parents[3]


def prepare_output(outdir: Path, overwrite: bool, comm: Any, subfolders: tuple[str, ...] = ("fields",)
                   ) -> Path:
    """Create ``outdir`` on rank 0; refuse an existing one unless ``overwrite`` (collective)."""
    error = None
    if comm.rank == 0:
        if outdir.exists() and not overwrite:
            error = f"{outdir}: results folder exists; choose another -o or pass --overwrite"
        else:
            try:
                if outdir.exists():
                    shutil.rmtree(outdir)
                outdir.mkdir(parents=True)
                for name in subfolders:
                    (outdir / name).mkdir()
            except OSError as exc:
                error = f"{outdir}: cannot create results folder: {exc.strerror}"
    error = comm.bcast(error, root=0)
    if error:
        raise CaseError(error)
    return outdir


def study_folder(outdir: Path, overwrite: bool) -> Path:
    """:func:`prepare_output` for a serial study script (``scripts/``): refused with one line on
    stderr and exit status 2."""
    import sys

    from mpi4py import MPI

    try:
        return prepare_output(outdir, overwrite, MPI.COMM_SELF, ())
    except CaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def git_revision() -> dict[str, Any]:
    """Git revision of the source tree and whether it has uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()

    try:
        return {"revision": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.SubprocessError):
        return {"revision": None, "dirty": None}


def case_hash(resolved: str) -> str:
    """SHA-256 of the resolved case JSON."""
    return hashlib.sha256(resolved.encode()).hexdigest()


class RunRecord:
    """run.json: provenance, mesh statistics, wall times and the run's outcome (rank 0 writes)."""

    def __init__(self, outdir: Path, comm: Any, resolved_case: str, versions: dict[str, str]):
        self.path = outdir / "run.json"
        self.comm = comm
        self.started = time.time()
        hosts = comm.gather(platform.node(), root=0)
        previous = None
        if comm.rank == 0 and self.path.exists():
            previous = json.loads(self.path.read_text())
        self.data: dict[str, Any] = {
            "status": "running",
            "ssbstack_version": __version__,
            "git": git_revision() if comm.rank == 0 else None,
            "case_sha256": case_hash(resolved_case),
            "versions": versions,
            "mpi_ranks": comm.size,
            "hosts": sorted(set(hosts)) if comm.rank == 0 else None,
            "container_image": os.environ.get("SSBSTACK_IMAGE_ID"),
            "python": platform.python_version(),
            "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "wall_seconds": {},
            "restarts": [],
        }
        if previous is not None:  # a restart: keep the history, record this attempt
            self.data["restarts"] = [*previous.get("restarts", []),
                                     {k: previous.get(k) for k in ("started_utc", "status",
                                                                   "mpi_ranks", "wall_seconds")}]
        self.memory("start")
        self.write()

    def timing(self, name: str, seconds: float) -> None:
        """Record a wall time (s), maximum over ranks."""
        from mpi4py import MPI

        self.data["wall_seconds"][name] = round(self.comm.allreduce(seconds, op=MPI.MAX), 4)

    def memory(self, phase: str) -> None:
        """Record each rank's peak resident memory so far (kB, ``ru_maxrss``) under
        ``peak_memory_kB[phase]``, a list by rank (collective)."""
        mine = peak_memory_kb()
        if phase == "start":
            self._start_kb = mine
        ranks = self.comm.gather(mine, root=0)
        if self.comm.rank == 0:
            self.data.setdefault("peak_memory_kB", {})[phase] = ranks

    def footprint(self, dofs: int) -> str:
        """Record the run's peak memory (max over ranks, kB) and its bytes per dof: the sum of
        the ranks' peaks over the global unknowns (Python, MPI, PETSc and the compiled forms
        included), and the same above each rank's memory at the start (the libraries loaded,
        nothing meshed); the log text (collective)."""
        from mpi4py import MPI

        now, start = peak_memory_kb(), self._start_kb
        peak = self.comm.allreduce(now, op=MPI.MAX)
        total = self.comm.allreduce(now, op=MPI.SUM)
        grown = self.comm.allreduce(now - start, op=MPI.SUM)
        per_dof = 1024.0 * total / dofs if dofs else None
        above = 1024.0 * grown / dofs if dofs else None
        self.data.update(peak_memory_kB_max=peak, dofs=dofs, bytes_per_dof=per_dof,
                         bytes_per_dof_above_start=above)
        ranks = f"{self.comm.size} rank" + ("s" if self.comm.size > 1 else "")
        text = (f"peak memory {peak / 1024:.0f} MB per rank (max over {ranks}; "
                f"{self.comm.allreduce(start, op=MPI.MAX) / 1024:.0f} MB at the start)")
        if per_dof is not None and above is not None:
            text += (f", {per_dof / 1024:.3g} kB per dof ({above / 1024:.3g} kB above the start; "
                     f"{dofs} dofs)")
        return text

    def update(self, **items: Any) -> None:
        """Add entries and rewrite the file."""
        self.data.update(items)
        self.write()

    def write(self) -> None:
        """Write run.json atomically (rank 0)."""
        if self.comm.rank == 0:
            self.data["wall_seconds"]["total"] = round(time.time() - self.started, 4)
            temporary = self.path.with_suffix(".json.tmp")
            temporary.write_text(json.dumps(self.data, indent=2, default=_json_default) + "\n")
            temporary.replace(self.path)


def peak_memory_kb() -> int:
    """This process's peak resident memory so far, kB (``ru_maxrss``; kB on Linux)."""
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


class TimeseriesWriter:
    """timeseries.csv, one row per output time, flushed row by row (rank 0 only).

    ``resume_rows`` reopens an existing file for a restart: it keeps the header and the first
    ``resume_rows`` rows (those written up to the checkpoint) and appends after them.
    """

    def __init__(self, path: Path, columns: list[str], comm: Any, resume_rows: int | None = None):
        self.columns = columns
        self.rows = resume_rows or 0  # rows written so far (the same count on every rank)
        self._file = None
        kept: list[str] = []
        error = None
        if comm.rank == 0 and resume_rows is not None:
            kept = path.read_text(encoding="utf-8").splitlines(keepends=True)[: resume_rows + 1]
            kept, error = _resumed_rows(path, kept, columns)
        error = comm.bcast(error, root=0)  # every rank raises together
        if error:
            raise CaseError(error)
        if comm.rank != 0:
            return
        self._file = path.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._file)
        if resume_rows is None:
            self._csv.writerow(columns)
        else:
            self._file.writelines(kept)
        self._file.flush()

    def write(self, row: dict[str, Any]) -> None:
        """Append one row (missing columns are left empty)."""
        self.rows += 1
        if self._file is not None:
            self._csv.writerow([_cell(row.get(name)) for name in self.columns])
            self._file.flush()

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _resumed_rows(path: Path, kept: list[str], columns: list[str]) -> tuple[list[str], str | None]:
    """The header and rows of a file being resumed, under this run's ``columns``: a file
    written before a version added columns gets them empty in its old rows; one whose columns
    this run lacks cannot be resumed (the error)."""
    if not kept:
        return kept, f"{path}: no header; cannot resume"
    header = kept[0].rstrip("\r\n").split(",")
    if header == columns:
        return kept, None
    if not set(header) <= set(columns):
        return kept, f"{path}: columns differ from this run's; cannot resume"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in csv.DictReader(kept[1:], fieldnames=header):
        writer.writerow([row.get(name) or "" for name in columns])
    return buffer.getvalue().splitlines(keepends=True), None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def read_timeseries(path: Path) -> dict[str, list[str]]:
    """Columns of a timeseries.csv as lists of strings."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    return {name: [row[i] for row in body] for i, name in enumerate(header)}
