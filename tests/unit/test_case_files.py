"""Case files: extends, --set overrides, provenance, and one-line errors with exit code 2."""

import json
import math
import shutil
from pathlib import Path

import pytest

from ssbstack.cli import main
from ssbstack.config.loader import load_case, resolved_json
from ssbstack.errors import CaseError

CASES = Path(__file__).resolve().parents[2] / "cases"
DEMO = CASES / "badding2025" / "ex1_agmg_ccd.toml"


def test_demo_case_resolves_extends_and_provenance():
    case = load_case(DEMO)
    assert [layer.name for layer in case.stack][:3] == ["bottom_li", "bottom_mg", "bottom_ag"]
    assert case.tags.layers == ("bottom_li", "se", "top_li")
    assert case.tags.interfaces[0].sheets == ("bottom_mg", "bottom_ag")
    assert case.materials["LLZTO"].ionic_conductivity == pytest.approx(0.045)
    assert case.provenance["stack[3].thickness"]["status"] == "measured"
    assert case.provenance["conditions.stack_pressure"]["status"] == "assumed"
    assert case.source.id == "A"


def test_overrides_change_values_and_create_tables():
    case = load_case(DEMO, ["geometry.width=50 um", "conditions.temperature=40 degC",
                            "numerics.element_degree=2", "outputs.plots=false"])
    assert case.geometry.width == pytest.approx(50e-6)
    assert case.conditions.temperature == pytest.approx(313.15)
    assert case.numerics.element_degree == 2 and case.outputs.plots is False


def test_override_keys_may_be_quoted():
    case = load_case(DEMO, ['geometry.interfaces."bottom_li|se".morphology=single_void',
                            'geometry.interfaces."bottom_li|se".radius=20 um'])
    assert case.geometry.interfaces["bottom_li|se"].radius == pytest.approx(20e-6)


def test_resolved_case_loads_back_identically(tmp_path):
    case = load_case(DEMO, ["geometry.width=80 um"])
    resolved = tmp_path / "case.resolved.json"
    resolved.write_text(resolved_json(case))
    again = load_case(resolved)
    assert again == case
    assert json.loads(resolved.read_text())["geometry"]["width"] == pytest.approx(80e-6)


def test_arrhenius_conductivity():
    llzto = load_case(DEMO).materials["LLZTO"]
    ratio = llzto.ionic_conductivity_at(313.15) / llzto.ionic_conductivity_at(298.15)
    expected = math.exp(0.35 * 96485.33212 / 8.314462618 * (1 / 298.15 - 1 / 313.15))
    assert ratio == pytest.approx(expected, rel=1e-12)


GOOD_TAIL = '''
[geometry]
kind = "planar2d"
width = "100 um"
'''

STACK = """
[[stack]]
name = "bottom"
material = "Li"
thickness = "20 um"
[[stack]]
name = "se"
material = "{se_material}"
thickness = "{se_thickness}"
[[stack]]
name = "top"
material = "Li"
thickness = "20 um"
"""

BAD_CASES = {
    # name: (text replacing/added to a copy of the demo case, expected fragment of the message)
    "unknown_key": ('[outputs]\nfeilds = false\n', "outputs.feilds: unknown key"),
    "wrong_type": ('[numerics]\nelement_degree = "two"\n', "numerics.element_degree"),
    "negative_thickness": (STACK.format(se_material="LLZTO", se_thickness="-5 um"),
                           "stack[1].thickness: Input should be greater than 0"),
    "missing_material": (STACK.format(se_material="LLZX", se_thickness="0.5 mm"),
                         "stack[1].material: unknown material 'LLZX' (known: Ag,"),
    "duplicate_layer": (STACK.format(se_material="LLZTO", se_thickness="0.5 mm").replace(
        'name = "top"', 'name = "bottom"'), "layer names must be unique, repeated: bottom"),
    "wrong_dimension": ('[conditions]\nstack_pressure = "5 mA/cm2"\n',
                        "conditions.stack_pressure: '5 mA/cm2' is a current density"),
    "unknown_unit": ('[geometry]\nwidth = "20 furlongs"\n', "geometry.width: unknown unit"),
    "never_ending_step": ('[protocol]\nsteps = ["Strip at 1 mA/cm2"]\n', "never ends"),
    "unreadable_step": ('[protocol]\nsteps = ["Dance for 1 h"]\n', "cannot read step"),
    "two_rates": ('[electrochemistry.kinetics]\nexchange_current_density = "1 mA/cm2"\n',
                  "exactly one of exchange_current_density or charge_transfer_resistance"),
    "bad_status": ('[conditions]\ntemperature = { value = "25 degC", status = "guessed" }\n',
                   "conditions.temperature: status 'guessed'"),
    "unknown_interface": ('[electrochemistry.interfaces."li|se"]\n'
                          'charge_transfer_resistance = "1 Ohm cm2"\n', "no such interface"),
    "bad_source": ('[source]\nid = "Z"\n', "source.id"),
    "negative_temperature": ('[conditions]\ntemperature = -4\n', "conditions.temperature"),
}


def _variant(tmp_path: Path, text: str) -> Path:
    """A case file in tmp_path that extends the demo case and adds ``text``."""
    shutil.copytree(CASES / "badding2025", tmp_path / "badding2025")
    shutil.copytree(CASES / "common", tmp_path / "common")
    path = tmp_path / "badding2025" / "variant.toml"
    path.write_text(f'extends = "ex1_agmg_ccd.toml"\n{text}')
    return path


def _assert_one_line_exit_2(capsys, argv, fragment):
    code = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ")
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in captured.err + captured.out


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_case_gives_one_line_and_exit_2(tmp_path, capsys, name):
    text, fragment = BAD_CASES[name]
    path = _variant(tmp_path, text)
    _assert_one_line_exit_2(capsys, ["validate", str(path)], fragment)


def test_bad_case_run_writes_nothing(tmp_path, capsys):
    path = _variant(tmp_path, BAD_CASES["negative_thickness"][0])
    out = tmp_path / "results"
    _assert_one_line_exit_2(capsys, ["run", str(path), "-o", str(out)], "greater than 0")
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[geometry\nwidth = 1", "not valid TOML"),
        ('extends = "missing_base.toml"\n', "extends: file 'missing_base.toml' not found"),
        ('extends = "loop.toml"\n', "extends loops back to itself"),
    ],
)
def test_unreadable_files(tmp_path, capsys, text, fragment):
    path = tmp_path / "loop.toml"
    path.write_text(text)
    _assert_one_line_exit_2(capsys, ["validate", str(path)], fragment)


def test_missing_file_and_bad_override(tmp_path, capsys):
    _assert_one_line_exit_2(capsys, ["validate", str(tmp_path / "nope.toml")], "file not found")
    _assert_one_line_exit_2(capsys, ["validate", str(DEMO), "--set", "geometry.width.x=1"],
                            "'geometry.width' is not a table")
    _assert_one_line_exit_2(capsys, ["validate", str(DEMO), "--set", "nokey"],
                            "expected dotted.key=value")


def test_minimal_case_without_electrochemistry_kinetics_is_rejected(tmp_path):
    path = tmp_path / "case.toml"
    path.write_text(f'''extends = "{CASES / "common" / "materials.toml"}"
name = "minimal"
[source]
id = "verification"
citation = "test"
[[stack]]
name = "a"
material = "Li"
thickness = "10 um"
[[stack]]
name = "se"
material = "LLZO"
thickness = "100 um"
[[stack]]
name = "b"
material = "Li"
thickness = "10 um"
[protocol]
steps = ["Rest for 1 s"]
{GOOD_TAIL}''')
    with pytest.raises(CaseError, match=r"no kinetics for interface 'a\|se'"):
        load_case(path)


def test_validate_prints_a_summary(capsys):
    assert main(["validate", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert "valid case 'badding2025-ex1-agmg-ccd'" in out
    assert "120 steps" in out and "[sheets: bottom_mg, bottom_ag]" in out


# -- physically impossible inputs (issue 15): refused before any work --------------------------
HOSTILE = {
    # name: (text added to a copy of the demo case, expected fragment of the one-line error)
    "infinite_pressure": ("[conditions]\nstack_pressure = inf\n",
                          "conditions.stack_pressure: expected a finite pressure, got inf"),
    "zero_conductivity": ('[materials.LLZTO]\nionic_conductivity = "0 mS/cm"\n',
                          "materials.LLZTO.ionic_conductivity: Input should be greater than 0"),
    "molten_lithium": ('[conditions]\ntemperature = "5000 degC"\n',
                       "conditions.temperature: 5273.15 K (5000 °C) is outside the allowed range "
                       "200 K to below 453.65 K (180.5 °C, the Li melting point; metals in the "
                       "stack: Li)"),
    "li_at_190C": ('[conditions]\ntemperature = "190 degC"\n',
                   "conditions.temperature: 463.15 K (190 °C) is outside the allowed range 200 K to "
                   "below 453.65 K (180.5 °C, the Li melting point; metals in the stack: Li)"),
    "nanometre_mesh": ('[geometry.mesh]\nbulk = "1 nm"\ninterface = "1 nm"\n',
                       "geometry.mesh.bulk: 1e-09 m gives about 3e+11 cells (order-of-magnitude "
                       "estimate), above the limit 5e+06"),
}

REFUSED = {
    # name: (--set overrides on the demo case, expected fragment of the one-line error)
    "nan_pressure": (["conditions.stack_pressure=nan"], "conditions.stack_pressure: expected a "
                     "finite pressure, got nan"),
    "overflowing_pressure": (["conditions.stack_pressure=1e999 MPa"],
                             "conditions.stack_pressure: expected a finite pressure"),
    "infinite_temperature": (["conditions.temperature=-inf"], "conditions.temperature: expected "
                             "a finite temperature"),
    "nan_plain_number": (["geometry.mesh.grading=nan"], "geometry.mesh.grading: Input should be "
                         "a finite number"),
    "infinite_target": (["targets.ccd.value=inf"], "targets.ccd.value: Input should be a finite"),
    "negative_conductivity": (["materials.LLZTO.ionic_conductivity=-0.45 mS/cm"],
                              "materials.LLZTO.ionic_conductivity: Input should be greater than 0"),
    "zero_electronic_conductivity": (["materials.Ag_film.electronic_conductivity=0"],
                                     "materials.Ag_film.electronic_conductivity: Input should be "
                                     "greater than 0"),
    "zero_diffusivity": (["materials.Mg_film.diffusivity=0 cm2/s"],
                         "materials.Mg_film.diffusivity: Input should be greater than 0"),
    "zero_molar_volume": (["materials.Li.molar_volume=0"],
                          "materials.Li.molar_volume: Input should be greater than 0"),
    "zero_modulus": (["materials.LLZTO.youngs_modulus=0 GPa"],
                     "materials.LLZTO.youngs_modulus: Input should be greater than 0"),
    "negative_modulus": (["materials.Li.youngs_modulus=-7.8 GPa"],
                         "materials.Li.youngs_modulus: Input should be greater than 0"),
    "negative_area_resistance": (["materials.Ag_film.area_resistance=-1 Ohm cm2"],
                                 "materials.Ag_film.area_resistance: Input should be greater than "
                                 "or equal to 0"),
    "negative_activation_energy": (["materials.LLZTO.activation_energy=-0.35 eV"],
                                   "materials.LLZTO.activation_energy: Input should be greater "
                                   "than or equal to 0"),
    "negative_creep_activation": (["materials.Li.creep.activation_energy=-37 kJ/mol"],
                                  "materials.Li.creep.activation_energy: Input should be greater"),
    "zero_charge_transfer": (["electrochemistry.kinetics.charge_transfer_resistance=0 Ohm cm2"],
                             "electrochemistry.kinetics.charge_transfer_resistance: Input should "
                             "be greater than 0"),
    "zero_exchange_current": (['electrochemistry.interfaces."bottom_li|se".exchange_current_density'
                               "=0 mA/cm2"], "exchange_current_density: Input should be greater "
                              "than 0"),
    "zero_width": (["geometry.width=0 um"], "geometry.width: Input should be greater than 0"),
    "zero_radius": (["geometry.kind=axisymmetric", "geometry.electrolyte_radius=5 mm",
                     "geometry.radii.se=0 mm"], "geometry.radii.se: Input should be greater than 0"),
    "above_li_melting": (["conditions.temperature=181 degC"], "conditions.temperature: 454.15 K "
                         "(181 °C) is outside the allowed range 200 K to below 453.65 K"),
    "li_at_190C": (["conditions.temperature=190 degC"], "conditions.temperature: 463.15 K (190 °C) "
                   "is outside the allowed range 200 K to below 453.65 K (180.5 °C, the Li melting "
                   "point; metals in the stack: Li)"),
    "at_li_melting": (["conditions.temperature=180.5 degC"], "conditions.temperature: 453.65 K "
                      "(180.5 °C) is outside the allowed range 200 K to below 453.65 K"),
    "below_floor": (["conditions.temperature=199 K"], "conditions.temperature: 199 K (-74.15 °C) "
                    "is outside the allowed range 200 K"),
    "absolute_zero": (["conditions.temperature=0"], "conditions.temperature: 0 K"),
    "hot_reference": (["materials.LLZTO.reference_temperature=500 K"],
                      "materials.LLZTO.reference_temperature: 500 K"),
    "cold_creep_reference": (["materials.Li.creep.reference_temperature=100 K"],
                             "materials.Li.creep.reference_temperature: 100 K"),
    "cold_target": (["targets.ccd.temperature=-100 degC"], "targets.ccd.temperature: 173.15 K"),
    "fine_interface": (["geometry.mesh.interface=1 nm"], "geometry.mesh.interface: 1e-09 m gives"),
    "fine_edges": (["geometry.kind=box3d", 'geometry.interfaces."bottom_li|se".morphology=single_void',
                    'geometry.interfaces."bottom_li|se".radius=20 um', "geometry.mesh.edge=1 nm"],
                   "geometry.mesh.edge: 1e-09 m gives about 4e+07 cells"),
    "large_3d_box": (["geometry.kind=box3d", "geometry.mesh.bulk=2 um"],
                     "geometry.mesh.bulk: 2e-06 m gives about"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_case_is_refused_before_anything_is_written(tmp_path, capsys, name):
    text, fragment = HOSTILE[name]
    path = _variant(tmp_path, text)
    _assert_one_line_exit_2(capsys, ["validate", str(path)], fragment)
    out = tmp_path / "results"
    _assert_one_line_exit_2(capsys, ["run", str(path), "-o", str(out)], fragment)
    _assert_one_line_exit_2(capsys, ["mesh", str(path), "-o", str(out)], fragment)
    assert not out.exists()


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_impossible_value_is_refused_with_one_line(capsys, name):
    overrides, fragment = REFUSED[name]
    argv = ["validate", str(DEMO)] + [f"--set={item}" for item in overrides]
    _assert_one_line_exit_2(capsys, argv, fragment)


@pytest.mark.parametrize("temperature", ["200 K", "-73.15 degC", "180.4 degC", "25 degC"])
def test_temperature_floor_is_inclusive_li_melting_point_is_not(temperature):
    case = load_case(DEMO, [f"conditions.temperature={temperature}"])
    assert 200.0 - 1e-9 <= case.conditions.temperature < 453.65


@pytest.mark.parametrize("temperature", ["30 degC", "150 degC"])
def test_a_li_case_validates_from_30_to_150_degc(capsys, temperature):
    assert main(["validate", str(DEMO), f"--set=conditions.temperature={temperature}"]) == 0
    assert "valid case" in capsys.readouterr().out


def test_stack_without_metal_has_the_generic_ceiling():
    case = load_case(DEMO, ["materials.Li.kind=interlayer", "conditions.temperature=600 K"])
    assert case.conditions.temperature == pytest.approx(600.0)
    with pytest.raises(CaseError, match=r"1001 K .* 200 K to 1000 K \(726.85 °C, no metal layer\)"):
        load_case(DEMO, ["materials.Li.kind=interlayer", "conditions.temperature=1001 K"])


@pytest.mark.parametrize("allow", [["--allow-large"], ["--set", "geometry.mesh.allow_large=true"]])
def test_a_large_mesh_validates_when_the_user_means_it(capsys, allow):
    fine = ["--set", "geometry.mesh.interface=1 nm"]
    assert main(["validate", str(DEMO), *fine, *allow]) == 0
    out = capsys.readouterr().out
    assert "mesh: about 7e+06 cells (order-of-magnitude estimate; limit 5e+06 per MPI rank)" in out


def test_cell_estimate_is_printed_and_scales_with_the_sizes(capsys):
    from ssbstack.meshing.stack import estimate_cells

    assert main(["validate", str(DEMO)]) == 0
    assert "mesh: about 1e+03 cells (order-of-magnitude estimate" in capsys.readouterr().out
    coarse = sum(estimate_cells(load_case(DEMO, ["geometry.mesh.bulk=20 um",
                                                 "geometry.mesh.interface=20 um"])).values())
    fine = sum(estimate_cells(load_case(DEMO, ["geometry.mesh.bulk=10 um",
                                               "geometry.mesh.interface=10 um"])).values())
    assert fine / coarse == pytest.approx(4.0, rel=0.01)  # uniform 2D mesh: cells ∝ 1/h²


def test_a_closed_pipe_ends_the_command_quietly(monkeypatch):
    """`ssbstack validate case | head -1`: the reader has gone; exit 0, no traceback. (A stream
    that raises BrokenPipeError stands in for the pipe: a real one would raise SIGPIPE, which
    PETSc, once loaded by other tests, turns into an abort.)"""
    import os

    read, write = os.pipe()

    class GonePipe:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

        def fileno(self):
            return write

    monkeypatch.setattr("sys.stdout", GonePipe())
    try:
        assert main(["validate", str(DEMO)]) == 0
    finally:
        monkeypatch.undo()
        os.close(read)
        os.close(write)


def test_extends_a_list_merges_in_order(tmp_path, capsys):
    """``extends = [a, b]``: b overrides a, the file overrides both (a shared model block)."""
    (tmp_path / "model.toml").write_text('[conditions]\nstack_pressure = "0.3 MPa"\n'
                                         'temperature = "40 degC"\n')
    path = tmp_path / "case.toml"
    path.write_text(f'extends = ["{DEMO.as_posix()}", "model.toml"]\nname = "mixed"\n'
                    '[conditions]\ntemperature = "30 degC"\n')
    case = load_case(path)
    assert case.name == "mixed" and case.stack[0].name == load_case(DEMO).stack[0].name
    assert case.conditions.stack_pressure == pytest.approx(3e5)
    assert case.conditions.temperature == pytest.approx(303.15)
    path.write_text('extends = ["model.toml", 3]\n')
    _assert_one_line_exit_2(capsys, ["validate", str(path)],
                            "extends: must be a file path string or a list of them")
