"""Resuming a timeseries.csv across a version that added columns (io/results.py)."""

import csv

import pytest
from mpi4py import MPI

from ssbstack.errors import CaseError
from ssbstack.io.results import TimeseriesWriter


def _write(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_a_file_from_before_a_new_column_resumes_with_it_empty(tmp_path):
    path = tmp_path / "timeseries.csv"
    _write(path, ["time_s", "a", "b"], [[0.0, 1, 2], [1.0, 3, 4], [2.0, 5, 6]])
    writer = TimeseriesWriter(path, ["time_s", "a", "new", "b"], MPI.COMM_SELF, resume_rows=2)
    writer.write({"time_s": 3.0, "a": 7, "new": 8, "b": 9})
    writer.close()
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [row["time_s"] for row in rows] == ["0.0", "1.0", "3.0"]  # the row after the checkpoint goes
    assert [row["new"] for row in rows] == ["", "", "8"]
    assert [row["b"] for row in rows] == ["2", "4", "9"]


def test_a_file_with_columns_this_run_lacks_does_not_resume(tmp_path):
    path = tmp_path / "timeseries.csv"
    _write(path, ["time_s", "gone"], [[0.0, 1]])
    with pytest.raises(CaseError, match="columns differ"):
        TimeseriesWriter(path, ["time_s", "a"], MPI.COMM_SELF, resume_rows=1)
