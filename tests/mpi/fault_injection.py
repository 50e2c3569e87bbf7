"""Run ``ssbstack`` with a fault injected after a given number of time-series rows.

Usage: python [-m mpi4py] fault_injection.py MODE ROW RANK -- <ssbstack arguments>

MODE ``kill`` sends SIGKILL to this process (no clean-up at all), ``term`` sends SIGTERM (a
scheduler's time limit), ``raise`` raises an exception. The fault fires on rank RANK when it
has recorded ROW rows. ``term-substep`` sends SIGTERM at the start of the ROW-th coupled sub-step
instead (inside a runner time step); ``term-failing`` makes that and every later coupled sub-step
fail (as a mechanics Newton that does not converge) and sends SIGTERM at its start. Used by tests
only: production code has no fault hooks.
"""

import os
import signal
import sys

from ssbstack import cli
from ssbstack.io import results


def main() -> int:
    mode, row, rank = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    arguments = sys.argv[sys.argv.index("--") + 1:]
    original = results.TimeseriesWriter.write

    def write(self, values):
        original(self, values)
        from mpi4py import MPI

        if not mode.startswith("term-") and self.rows == row and MPI.COMM_WORLD.rank == rank:
            if mode == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif mode == "term":
                os.kill(os.getpid(), signal.SIGTERM)
            else:
                raise RuntimeError(f"injected fault on rank {rank}")

    results.TimeseriesWriter.write = write
    if mode in ("term-substep", "term-failing"):
        from ssbstack.numerics.coupled import CoupledModel

        substep, calls = CoupledModel._substep, [0]

        def counted(self, *args, **kwargs):
            calls[0] += 1
            if calls[0] == row and self.comm.rank == rank:
                os.kill(os.getpid(), signal.SIGTERM)
            if mode == "term-failing" and calls[0] >= row:
                return False, 0.5, 1, "injected: the mechanics Newton did not converge"
            return substep(self, *args, **kwargs)

        CoupledModel._substep = counted
    return cli.main(arguments)


if __name__ == "__main__":
    sys.exit(main())
