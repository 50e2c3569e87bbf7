"""scripts/ccd_table.py end to end on one cheap coupled CCD case: run, resume, table, chart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.coupled.study_case import write_study_case

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ccd_table.py"


def test_runs_a_ccd_case_to_failure_and_writes_the_table(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    write_study_case(cases / "rve_ccd.toml", 0.3)
    out = tmp_path / "out"
    args = [sys.executable, str(SCRIPT), "A", "--cases", str(cases), "--out", str(out)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = (out / "A" / "summary.md").read_text()
    row = next(line for line in summary.splitlines() if "`rve_ccd`" in line).split("|")
    # the study RVE runs away by vacancy voids at 0.4 mA/cm2: the CCD is the level before it
    assert row[3].strip() == "0.2" and "contact lost" in row[4] and row[5].strip() == "0.4"
    assert row[8].strip() == "-33 %" and (out / "A" / "ccd.png").exists()
    again = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert again.returncode == 0 and "done before (kept)" in again.stdout


def test_ccd_text_keeps_half_steps():
    """A 0.05 mA/cm² ramp level (source C: 2.15) is printed as it is, not rounded to 2.1."""
    sys.path.insert(0, str(SCRIPT.parent))
    from ccd_table import ccd_text, outcome

    row = outcome({"ccd_A_m2": 21.5, "failed_level_A_m2": 22.0})
    assert ccd_text(row) == "2.15"
    assert ccd_text(outcome({"ccd_A_m2": 2.0, "failed_level_A_m2": 3.0})) == "0.2"


def test_miss_of_a_run_that_never_failed_is_a_lower_bound():
    """No failure up to 1.0 against a measured 0.4: the miss is at least +150 %."""
    sys.path.insert(0, str(SCRIPT.parent))
    from ccd_table import miss_text, reproduced

    never = {"predicted": None, "above": 1.0, "measured": 0.4}
    assert miss_text(never) == "> +150 %"
    assert miss_text({"predicted": 0.7, "above": None, "measured": 0.3}) == "+133 %"
    assert miss_text({"predicted": 0.7, "above": None, "measured": None}) == "—"
    assert not reproduced({"predicted": 0.7, "measured": 0.3})
    assert reproduced({"predicted": 2.15, "measured": 2.15})


def test_new_and_restarted_runs_checkpoint_every_protocol_step(tmp_path):
    """A killed batch loses at most one protocol step, also after a restart (restarted runs
    used to checkpoint only on SIGTERM/failure: a long step that ignored SIGTERM lost 20 min)."""
    sys.path.insert(0, str(SCRIPT.parent))
    from ccd_table import Job, command

    job = Job(Path("case.toml"), tmp_path / "run", ["a=1"])
    for state in ("new", "restart"):
        line = command(job, state, 1)
        assert line[line.index("--checkpoint-every") + 1] == "1", line
    assert "--restart" in command(job, "restart", 1)


def test_runs_on_several_ranks_use_the_environments_mpi_launcher(tmp_path):
    """``--ranks 2`` launches with the mpiexec next to the running Python (the venv's MPI, which
    is not on PATH unless the venv is activated; a bare "mpirun" failed to start)."""
    sys.path.insert(0, str(SCRIPT.parent))
    from ccd_table import Job, command

    line = command(Job(Path("case.toml"), tmp_path / "run"), "new", 2)
    assert Path(line[0]) == Path(sys.executable).with_name("mpiexec") and line[1:3] == ["-n", "2"]
    assert Path(line[0]).exists()
    assert line[3] == sys.executable


def test_settings_file_sets_values_for_one_case_and_the_summary_says_so(tmp_path):
    """A settings file (cases/common/ccd_table.toml) gives one case its own values (source A:
    CE1 on the shortened protocol): its run goes to <stem>-table, never mixed with a run of the
    case as written, and the summary marks the row and names what was set; a malformed entry is
    one clear line."""
    sys.path.insert(0, str(SCRIPT.parent))
    from ccd_table import run_folder, table, table_settings

    cases = tmp_path / "cases"
    cases.mkdir()
    write_study_case(cases / "rve_ccd.toml", 0.3)
    settings_file = tmp_path / "ccd_table.toml"
    assert table_settings(settings_file, [cases]) == {}
    settings_file.write_text('[rve_ccd]\nset = ["coupling.vacancy.lifetime=1 s"]\n'
                                      'label = "a longer lifetime"\n')
    settings = table_settings(settings_file, [cases])
    assert settings["rve_ccd"]["set"] == ["coupling.vacancy.lifetime=1 s"]
    labels = {"rve_ccd": "a longer lifetime"}
    out = tmp_path / "out"
    assert run_folder(out, "rve_ccd", labels) == out / "rve_ccd-table"
    assert run_folder(out, "rve_ccd", {}) == out / "rve_ccd"
    (out / "rve_ccd-table").mkdir(parents=True)
    (out / "rve_ccd-table" / "run.json").write_text(
        '{"status": "failed_contact_loss", "summary": {"ccd_A_m2": 2.0, '
        '"failed_level_A_m2": 3.0, "message": "stripping-limited"}}')
    rows = table([cases / "rve_ccd.toml"], out, "A", labels)
    assert rows[0]["predicted"] == 0.2 and rows[0]["stack"].endswith(" *")
    summary = (out / "summary.md").read_text()
    assert "`rve_ccd` was run with values set by `ccd_table.toml`: a longer lifetime." in summary
    for text, message in (('[rve_ccd]\nset = ["a=1"]\n', "needs set"),
                          ('[other_ccd]\nset = ["a=1"]\nlabel = "x"\n', "names no CCD case file"),
                          ('[rve_ccd]\nset = ["a=1"]\nlabel = "x"\nranks = 0\n', "ranks must be"),
                          ('[rve_ccd\n', "ccd_table.toml")):
        settings_file.write_text(text)
        with pytest.raises(SystemExit) as exit_info:
            table_settings(settings_file, [cases])
        assert message in str(exit_info.value) and "\n" not in str(exit_info.value)


def test_a_run_with_its_own_ranks_starts_first_and_alone(tmp_path, monkeypatch, capsys):
    """A job with more ranks (source A's CE1 on both cores) starts before the one-rank jobs and
    runs alone until its ranks are free; ranks beyond the batch's cores are capped to them."""
    import argparse

    sys.path.insert(0, str(SCRIPT.parent))
    import ccd_table

    launched = []

    def fake_command(job, state, ranks):
        launched.append((job.outdir.name, ranks))
        return [sys.executable, "-c", "import time; time.sleep(0.2)"]

    monkeypatch.setattr(ccd_table, "command", fake_command)
    jobs = [ccd_table.Job(Path("a.toml"), tmp_path / "one"),
            ccd_table.Job(Path("b.toml"), tmp_path / "wide", ranks=4),
            ccd_table.Job(Path("c.toml"), tmp_path / "two")]
    ccd_table.run_all(jobs, argparse.Namespace(jobs=2, ranks=1, fresh=True))
    assert launched == [("wide", 2), ("one", 1), ("two", 1)]
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == "wide: started on 2 ranks" and lines[1].startswith("wide: exit 0")
    assert lines[2:4] == ["one: started", "two: started"]


@pytest.mark.parametrize("bound", ["ce3_mg_ce1_contact", "ce4_agmg_reversed_ce1_contact"])
def test_bound_cases_keep_ce1s_contact_state_and_table_protocol(bound):
    """The source A bound cases copy CE1's calibrated contact state and the shortened protocol
    that ccd_table.toml sets for CE1: a recalibration of CE1 must not leave them behind."""
    import tomllib

    from ssbstack.config.loader import load_case

    source_a = ROOT / "cases" / "badding2025"
    settings = tomllib.loads((ROOT / "cases" / "common" / "ccd_table.toml").read_text())
    ce1 = load_case(source_a / "ccd" / "ce1_ccd.toml", settings["ce1_ccd"]["set"])
    case = load_case(source_a / "bounds" / f"{bound}.toml")
    assert case.geometry.width == ce1.geometry.width
    assert case.geometry.mesh == ce1.geometry.mesh
    assert case.geometry.interfaces == ce1.geometry.interfaces
    assert case.protocol == ce1.protocol


def test_a_job_given_relative_paths_runs_them_from_the_callers_directory(tmp_path, monkeypatch):
    """Jobs run with the repository as working directory: a case or output path relative to the
    caller's directory is made absolute first (it once failed with 'file not found')."""
    sys.path.insert(0, str(SCRIPT.parent))
    from ccd_table import Job, command

    monkeypatch.chdir(tmp_path)
    line = command(Job(Path("my_case.toml"), Path("out/run")), "new", 1)
    assert str(tmp_path / "my_case.toml") in line and str(tmp_path / "out" / "run") in line
    assert str(tmp_path / "out" / "run") in command(Job(Path("c.toml"), Path("out/run")),
                                                    "restart", 1)
