"""Predicted vs measured CCD of every CCD case of a source (issue 11, item 5).

    .venv/bin/python scripts/ccd_table.py A [--jobs 2] [--ranks 1] [--out results/ccd]
        [--only NAME ...] [--set KEY=VALUE ...] [--fresh] [--cases DIR] [--as-written]
        [--settings FILE]

Runs every ``cases/<source>/ccd/*_ccd.toml`` (source A: badding2025, B: chen2023, C: ham2024)
(``--cases``: the ``*_ccd.toml`` of another folder) with ``ssbstack run`` into
``<out>/<source>/<case file stem>``, ``--jobs`` runs at a time (each on ``--ranks`` MPI ranks:
keep jobs × ranks at the number of cores). Resumable: a run whose
``run.json`` has a final status is kept, one with a checkpoint is restarted from it (kill the
script and start it again), anything else is rerun (``--fresh``: rerun all). Progress: a line per
run started and finished, with its outcome and wall time.

``cases/common/ccd_table.toml`` (``--settings``) may set values for single cases
(``[<case file stem>]`` with ``set = ["KEY=VALUE", ...]``, a ``label`` saying what the run
is and optionally ``ranks``: MPI ranks for that run, at most ``--jobs`` × ``--ranks``; such runs
start first), e.g. source A's CE1 on the shortened protocol its contact fraction was calibrated on, so
that the whole table runs within an hour on 2 cores; such a run goes to
``<out>/<source>/<stem>-table`` and the summary lists its label under the table.
``--as-written``: run the case files as they are.

Writes ``<out>/<source>/summary.md`` (stack, predicted CCD, failure mode, measured CCD where
``papers.md`` gives one, role: calibration point or prediction, miss) and ``ccd.png`` (predicted
vs measured bar chart). A run that does not fail up to its ramp's last level has no CCD: the
table says "> last level".
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {"A": "badding2025", "B": "chen2023", "C": "ham2024"}
SETTINGS = ROOT / "cases" / "common" / "ccd_table.toml"
FINAL = ("completed", "failed")


def case_files(source: str, only: list[str], folder: Path | None = None) -> list[Path]:
    """The source's CCD case files (``--only``: those stems; ``folder``: instead of the
    source's ``cases/<source>/ccd``)."""
    folder = folder or ROOT / "cases" / SOURCES[source] / "ccd"
    files = sorted(folder.glob("*_ccd.toml"))
    if only:
        files = [f for f in files if f.stem in only]
    if not files:
        sys.exit(f"ccd_table: no CCD cases in {folder}" + (f" named {only}" if only else ""))
    return files


def table_settings(path: Path, folders: list[Path]) -> dict[str, dict]:
    """``{case stem: {"set": [...], "label": str}}`` from a settings file (empty without one);
    exits with one line naming the file and entry when an entry is malformed or names no
    ``*_ccd.toml`` in ``folders``."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        sys.exit(f"ccd_table: {path}: {error}")
    for stem, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str) \
                or not all(isinstance(item, str) for item in entry.get("set", [None])):
            sys.exit(f"ccd_table: {path}: [{stem}] needs set = [\"KEY=VALUE\", ...] and a "
                     "label string")
        ranks = entry.get("ranks", 1)
        if not isinstance(ranks, int) or isinstance(ranks, bool) or ranks < 1:
            sys.exit(f"ccd_table: {path}: [{stem}] ranks must be a whole number >= 1, "
                     f"not {ranks!r}")
        if not any((folder / f"{stem}.toml").exists() for folder in folders):
            sys.exit(f"ccd_table: {path}: [{stem}] names no CCD case file")
    return data


def run_folder(out: Path, stem: str, labels: dict[str, str]) -> Path:
    """Where a case's run goes: ``<stem>``, or ``<stem>-table`` when the settings file sets values
    for it (a run of the case as written is never taken for it, nor the other way round)."""
    return out / (f"{stem}-table" if stem in labels else stem)


def run_state(outdir: Path) -> str:
    """'done' (final status), 'restart' (a checkpoint to go on from) or 'new'."""
    record = outdir / "run.json"
    if record.exists():
        status = json.loads(record.read_text()).get("status", "")
        if status.startswith(FINAL):
            return "done"
    return "restart" if (outdir / "checkpoint").exists() else "new"


@dataclass
class Job:
    """One ``ssbstack run`` of a batch: a case file with ``overrides`` into ``outdir``."""

    case: Path
    outdir: Path
    overrides: list[str] = field(default_factory=list)
    ranks: int | None = None  # MPI ranks of this run (None: the batch's ``--ranks``)


def command(job: Job, state: str, ranks: int) -> list[str]:
    """The ``ssbstack run`` command line of one job."""
    python = sys.executable
    run = [python, "-m", "ssbstack.cli", "run"]
    outdir = job.outdir.resolve()  # the run's working directory is the repository, not the caller's
    if state == "restart":
        run += ["--restart", str(outdir)]
    else:
        run += [str(job.case.resolve()), "-o", str(outdir), "--overwrite"]
        for item in job.overrides:
            run += ["--set", item]
    run += ["--checkpoint-every", "1"]  # a restarted run too: a killed batch loses one step
    if ranks > 1:  # the launcher of the environment's MPI (the venv's, not on PATH)
        launcher = Path(python).with_name("mpiexec")
        return [str(launcher) if launcher.exists() else "mpiexec", "-n", str(ranks), *run]
    return run


def add_batch_options(parser: argparse.ArgumentParser) -> None:
    """The options of a batch of runs over one or more cases (``run_all``): ``--set`` (applied
    to every run), ``--jobs``, ``--ranks``, ``--out`` (default: the script's own) and
    ``--fresh``."""
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--ranks", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--fresh", action="store_true")


def run_all(jobs: list[Job], args: argparse.Namespace) -> None:
    """Run the jobs on ``args.jobs`` × ``args.ranks`` cores: each on its own ``ranks`` (at most
    all the cores) or ``args.ranks``, the widest first, a job started when its ranks are free
    (``args.fresh``: rerun finished ones), with progress lines; a job's log is
    ``<outdir>.log``."""
    cores = args.jobs * args.ranks
    pending = []
    for job in jobs:
        state = "new" if args.fresh else run_state(job.outdir)
        if state == "done":
            print(f"  {job.outdir.name}: done before (kept)", flush=True)
        else:
            pending.append((job, state, min(job.ranks or args.ranks, cores)))
    pending.sort(key=lambda item: -item[2])  # stable: the listed order among equals
    running: list[tuple[subprocess.Popen, Path, float, Any, int]] = []
    free = cores
    while pending or running:
        while pending and pending[0][2] <= free:
            job, state, ranks = pending.pop(0)
            free -= ranks
            job.outdir.parent.mkdir(parents=True, exist_ok=True)
            log = open(job.outdir.parent / f"{job.outdir.name}.log", "a")  # noqa: SIM115
            process = subprocess.Popen(command(job, state, ranks), stdout=log,
                                       stderr=subprocess.STDOUT, cwd=ROOT)
            running.append((process, job.outdir, time.time(), log, ranks))
            on = f" on {ranks} ranks" if ranks > 1 else ""
            print(f"  {job.outdir.name}: {'restarted' if state == 'restart' else 'started'}{on}",
                  flush=True)
        time.sleep(2.0)
        for item in list(running):
            process, outdir, started, log, ranks = item
            if process.poll() is None:
                continue
            running.remove(item)
            free += ranks
            log.close()
            outcome = summary(outdir).get("status", f"exit {process.returncode}")
            print(f"  {outdir.name}: {outcome} ({(time.time() - started) / 60:.1f} min)",
                  flush=True)


def summary(outdir: Path) -> dict:
    """The run's summary from run.json (empty if absent)."""
    record = outdir / "run.json"
    if not record.exists():
        return {}
    data = json.loads(record.read_text())
    return data.get("summary", {}) | {"status": data.get("status", "")}


def mode(result: dict) -> str:
    """Failure mode in a few words, from the run's status and message."""
    status, message = result.get("status", ""), result.get("message", "")
    if status == "completed":
        return "none up to the last level"
    if "stripping-limited" in message or "contact_loss" in status:
        return "stripping: contact lost"
    if "voltage" in message:
        return "stripping: voltage cut-off"
    if "flaw" in status:
        return "plating: flaw crack"
    if "plating_current" in status:
        return "plating: local current"
    if status == "running":
        return "not finished"
    return status or "not run"


def ccd_text(row: dict) -> str:
    """The CCD of a row (``predicted``, ``above``, ``failed`` in mA/cm² or None) for a table, to
    3 digits (ramps in 0.05 mA/cm² steps): the CCD, '> last level' (no failure), '< first level'
    (failed at once) or —."""
    return (f"{row['predicted']:.3g}" if row["predicted"] is not None else
            f"> {row['above']:.3g}" if row["above"] is not None else
            f"< {row['failed']:.3g}" if row["failed"] is not None else "—")


def outcome(result: dict) -> dict:
    """CCD, the level it failed at and the last level passed without failure (mA/cm² or None),
    from a run's summary."""
    ccd = result.get("ccd_A_m2")
    above = result.get("ccd_above_A_m2")
    failed = result.get("failed_level_A_m2")
    return {"predicted": ccd / 10.0 if ccd else None,
            "failed": failed / 10.0 if failed is not None else None,
            "above": above / 10.0 if above is not None else None}


def table(files: list[Path], out: Path, source: str, labels: dict[str, str] | None = None
          ) -> list[dict]:
    """One row per case: predicted and measured CCD (mA/cm²), mode, role; ``labels`` (case
    stem → what its run changed from the case file) are listed under the table."""
    labels = labels or {}
    from ssbstack.config.loader import load_case

    rows = []
    for case_file in files:
        case = load_case(case_file)
        result = summary(run_folder(out, case_file.stem, labels))
        target = case.targets.get("ccd")
        rows.append({
            "case": case_file.stem,
            "stack": (case.source.configuration or case.name)
            + (" *" if case_file.stem in labels else ""),
            **outcome(result),
            "mode": mode(result),
            "measured": target.value if target is not None else None,
            "role": ("calibration point" if target is not None and target.role == "calibration"
                     else "prediction"),
        })
    lines = [f"# CCD of source {source} ({SOURCES[source]}): predicted vs measured", "",
             "| stack | case | predicted CCD (mA/cm²) | failure mode | failed at (mA/cm²) "
             "| measured (mA/cm²) | role | miss |", "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        predicted = ccd_text(row)
        failed = f"{row['failed']:.3g}" if row["failed"] is not None else "—"
        measured = f"{row['measured']:g}" if row["measured"] is not None else "—"
        miss = miss_text(row)
        lines.append(f"| {row['stack']} | `{row['case']}` | {predicted} | {row['mode']} | "
                     f"{failed} | {measured} | {row['role']} | {miss} |")
    for stem, label in labels.items():
        lines.append(f"\n\\* `{stem}` was run with values set by `ccd_table.toml`: {label}.")
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    return rows


def miss_text(row: dict) -> str:
    """(predicted − measured)/measured of a row, '> +x %' when the run never failed up to a level
    above the measured CCD (a lower bound), or —."""
    measured = row["measured"]
    if not measured:
        return "—"
    if row["predicted"] is not None:
        return f"{(row['predicted'] - measured) / measured * 100:+.0f} %"
    if row["above"] is not None and row["above"] >= measured:
        return f"> {(row['above'] - measured) / measured * 100:+.0f} %"
    return "—"


def reproduced(row: dict) -> bool:
    """Does a calibration point's run give its measured CCD (to round-off)?"""
    return (row["predicted"] is not None and row["measured"] is not None
            and abs(row["predicted"] - row["measured"]) <= 1e-9 * row["measured"])


def chart(rows: list[dict], out: Path, source: str) -> None:
    """Bar chart of predicted vs measured CCD per stack."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(1.2 * len(rows) + 2.5, 3.2 + (0.8 if len(rows) > 5 else 0.0)))
    predicted = [r["predicted"] if r["predicted"] is not None else 0.0 for r in rows]
    above = [r["above"] if r["predicted"] is None and r["above"] is not None else 0.0
             for r in rows]
    measured = [r["measured"] if r["measured"] is not None else 0.0 for r in rows]
    ax.bar(x - 0.2, predicted, 0.4, label="predicted (model)", color="tab:blue")
    if any(above):  # never failed: the CCD is above the last level
        ax.bar(x - 0.2, above, 0.4, label="predicted: above the ramp's last level",
               color="white", edgecolor="tab:blue", hatch="//")
    ax.bar(x + 0.2, measured, 0.4, label="measured (source)", color="tab:gray")
    for k, row in enumerate(rows):
        if row["role"] == "calibration point":
            text = "calibrated" if reproduced(row) else "calibration point,\nnot reproduced"
            ax.annotate(text, (k - 0.2, max(predicted[k], above[k])), ha="center", va="bottom",
                        fontsize=7)
        if row["predicted"] is None:  # a run not finished, or one that never failed
            label = f"> {row['above']:g}" if row["above"] is not None else f"no CCD ({row['mode']})"
            ax.annotate(label, (k - 0.2, 0.0), ha="center", va="bottom", fontsize=7, rotation=90)
        if row["measured"] is None:
            ax.annotate("not measured", (k + 0.2, 0.0), ha="center", va="bottom", fontsize=7,
                        rotation=90)
    ax.set_xticks(x, [r["stack"] for r in rows], rotation=25 if len(rows) > 5 else 0,
                  ha="right" if len(rows) > 5 else "center", fontsize=8 if len(rows) > 5 else 10)
    ax.set_ylabel("CCD (mA/cm²)")
    ax.set_title(f"Source {source}: CCD predicted vs measured")
    ax.set_ylim(0.0, 1.45 * max([*predicted, *above, *measured, 0.1]))  # room for the legend
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    fig.tight_layout()
    fig.savefig(out / "ccd.png", dpi=130)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", choices=sorted(SOURCES))
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    parser.add_argument("--ranks", type=int, default=1, help="MPI ranks per run (default 1)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "ccd")
    parser.add_argument("--only", nargs="*", default=[], help="case file stems to run")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a value in every case (e.g. a sensitivity sweep)")
    parser.add_argument("--fresh", action="store_true", help="rerun runs that are done")
    parser.add_argument("--cases", type=Path, default=None,
                        help="folder of *_ccd.toml to run instead of the source's")
    parser.add_argument("--as-written", action="store_true",
                        help="ignore the settings file (run the case files as they are)")
    parser.add_argument("--settings", type=Path, default=SETTINGS,
                        help="per-case settings (default cases/common/ccd_table.toml)")
    args = parser.parse_args()
    files = case_files(args.source, args.only, args.cases)
    folders = [files[0].parent, *(ROOT / "cases" / name / "ccd" for name in SOURCES.values())]
    settings = {} if args.as_written else table_settings(args.settings, folders)
    settings = {stem: entry for stem, entry in settings.items()
                if stem in {f.stem for f in files}}
    out = args.out / args.source
    print(f"ccd_table: source {args.source}, {len(files)} case(s), {args.jobs} at a time → "
          f"{out}", flush=True)
    started = time.time()
    for stem, entry in settings.items():
        print(f"  {stem}: {entry['label']}", flush=True)
    labels = {stem: entry["label"] for stem, entry in settings.items()}
    run_all([Job(case, run_folder(out, case.stem, labels),
                 settings.get(case.stem, {}).get("set", []) + args.set,
                 settings.get(case.stem, {}).get("ranks")) for case in files], args)
    rows = table(files, out, args.source, labels)
    chart(rows, out, args.source)
    print((out / "summary.md").read_text())
    print(f"ccd_table: {(time.time() - started) / 60:.1f} min; wrote {out / 'summary.md'} and "
          f"{out / 'ccd.png'}")


if __name__ == "__main__":
    main()
