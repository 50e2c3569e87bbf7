"""`ssbstack run` writes a complete results folder and never overwrites one silently."""

import csv
import json
from pathlib import Path

from ssbstack.cli import main

DEMO = str(Path(__file__).resolve().parents[2] / "cases" / "badding2025" / "ex1_agmg_ccd.toml")
SHORT = 'protocol.steps=["Strip at 1 mA/cm2 for 10 minutes", "Rest for 5 minutes"]'


def test_results_folder_contents(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", DEMO, "-o", str(out), "--set", SHORT]) == 0
    for name in ("case.resolved.json", "run.json", "timeseries.csv", "report.md",
                 "voltage_current.png", "fields/electrolyte.bp"):
        assert (out / name).exists(), name
    with (out / "timeseries.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {"time_s", "current_density_A_m2", "voltage_V"} <= set(rows[0])
    assert [float(r["time_s"]) for r in rows] == [0.0, 0.0, 600.0, 600.0, 900.0]
    assert float(rows[1]["voltage_V"]) > 0.0 and abs(float(rows[3]["voltage_V"])) < 1e-12
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "completed" and record["mpi_ranks"] == 1
    assert record["versions"]["dolfinx"].startswith("0.11")
    assert len(record["case_sha256"]) == 64 and "revision" in record["git"]
    assert {"mesh", "setup", "protocol", "total"} <= set(record["wall_seconds"])
    log = capsys.readouterr().out
    assert "[1/2]" in log and "[2/2]" in log


def test_existing_folder_is_refused_then_replaced_with_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("user data")
    assert main(["run", DEMO, "-o", str(out), "--set", SHORT]) == 2
    assert "results folder exists" in capsys.readouterr().err
    assert (out / "keep.txt").exists()
    assert main(["run", DEMO, "-o", str(out), "--set", SHORT, "--overwrite"]) == 0
    assert not (out / "keep.txt").exists() and (out / "timeseries.csv").exists()


def test_voltage_limit_stops_a_ramp_and_reports_the_ccd(tmp_path):
    out = tmp_path / "run"
    ramp = ('protocol.steps=[{ramp = "1 to 5 mA/cm2 by 1 mA/cm2", '
            'steps = ["Strip for 1 minute", "Plate for 1 minute"]}]')
    # ASR ≈ 0.0145 Ω m²: |V| passes 0.5 V between 3 and 4 mA/cm² (0.435 → 0.58 V)
    assert main(["run", DEMO, "-o", str(out), "--set", ramp, "--set", "protocol.voltage_limit=0.5 V"]) == 0
    summary = json.loads((out / "run.json").read_text())["summary"]
    assert summary["status"] == "failed_voltage_limit"
    assert summary["ccd_A_m2"] == 30.0 and summary["failed_level_A_m2"] == 40.0
    assert "| ccd | prediction | 3 mA/cm2 | 2.4 mA/cm2 | +25.0 % |" in (out / "report.md").read_text()


def test_mesh_command_writes_the_mesh_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "mesh"
    assert main(["mesh", DEMO, "-o", str(out)]) == 0
    for name in ("mesh.xdmf", "mesh.h5", "mesh.msh", "mesh.json"):
        assert (out / name).exists(), name
    info = json.loads((out / "mesh.json").read_text())
    assert info["cells"] == {"bottom_li": 1, "se": 2, "top_li": 3}
    assert info["quality"]["quality_min"] > 0.3
    assert main(["mesh", DEMO, "-o", str(out)]) == 2
    assert "exists" in capsys.readouterr().err


def test_stress_coupling_is_refused_until_a_model_provides_the_stress(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", DEMO, "-o", str(out), "--set", SHORT,
                 "--set", "electrochemistry.stress_coupling=true"]) == 2
    assert "electrochemistry.stress_coupling: no model provides" in capsys.readouterr().err
