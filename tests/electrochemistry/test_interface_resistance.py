"""Measured interfacial resistance → R_ct of the real contact (``ssbstack interface``).

- the route's constriction of periodic strip contacts at R_ct → 0 is the closed form;
- the derived R_ct, re-solved independently, gives back the measured R_int (and the one-shot
  formula with the R_ct → 0 constriction would not: the self-consistency matters);
- CE1's case file holds the value the route derives from 10.6 Ohm cm2;
- bad input and an unreachable R_int give one line and exit 2; 2 ranks print the serial table.
"""

import math

import pytest
from mpi4py import MPI

from conftest import CASES, ROOT, echem_model, run_mpi, solve_once
from ssbstack.cli import main
from ssbstack.config.loader import load_case
from ssbstack.errors import CaseError
from ssbstack.post.interface_resistance import (
    EQUIPOTENTIAL_RCT,
    OHM_CM2,
    SMALL_CURRENT,
    derive_charge_transfer,
    model_split,
)

COMM = MPI.COMM_WORLD
STRIP = CASES / "verification" / "echem_strip.toml"
CE1 = CASES / "badding2025" / "ce1_bare_contact_fraction.toml"
STRIP_RINT = 5.0 * OHM_CM2  # R_ct κ comparable to the strip half-width: R_constr moves with R_ct


def strip_constriction(half_period: float, fraction: float, conductivity: float) -> float:
    """Area-specific constriction resistance (Ω m²) of equipotential contact strips of half-width
    a = f L, period 2L, on a thick conductor of conductivity κ (S/m):

        R_c = (2L / (π κ)) ln(1 / sin(π f / 2)).

    Derived by the conformal map ζ = sin(π z / 2L), which takes the half-channel |x| < L, y > 0
    onto the upper half-plane with the contact on |ξ| < sin(π a / 2L); there φ = (ρI/π) Re
    arccosh(ζ/s) (written out in ``ssbstack.verification.electrochemistry``), whose far field
    ρ I y/2L + (ρ I/π) ln(1/s) gives R_c per period; × 2L makes it per area. The same logarithm is
    the textbook constriction of an isothermal strip on a 2D flux channel (thermal contact
    literature, Yovanovich's flux-channel results); the equation numbers were not checked here.
    """
    return 2.0 * half_period / (math.pi * conductivity) * math.log(
        1.0 / math.sin(math.pi * fraction / 2.0))


@pytest.fixture(scope="module")
def strip_derivation():
    return derive_charge_transfer(load_case(STRIP), STRIP_RINT, COMM)


@pytest.mark.timeout(120)
def test_strip_constriction_matches_the_closed_form():
    case = load_case(STRIP)
    split = model_split(case, COMM, EQUIPOTENTIAL_RCT)
    half_period = case.geometry.width / 2.0  # one centred void: the ends are half strips
    contact = half_period - case.geometry.interfaces["bottom_li|se"].radius
    assert split.fractions[0] == pytest.approx(contact / half_period, rel=1e-12)  # f = a/L = 0.25
    assert split.fractions[1] == pytest.approx(1.0, rel=1e-12)
    reference = strip_constriction(half_period, split.fractions[0],
                                   case.material("se").ionic_conductivity_at(298.15))
    bottom = 2.0 * split.constriction  # the mean per interface; the top one is in full contact
    # P1 converges from below (the contact edge is singular): 0.67 % low on this mesh
    assert bottom <= reference
    assert bottom == pytest.approx(reference, rel=0.01)


@pytest.mark.timeout(120)
def test_derived_rct_reproduces_the_measured_resistance(strip_derivation):
    d = strip_derivation
    assert d.reproduction_error < 1e-4
    # re-solved independently, from the case file with the derived value
    _, model = echem_model(STRIP, [f"electrochemistry.kinetics.charge_transfer_resistance="
                                   f"{d.charge_transfer!r}"])
    values = solve_once(model, SMALL_CURRENT)
    r_model = (values["voltage_V"] / SMALL_CURRENT - model.thickness / model.conductivity) / 2
    assert r_model == pytest.approx(STRIP_RINT, rel=1e-3)
    # the stated route holds at the derived value: R_int = R_constr + R_ct/f (mean of both sides)
    f_bottom, f_top = d.final.fractions
    assert d.final.constriction + d.charge_transfer * (1 / f_bottom + 1 / f_top) / 2 == (
        pytest.approx(STRIP_RINT, rel=1e-4))
    # the one-shot formula with the R_ct -> 0 constriction misses by > 10 % here
    one_shot = 2 * (STRIP_RINT - d.equipotential.constriction) / (1 / f_bottom + 1 / f_top)
    assert abs(one_shot / d.charge_transfer - 1) > 0.1
    # per interface: the partial one carries all the constriction, the full one none
    bottom, top = d.rows
    assert top.constriction == 0.0 and top.fraction == pytest.approx(1.0)
    assert bottom.constriction == pytest.approx(2 * d.final.constriction, rel=1e-12)


@pytest.mark.timeout(120)
def test_ce1_case_holds_the_derived_rct():
    case = load_case(CE1)
    key = "electrochemistry.kinetics.charge_transfer_resistance"
    assert case.provenance[key]["status"] == "derived"
    assert "derived by `ssbstack interface` from R_int = 10.6 Ohm cm2" in case.provenance[key][
        "note"]
    measured = case.targets["interfacial_resistance"].value * OHM_CM2
    derivation = derive_charge_transfer(case, measured, COMM, per_interface=False)
    stored = case.electrochemistry.kinetics.charge_transfer_resistance
    assert stored == pytest.approx(derivation.case_value, rel=0.01)
    # the case as it runs (Butler-Volmer at its stored value) has the measured small-signal R_int
    _, model = echem_model(case)
    values = solve_once(model, SMALL_CURRENT)
    r_model = (values["voltage_V"] / SMALL_CURRENT - model.thickness / model.conductivity) / 2
    assert r_model == pytest.approx(measured, rel=0.01)


def _one_line_exit_2(capsys, argv: list[str], *fragments: str) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, captured.err
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(("measured", "fragment"), [
    ("10.6 mA/cm2", "--measured: '10.6 mA/cm2' is a current density"),
    ("-1 Ohm cm2", "--measured: must be > 0"),
    ("ten Ohm cm2", "--measured: cannot read quantity"),
])
def test_bad_measured_value_gives_one_line(capsys, measured, fragment):
    _one_line_exit_2(capsys, ["interface", str(STRIP), "--measured", measured], fragment)


def test_stack_outside_the_route_gives_one_line(capsys):
    _one_line_exit_2(capsys, ["interface", str(CASES / "verification" / "echem_alloy.toml"),
                              "--measured", "1 Ohm cm2"], "needs a metal electrode")


EX1_VOIDS = CASES / "badding2025" / "ex1_agmg_contact_fraction.toml"


def test_films_over_the_voids_derive_and_reproduce():
    # Ex1's Ag|Mg films over CE1's 30 % contact: the route solves the films at steady state.
    derivation = derive_charge_transfer(load_case(EX1_VOIDS), 5.0 * OHM_CM2, COMM,
                                        per_interface=False)
    assert derivation.reproduction_error < 1e-3
    assert derivation.final.fractions == pytest.approx((0.3, 0.3), rel=1e-3)


def test_ex1_measured_resistance_is_below_what_ce1s_contact_state_allows(capsys):
    # 0.19 Ohm cm2 (Ex1) cannot come from 30 % contact even with the films: refused, one line.
    _one_line_exit_2(capsys, ["interface", str(EX1_VOIDS), "--measured", "0.19 Ohm cm2"],
                     "R_int = 0.19 Ohm cm2", "no R_ct >= 0")


@pytest.mark.timeout(120)
def test_unreachable_resistance_is_refused_with_both_numbers(capsys):
    with pytest.raises(CaseError, match=r"R_int = 1 Ohm cm2 .* R_constr = 3\.037 Ohm cm2"):
        derive_charge_transfer(load_case(STRIP), 1.0 * OHM_CM2, COMM)
    _one_line_exit_2(capsys, ["interface", str(STRIP), "--measured", "1 Ohm cm2"],
                     "R_int = 1 Ohm cm2", "R_constr = 3.037 Ohm cm2", "no R_ct >= 0")


@pytest.mark.skipif(COMM.size > 1, reason="launches its own 2-rank run")
@pytest.mark.timeout(300)
def test_two_ranks_print_the_serial_table(capsys, strip_derivation):
    argv = ["interface", str(STRIP), "--measured", "5 Ohm cm2"]
    assert main(argv) == 0
    serial = capsys.readouterr().out.splitlines()
    assert f"{strip_derivation.charge_transfer / OHM_CM2:.4g} Ohm cm2" in "\n".join(serial)
    parallel = run_mpi(["-m", "ssbstack.cli", *argv], ranks=2, timeout=240, cwd=ROOT)
    assert parallel.returncode == 0, parallel.stderr[-2000:]
    lines = parallel.stdout.splitlines()
    assert "2 rank(s)" in lines[0]
    assert lines[1:] == serial[1:]  # same numbers, printed once (rank 0)
