"""scripts/fixture_sweep.py without the solver: command lines, overwrite guard, failure message,
summary table and plot from synthetic time series."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import script_module

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sweep():
    yield from script_module("fixture_sweep")


def fake_results(sweep, out: Path) -> None:
    """Three rows per run: the pressure drops by 1 % (fixed gap only), the Li thins by 5 µm."""
    for run in (sweep.Run(f, p) for f in sweep.CASES for p in sweep.PRESSURES_MPA):
        folder = out / run.name
        folder.mkdir(parents=True)
        drop = 0.01 if run.fixture == "fixed_gap" else 0.0
        p0 = run.pressure_mpa * 1e6
        rows = ["time_s,current_density_A_m2,stack_pressure_Pa,plate_displacement_m,li_thickness_m,"
                "contact_fraction,max_gap_m"]
        rows += [f"{t},{10.0 if t else 0.0},{p0 * (1 - drop * t / 3600)},{-1e-6 * t / 3600},"
                 f"{100e-6 - 5e-6 * t / 3600},{1 - 0.1 * t / 3600},{2e-7 * t / 3600}"
                 for t in (0.0, 1800.0, 3600.0)]
        (folder / "timeseries.csv").write_text("\n".join(rows) + "\n")
        (folder / "run.json").write_text(json.dumps({"wall_seconds": {"total": 90.0}}))
        case = {"stack": [{"material": "Li"}], "materials": {"Li": {"molar_volume": 1.3e-5}}}
        (folder / "case.resolved.json").write_text(json.dumps(case))


def test_command(sweep, tmp_path):
    run = sweep.Run("fixed_gap", 3)
    cmd = sweep.command(run, tmp_path / run.name, ranks=1, overwrite=False)
    assert cmd[1:3] == ["run", str(sweep.CASES["fixed_gap"])]
    assert cmd[-2:] == ["--set", 'conditions.stack_pressure="3 MPa"']
    assert "--overwrite" not in cmd
    cmd = sweep.command(run, tmp_path / run.name, ranks=2, overwrite=True)
    assert Path(cmd[0]).name == "mpirun" and cmd[1:3] == ["-n", "2"]
    assert cmd[-1] == "--overwrite"


def test_refuses_to_overwrite(sweep, tmp_path, monkeypatch):
    (tmp_path / "springs_1MPa").mkdir()
    monkeypatch.setattr(sys, "argv", ["fixture_sweep.py", "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="springs_1MPa; use --overwrite"):
        sweep.main()


def test_failed_run_message(sweep, tmp_path, monkeypatch):
    script = ("import sys; print('step 1'); sys.stderr.write('trace\\nSolverError: Newton diverged\\n');"
              " sys.exit(3)")
    monkeypatch.setattr(sweep, "command", lambda *args: [sys.executable, "-c", script])
    with pytest.raises(SystemExit, match=r"springs_1MPa failed \(exit 3.*SolverError: Newton diverged"):
        sweep.run_all([sweep.Run("springs", 1)], tmp_path, ranks=1, jobs=2, overwrite=False)


def test_plot_only(sweep, tmp_path, monkeypatch, capsys):
    fake_results(sweep, tmp_path)
    figure = tmp_path / "fig.png"
    monkeypatch.setattr(sys, "argv", ["fixture_sweep.py", "--out", str(tmp_path), "--figure", str(figure),
                                      "--plot-only"])
    sweep.main()
    table = (tmp_path / "summary.md").read_text()
    assert table in capsys.readouterr().out
    # 1 mAh/cm² strips 4.8505 µm of Li (Ω = 13 cm³/mol), so 0.1495 µm of the 5 µm is beyond stripping
    assert ("| fixed gap, 5 MPa | 5.0000 | 4.9500 | -0.0500 | -1.00% | -1.000 | -5.000 | -0.150 | 0.900"
            " | 0.200 | 1.00 | 90 |" in table)
    assert "| springs, 1 MPa | 1.0000 | 1.0000 | +0.0000 | +0.00% |" in table
    assert figure.stat().st_size > 10_000
