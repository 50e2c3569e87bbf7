"""The electrochemistry verification checks pass, in serial and on 2 ranks with the same numbers.

The checks themselves are in :mod:`ssbstack.verification.electrochemistry` (exact references,
MMS rates, Holm/strip constriction, sheet hot spot, charge conservation); here they are run as
tests, and a child script prints the computed values at full precision on 1 and 2 ranks.
"""

import itertools

import pytest
from mpi4py import MPI

from conftest import serial_and_parallel_results
from ssbstack.verification import discover, run_check
from ssbstack.verification.electrochemistry import SHEET_CONDUCTANCES, hot_spot_sweep

CHECKS = {name: check for name, check in discover().items() if name.startswith("electrochemistry.")}
PARALLEL = ["flat_asr_linear", "flat_butler_volmer", "charge_conservation", "mms_rate_l2",
            "mms_rate_sheet_l2", "sheet_hot_spot_monotone", "alloy_surface_depletion",
            "alloy_voltage", "cathode_voltage", "cathode_capacity"]
SCRIPT = f"""
import json
from mpi4py import MPI
from ssbstack.verification import discover
checks = discover()
out = {{n: checks["electrochemistry." + n](MPI.COMM_WORLD)[1] for n in {PARALLEL!r}}}
if MPI.COMM_WORLD.rank == 0:
    print("RESULT " + json.dumps(out))
"""


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_check_passes(name):
    result = run_check(name, CHECKS[name], MPI.COMM_WORLD)
    assert result.passed, result


def test_hot_spot_falls_strictly_with_sheet_conductance():
    factors = hot_spot_sweep(MPI.COMM_WORLD)
    assert len(factors) == len(SHEET_CONDUCTANCES)
    assert factors[0] > 2.0  # no lateral conduction: the void carries nothing
    assert all(b < a for a, b in itertools.pairwise(factors)), factors


def test_one_and_two_ranks_give_the_same_numbers(tmp_path):
    one, two = serial_and_parallel_results(SCRIPT, tmp_path)
    for name in PARALLEL:
        assert two[name] == pytest.approx(one[name], rel=1e-8), name
