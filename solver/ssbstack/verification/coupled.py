"""Verification of the coupled step (physics.md §7) on ``cases/verification/coupled_*``.

Each ``verify_<name>(comm)`` returns ``(reference, computed, rel_error, tolerance)``.
"""

from __future__ import annotations

from typing import Any

from ssbstack.config.loader import load_case
from ssbstack.config.schema import Case
from ssbstack.numerics.model import Control
from ssbstack.verification.mechanics import case_file

CURRENT = 10.0  # A/m² (1 mA/cm²), strips the bottom electrode


def build(case: Case, comm: Any) -> list[Any]:
    """The run's models of ``case`` on its one (split) mesh (collective)."""
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.simulation import build_models, split_for

    return build_models(case, build_mesh(case, comm, split=split_for(case)), comm, None)


def run_models(models: list[Any], times: list[float], current_density: float = CURRENT,
               initial: bool = True) -> list[dict[str, float]]:
    """The initial state (unless ``initial`` is False: already taken), then each model advanced
    from t = 0 to each of ``times`` (s) under ``current_density`` (A/m²); the merged rows."""
    rows, previous = [], 0.0
    for time in [0.0, *times] if initial else times:
        values: dict[str, float] = {}
        for model in models:
            result = model.solve(time, time - previous, Control(current_density if time else 0.0))
            if not result.converged:
                raise RuntimeError(f"t = {time:g} s: {result.message}")
            values |= result.values
        for model in models:
            model.accept()
        rows.append(values)
        previous = time
    return rows


def debond_history(comm: Any, times: tuple[float, ...] = (20.0, 60.0),
                   overrides: tuple[str, ...] = ()) -> list[dict[str, float]]:
    """Rows of the seeded-debond case stripped at 1 mA/cm² to each of ``times`` (s)."""
    case = load_case(case_file("coupled_debond"), list(overrides))
    return run_models(build(case, comm), list(times))


def _coupled_and_uncoupled(comm: Any, name: str, times: tuple[float, ...] = (30.0, 120.0),
                           overrides: tuple[str, ...] = ()
                           ) -> tuple[dict[str, float], dict[str, float]]:
    """Last rows of a case run coupled and with ``coupling.enabled = false`` (collective)."""
    coupled = run_models(build(load_case(case_file(name), list(overrides)), comm),
                         list(times))[-1]
    uncoupled = run_models(build(load_case(case_file(name), [*overrides,
                                                             "coupling.enabled=false"]), comm),
                           list(times))[-1]
    return coupled, uncoupled


# the source CCD model's extras (common/coupled_ccd.toml): levelled deposit, quasi-steady vacancy
# nucleation (τ_v of the order of the sources' 0.014-0.84 s: its threshold far above the current
# at 5 MPa)
CCD_MODEL = ("coupling.plating_levels=contact", "coupling.nucleation=vacancy",
             "coupling.vacancy.quasi_steady=true", "coupling.vacancy.lifetime=0.03 s",
             "coupling.vacancy.nucleation_stress=1 MPa")


def verify_full_contact(comm: Any) -> tuple[float, float, float, float]:
    """Full contact, uniform current, 5 MPa: the coupled run equals the uncoupled one (voltage and
    stack pressure after 2 min of stripping; the worse relative difference). The Li thickness
    differs by ~1e-6 relative: the two runs take different creep sub-steps."""
    return _worst_difference(*_coupled_and_uncoupled(comm, "coupled_flat"))


def verify_full_contact_ccd_model(comm: Any) -> tuple[float, float, float, float]:
    """The same with the source CCD model's extras on (levelled deposit, quasi-steady vacancy
    nucleation below its threshold): they must not move a full-contact cell."""
    return _worst_difference(*_coupled_and_uncoupled(comm, "coupled_flat", overrides=CCD_MODEL))


def _worst_difference(coupled: dict[str, float], uncoupled: dict[str, float],
                      columns: tuple[str, ...] = ("voltage_V", "stack_pressure_Pa"),
                      tolerance: float = 1e-9) -> tuple[float, float, float, float]:
    """(uncoupled, coupled, relative difference, ``tolerance``) of the column of ``columns``
    (default: voltage and stack pressure) that differs most."""
    worst = (0.0, 0.0, -1.0)
    for column in columns:
        error = abs(coupled[column] - uncoupled[column]) / abs(uncoupled[column])
        if error > worst[2]:
            worst = (uncoupled[column], coupled[column], error)
    return (*worst, tolerance)


def verify_film_full_contact(comm: Any) -> tuple[float, float, float, float]:
    """The same through a Li-conserving film (coupled_film_flat, 5 MPa): the coupled film is fed
    through χ and the ideal-contact resistance R_feed = IDEAL_FEED × the kinetic resistance
    (the uncoupled one through δ = 0 on the contact), so the coupled voltage is the uncoupled one
    plus exactly i R_feed (2e-6 V here, 7.6e-5 of it); that sum is checked."""
    from ssbstack.numerics.electrode_sides import IDEAL_FEED
    from ssbstack.physics.electrochemistry import FARADAY, GAS_CONSTANT

    coupled, uncoupled = _coupled_and_uncoupled(comm, "coupled_film_flat")
    case = load_case(case_file("coupled_film_flat"))
    kinetics = case.kinetics(case.tags.interfaces[0].name)
    temperature = case.conditions.temperature
    kinetic = GAS_CONSTANT * temperature / (
        FARADAY * kinetics.exchange_current(temperature)
        * (kinetics.alpha_anodic + kinetics.alpha_cathodic))
    reference = uncoupled["voltage_V"] + CURRENT * IDEAL_FEED * kinetic
    computed = coupled["voltage_V"]
    return reference, computed, abs(computed - reference) / reference, 1e-9


def verify_li_balance(comm: Any) -> tuple[float, float, float, float]:
    """Li balance with local stripping around a debond: the Li removed at the contact pairs,
    Σ A_p s_p / A, equals the charge the electrochemistry passed × Ω/F (as a thickness, m) after
    1 min, to round-off (the lumped pair areas integrate the facet-averaged current exactly)."""
    case = load_case(case_file("coupled_debond"))
    (model,) = build(case, comm)
    rows = run_models([model], [20.0, 60.0])
    mechanics = model.mechanics
    reference = mechanics.current.stripped / mechanics.collector_area()
    computed = reference + rows[-1]["li_balance_error_m"]
    return reference, computed, abs(computed - reference) / reference, 1e-12


_FULL_CELL_CACHE: dict[int, dict[str, Any]] = {}


def full_cell_results(comm: Any) -> dict[str, Any]:
    """coupled_full_cell.toml discharged for 10 min in steps of 1 min, coupled and with
    ``coupling.enabled = false`` (cached): ``voltage`` and ``lithium`` as (reference, computed)
    pairs of the coupled run (Newman's voltage, V; the charge passed / F against the cathode's Li
    gained, mol), ``substeps`` the most coupled sub-steps a step took, ``coupled`` and
    ``uncoupled`` the last rows (collective)."""
    from ssbstack.verification.electrochemistry import cathode_expected

    key = comm.py2f()
    if key not in _FULL_CELL_CACHE:
        case = load_case(case_file("coupled_full_cell"))
        (model,) = build(case, comm)
        step = case.protocol.expanded()[0]
        times = [60.0 * k for k in range(1, round(step.duration / 60.0) + 1)]
        rows = run_models([model], times, step.current_density)
        voltage, lithium = cathode_expected(case, model.echem, step.current_density,
                                            step.duration, rows[-1])
        uncoupled = run_models(build(load_case(case_file("coupled_full_cell"),
                                               ["coupling.enabled=false"]), comm),
                               times, step.current_density)[-1]
        _FULL_CELL_CACHE[key] = {
            "voltage": voltage, "lithium": lithium, "coupled": rows[-1], "uncoupled": uncoupled,
            "substeps": max(row["coupled_substeps"] for row in rows[1:])}
    return _FULL_CELL_CACHE[key]


def verify_full_cell_voltage(comm: Any) -> tuple[float, float, float, float]:
    """Coupled Li | SE | cathode in full contact (5 MPa, creeping Li): Newman's porous-electrode
    voltage, as uncoupled (echem_cathode; 1e-5)."""
    reference, computed = full_cell_results(comm)["voltage"]
    return reference, computed, abs(computed - reference) / abs(reference), 1e-5


def verify_full_cell_cathode_li_balance(comm: Any) -> tuple[float, float, float, float]:
    """The Li the cathode gains over the coupled sub-steps (2 per step here) = charge passed / F
    (1e-10): each sub-step starts from the last one's cathode content."""
    results = full_cell_results(comm)
    if results["substeps"] < 2:
        raise RuntimeError("the coupled full cell took no sub-steps: the check would not bite")
    reference, computed = results["lithium"]
    return reference, computed, abs(computed - reference) / abs(reference), 1e-10


def verify_full_cell_full_contact(comm: Any) -> tuple[float, float, float, float]:
    """Full contact at 5 MPa with a cathode: the coupled run equals the uncoupled one (voltage,
    stack pressure, cathode lithiation; the worst relative difference, 1e-9)."""
    results = full_cell_results(comm)
    return _worst_difference(results["coupled"], results["uncoupled"],
                             ("voltage_V", "stack_pressure_Pa", "cathode_lithiation"))


def verify_full_cell_full_contact_mechanics(comm: Any) -> tuple[float, float, float, float]:
    """The same for the stack's shape (Li anode thickness, plate travel: stripping, the cathode's
    lithiation strain, creep): equal to the creep sub-steps' time discretisation (1e-5; 3e-6
    seen)."""
    results = full_cell_results(comm)
    return _worst_difference(results["coupled"], results["uncoupled"],
                             ("li_thickness_m", "plate_displacement_m"), 1e-5)


def verify_hot_spot_measure(comm: Any) -> tuple[float, float, float, float]:
    """The facet-averaged peak current at the debond's rim converges with the interface mesh:
    2, 1 and 0.5 um give a Richardson-style sequence; the 1 → 0.5 um change is within 2 %."""
    peaks = []
    for size in ("2 um", "1 um", "0.5 um"):
        case = load_case(case_file("coupled_debond"), [
            "coupling.enabled=false", "mechanics.enabled=false",
            f"geometry.mesh.interface={size}"])
        (model,) = build(case, comm)
        result = model.solve(0.0, 0.0, Control(CURRENT))
        if not result.converged:
            raise RuntimeError(result.message)
        peaks.append(result.values["peak_current_avg_bottom_A_m2"])
    return peaks[-1], peaks[-2], abs(peaks[-2] - peaks[-1]) / peaks[-1], 2e-2


def verify_contact_indicator(comm: Any) -> tuple[float, float, float, float]:
    """The contact indicator in the interface current, exactly: a flat stack with χ = 0.4 on
    both interfaces under galvanostatic control passes i/χ where it touches, so
    V = i L/κ + η(i/χ) − η(−i/χ) (η the exact Butler–Volmer overpotential)."""
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.electrochemistry import ElectrochemistryModel
    from ssbstack.simulation import split_for

    case = load_case(case_file("coupled_flat"))
    model = ElectrochemistryModel(case, build_mesh(case, comm, split=split_for(case)), comm)
    chi = 0.4
    for side in model.sides:
        side.indicator.x.array[:] = chi
    result = model.solve(0.0, 0.0, Control(CURRENT))
    if not result.converged:
        raise RuntimeError(result.message)
    temperature = case.conditions.temperature
    kinetics = case.kinetics(case.tags.interfaces[0].name)
    electrolyte = case.material(case.electrolyte.name)
    reference = (CURRENT * case.electrolyte.thickness
                 / electrolyte.ionic_conductivity_at(temperature)
                 + kinetics.overpotential(CURRENT / chi, temperature)
                 - kinetics.overpotential(-CURRENT / chi, temperature))
    computed = result.values["voltage_V"]
    return reference, computed, abs(computed - reference) / reference, 1e-9


def verify_vacancy_build_up(comm: Any) -> tuple[float, float, float, float]:
    """Vacancy build-up under a contact pair (nucleation rule c): at a constant 1 mA/cm² from
    c = 0 the surface concentration after 2 τ_v is (j/F) √(τ_v/D_v) erf(√2) (steps of τ_v/20,
    the default 60-cell depth grid of the study case; within 1 %)."""
    import numpy as np

    from ssbstack.numerics.vacancy import VacancyField, surface_concentration_exact

    config = load_case(case_file("coupled_rve_ccd")).coupling.vacancy
    field = VacancyField(config, 1)
    end, steps = 2.0 * config.lifetime, 40
    for _ in range(steps):
        field.advance(end / steps, np.array([CURRENT]), np.array([np.inf]), 298.15)
    reference = surface_concentration_exact(CURRENT, config.diffusivity, config.lifetime, end)
    computed = float(field.concentration[0, 0])
    return reference, computed, abs(computed - reference) / reference, 1e-2


def verify_film_li_balance(comm: Any) -> tuple[float, float, float, float]:
    """Li is conserved through a coupled film (coupled_film_debond, 1 min at 1 mA/cm²): the Li
    the bottom metal lost (charge, Ω/F × the stripped volume) equals the charge into the SE
    plus what the film now holds above its equilibrium content, to the Newton tolerance (each
    solve's residual is 1e-10 of its start, 1e-8 over the run's sub-steps). The film drains over
    the debond and refills, so the storage term is not zero (checked: ≥ 1e-3 of the charge)."""
    from ssbstack.physics.electrochemistry import FARADAY

    case = load_case(case_file("coupled_film_debond"))
    (model,) = build(case, comm)
    run_models([model], [20.0, 60.0])
    omega = case.material(case.stack[0].name).molar_volume
    metal = model.mechanics.current.stripped * FARADAY / omega
    electrolyte = CURRENT * model.echem.nominal_area * 60.0
    stored = model.echem.film_stored_charge(0)
    if abs(stored) < 1e-3 * electrolyte:
        raise RuntimeError(f"the film stored {stored:.3g} C: the check would not test storage")
    return metal, electrolyte + stored, abs(electrolyte + stored - metal) / metal, 1e-8
