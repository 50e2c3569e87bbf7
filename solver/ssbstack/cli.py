"""Command line: ``ssbstack validate | run | mesh | interface | verify | cases | info``.

Exit codes: 0 success; 2 bad input (one line on stderr, nothing written); 3 a solve failed after
all cut-backs (results and a checkpoint of the last good state are kept); 75 stopped by SIGTERM
after writing a checkpoint (resume with ``run --restart DIR``); 1 an unexpected error (under MPI,
all ranks are aborted so none waits forever).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssbstack import __version__
from ssbstack.errors import CaseError, RunStopped, SolverError

if TYPE_CHECKING:
    from ssbstack.config.schema import Case

EXIT_USER_ERROR = 2
EXIT_SOLVER_FAILED = 3
EXIT_STOPPED = 75  # EX_TEMPFAIL: stopped on request, resumable


def _world() -> Any:
    from ssbstack.compat import load_dolfinx

    load_dolfinx()
    from mpi4py import MPI

    return MPI.COMM_WORLD


def _printer(comm: Any) -> Callable[[str], None]:
    def say(message: str) -> None:
        if comm is None or comm.rank == 0:
            print(message, flush=True)

    return say


def _add_case_arguments(parser: argparse.ArgumentParser, optional: bool = False) -> None:
    parser.add_argument("case", type=Path, nargs="?" if optional else None,
                        help="case file (.toml, or a resolved .json)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="override a case value, e.g. geometry.width='100 um'")
    parser.add_argument("--allow-large", action="store_true",
                        help="mesh even when the estimated cell count is above the limit "
                        "(5e6 cells per MPI rank)")


def _check_mesh_size(case: Case, path: Path, ranks: int,
                     allow_large: bool) -> dict[str, float] | None:
    """The estimated cell count; a one-line error naming ``path`` when it is above the limit."""
    from ssbstack.meshing.stack import check_mesh_size

    try:
        return check_mesh_size(case, ranks, allow_large)
    except CaseError as exc:
        raise CaseError(exc.detail, file=str(path), key=exc.key) from None


def command_validate(args: argparse.Namespace) -> int:
    """Validate a case file and print what it describes."""
    from ssbstack.config.loader import load_case
    from ssbstack.meshing.stack import MAX_CELLS_PER_RANK

    case = load_case(args.case, args.overrides)
    cells = _check_mesh_size(case, args.case, 1, args.allow_large)
    steps = case.protocol.expanded()
    statuses: dict[str, int] = {}
    for entry in case.provenance.values():
        key = entry.get("status") or "unmarked"
        statuses[key] = statuses.get(key, 0) + 1
    stack = " | ".join(f"{layer.name} ({layer.material}, {layer.thickness * 1e6:g} µm)"
                       for layer in case.stack)
    print(f"{args.case}: valid case '{case.name}' (source {case.source.id}"
          f"{' ' + case.source.configuration if case.source.configuration else ''})")
    print(f"  stack (bottom → top): {stack}")
    print(f"  meshed layers: {', '.join(case.tags.layers)}; interfaces: "
          f"{', '.join(i.name + (' [sheets: ' + ', '.join(i.sheets) + ']' if i.sheets else '')
                      for i in case.tags.interfaces)}")
    print(f"  protocol: {len(steps)} steps, {sum(s.duration or 0.0 for s in steps) / 3600:.4g} h")
    if cells is None:
        print(f"  mesh: read from {case.geometry.file} (no cell estimate)")
    else:
        print(f"  mesh: about {sum(cells.values()):.1g} cells (order-of-magnitude estimate; limit "
              f"{MAX_CELLS_PER_RANK:.0e} per MPI rank)")
    print("  provenance: " + ", ".join(f"{n} {k}" for k, n in sorted(statuses.items())))
    return 0


def command_run(args: argparse.Namespace) -> int:
    """Run a case and write its results folder, or resume a run from its checkpoint."""
    from ssbstack.config.loader import load_case, resolved_json
    from ssbstack.simulation import run_case

    if args.restart is not None:
        if args.case is not None or args.overrides:
            raise CaseError("--restart DIR takes its case from DIR/case.resolved.json: "
                            "give no CASE and no --set")
        outdir = args.restart
        case = load_case(outdir / "case.resolved.json")
    elif args.case is None:
        raise CaseError("give a CASE file (or --restart DIR)")
    else:
        case = load_case(args.case, args.overrides)  # validated before anything is written
        outdir = args.output or Path("results") / case.name
    comm = _world()
    _check_mesh_size(case, args.case or outdir / "case.resolved.json", comm.size, args.allow_large)
    say = _printer(comm)
    say(f"ssbstack {__version__}: case '{case.name}' (source {case.source.id}) on "
        f"{comm.size} rank(s) → {outdir}")
    summary = run_case(case, resolved_json(case), outdir, comm, overwrite=args.overwrite, log=say,
                       checkpoint_every=args.checkpoint_every, restart=args.restart is not None)
    say(f"done: {summary.status}; {summary.footprint}; results in {outdir}")
    return 0


def command_cases(args: argparse.Namespace) -> int:
    """List the case files under a folder with their source and description."""
    from ssbstack.config.loader import load_case

    root = args.folder
    files = sorted(p for p in root.rglob("*.toml") if "common" not in p.parts)
    if not files:
        raise CaseError(f"{root}: no case files found")
    for path in files:
        try:
            case = load_case(path)
        except CaseError as exc:
            print(f"{path}  INVALID: {exc.detail}")
            continue
        configuration = f" {case.source.configuration}" if case.source.configuration else ""
        print(f"{path}  [{case.source.id}{configuration}]  {case.description or case.name}")
    return 0


def command_mesh(args: argparse.Namespace) -> int:
    """Mesh a case and write mesh.xdmf (+ tags), mesh.msh and mesh.json (tags, quality)."""
    from ssbstack.config.loader import load_case
    from ssbstack.io.results import prepare_output
    from ssbstack.meshing.files import mesh_case
    from ssbstack.meshing.quality import describe

    case = load_case(args.case, args.overrides)
    comm = _world()
    _check_mesh_size(case, args.case, comm.size, args.allow_large)
    say = _printer(comm)
    outdir = prepare_output(args.output, args.overwrite, comm, subfolders=())
    stack_mesh = mesh_case(case, comm, outdir)
    say(f"mesh: {describe(case.geometry.kind, stack_mesh.quality)} → {outdir}")
    return 0


def command_warm_cache(args: argparse.Namespace) -> int:
    """Compile (JIT) every form of a case once, so many ranks later find them in the cache."""
    from ssbstack.config.loader import load_case
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.simulation import build_models, split_for

    case = load_case(args.case, args.overrides)
    comm = _world()
    _check_mesh_size(case, args.case, comm.size, args.allow_large)
    for model in build_models(case, build_mesh(case, comm, split=split_for(case)), comm, None):
        model.close()
    _printer(comm)(f"forms of '{case.name}' compiled into the JIT cache")
    return 0


def _quantity(text: str, dimension: str, option: str) -> float:
    """A positive command-line quantity in SI units (read as the case files read them)."""
    from ssbstack.units import UnitError, to_si

    try:
        value = to_si(text, dimension)
    except UnitError as exc:
        raise CaseError(f"{option}: {exc}") from None
    if not value > 0.0:
        raise CaseError(f"{option}: must be > 0, got '{text}'")
    return value


def command_interface(args: argparse.Namespace) -> int:
    """Derive the real contact's R_ct from a measured interfacial resistance (physics.md §3.2)."""
    from ssbstack.config.loader import load_case
    from ssbstack.post.interface_resistance import (
        derive_charge_transfer,
        electrode_interfaces,
        table_lines,
    )

    case = load_case(args.case, args.overrides)
    try:
        electrode_interfaces(case)  # in the route's scope, before MPI and any solve
    except CaseError as exc:
        raise CaseError(exc.detail, file=str(args.case), key=exc.key) from None
    measured = _quantity(args.measured, "area resistance", "--measured")
    current = _quantity(args.current, "current density", "--current")
    if not 0.0 < args.tolerance < 0.01:
        raise CaseError(f"--tolerance: must be in (0, 0.01), got {args.tolerance:g}")
    comm = _world()
    _check_mesh_size(case, args.case, comm.size, args.allow_large)
    say = _printer(comm)
    say(f"{args.case}: R_int = {args.measured} (measured, per interface) -> R_ct of the real "
        f"contact, contact state as the case states it; linear kinetics at {args.current}, "
        f"{comm.size} rank(s)")
    try:
        derivation = derive_charge_transfer(case, measured, comm, current=current,
                                            tolerance=args.tolerance)
    except CaseError as exc:
        raise CaseError(exc.detail, file=str(args.case), key=exc.key) from None
    for line in table_lines(derivation):
        say(line)
    return 0


def command_info(args: argparse.Namespace) -> int:
    """Print versions of ssbstack and its numerical stack."""
    from ssbstack.compat import versions

    comm = _world()
    say = _printer(comm)
    say(f"ssbstack {__version__}")
    for name, version in versions().items():
        say(f"  {name:8s} {version}")
    say(f"  ranks    {comm.size}")
    return 0


def command_verify(args: argparse.Namespace) -> int:
    """Run the verification checks and print a table; exit 1 if any fails."""
    comm = _world()
    say = _printer(comm)
    from ssbstack.verification import discover, run_check

    checks = discover()
    selected = {n: c for n, c in checks.items() if not args.only or any(k in n for k in args.only)}
    if not selected:
        raise CaseError(f"--only {' '.join(args.only)}: no such check (known: {', '.join(checks)})")
    header = f"{'check':44s} {'reference':>14s} {'computed':>14s} {'rel.error':>10s} {'tol':>8s}"
    say(header + "  pass")
    say("-" * (len(header) + 6))
    failed = 0
    for name, check in selected.items():
        result = run_check(name, check, comm)
        failed += not result.passed
        say(f"{name:44.44s} {result.reference:14.6e} {result.computed:14.6e} "
            f"{result.rel_error:10.2e} {result.tolerance:8.1e}  {'yes' if result.passed else 'NO'}")
    say(f"{len(selected) - failed} passed, {failed} failed")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (documented in README.md)."""
    parser = argparse.ArgumentParser(
        prog="ssbstack",
        description="Finite-element multiphysics for Li-metal solid-state battery stacks.",
    )
    parser.add_argument("--version", action="version", version=f"ssbstack {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check a case file; exit 2 with one line if bad")
    _add_case_arguments(validate)
    validate.set_defaults(handler=command_validate)

    run = commands.add_parser("run", help="run a case (use mpirun -n N for parallel runs)")
    _add_case_arguments(run, optional=True)
    run.add_argument("-o", "--output", type=Path, help="results folder (default results/<name>)")
    run.add_argument("--overwrite", action="store_true", help="replace an existing results folder")
    run.add_argument("--checkpoint-every", type=int, default=0, metavar="N",
                     help="write a checkpoint every N protocol steps (0: only on SIGTERM/failure)")
    run.add_argument("--restart", type=Path, metavar="DIR",
                     help="resume the run in DIR from its checkpoint (any number of ranks)")
    run.set_defaults(handler=command_run)

    cases = commands.add_parser("cases", help="list the bundled case files")
    cases.add_argument("folder", type=Path, nargs="?", default=Path("cases"))
    cases.set_defaults(handler=command_cases)

    mesh = commands.add_parser("mesh", help="mesh a case and write the mesh alone")
    _add_case_arguments(mesh)
    mesh.add_argument("-o", "--output", type=Path, required=True, help="mesh folder")
    mesh.add_argument("--overwrite", action="store_true", help="replace an existing mesh folder")
    mesh.set_defaults(handler=command_mesh)

    warm = commands.add_parser("warm-cache", help="JIT-compile a case's forms once (before big runs)")
    _add_case_arguments(warm)
    warm.set_defaults(handler=command_warm_cache)

    verify = commands.add_parser("verify", help="run the verification checks (exit 1 on a failure)")
    verify.add_argument("--only", nargs="+", default=[], metavar="NAME",
                        help="run only checks whose name contains one of these")
    verify.set_defaults(handler=command_verify)

    interface = commands.add_parser(
        "interface", help="derive the real contact's R_ct from a measured interfacial resistance")
    _add_case_arguments(interface)
    interface.add_argument("--measured", required=True, metavar="R_INT",
                           help="measured small-signal interfacial resistance per interface, "
                           "e.g. '10.6 Ohm cm2'")
    interface.add_argument("--current", default="0.01 mA/cm2",
                           help="current density of the linear solves (default 0.01 mA/cm2)")
    interface.add_argument("--tolerance", type=float, default=1e-4,
                           help="relative miss of R_int allowed in the re-solve (default 1e-4)")
    interface.set_defaults(handler=command_interface)

    info = commands.add_parser("info", help="versions of ssbstack, DOLFINx, PETSc, MPI")
    info.set_defaults(handler=command_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ssbstack`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CaseError as exc:
        _rank0_error(f"error: {exc}")
        return EXIT_USER_ERROR
    except SolverError as exc:
        _rank0_error(f"solver failed: {exc}")
        return EXIT_SOLVER_FAILED
    except RunStopped as exc:
        _rank0_error(f"{exc}; resume with: ssbstack run --restart <results folder>")
        return EXIT_STOPPED
    except KeyboardInterrupt:
        _rank0_error("interrupted")
        return 130
    except BrokenPipeError:  # the reader went away (ssbstack ... | head): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:
        traceback.print_exc()
        _abort_all_ranks()
        return 1


def _rank0_error(message: str) -> None:
    rank = 0
    if "mpi4py.MPI" in sys.modules:
        rank = sys.modules["mpi4py.MPI"].COMM_WORLD.rank
    if rank == 0:
        print(message, file=sys.stderr, flush=True)


def _abort_all_ranks() -> None:
    """An unexpected error on one rank must not leave the others waiting in a collective."""
    if "mpi4py.MPI" in sys.modules:
        world = sys.modules["mpi4py.MPI"].COMM_WORLD
        if world.size > 1:
            sys.stderr.flush()
            time.sleep(1.0)  # let mpirun forward this rank's error text before the abort
            world.Abort(1)


if __name__ == "__main__":
    sys.exit(main())
