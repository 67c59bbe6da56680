"""Reads the report extracts that `jobs/run report-extracts` (the last action of the nightly
workflow) writes under WAREHOUSE/reports/ds=DATE/: NAME.jsonl files and settings.json.

The notebooks read the directory named by the environment variable NIGHTJAR_REPORTS (either the
reports root, whose newest ds=DATE directory is used, or one ds=DATE directory); by default
../warehouse/reports, where `jobs/nightly` run from the repository root leaves them.
"""
import glob
import json
import os

import pandas as pd

DEFAULT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "warehouse", "reports")


def day_dir(reports=None):
    """The ds=DATE directory to read: NIGHTJAR_REPORTS itself when it is one, else its newest."""
    reports = os.path.abspath(reports or os.environ.get("NIGHTJAR_REPORTS") or DEFAULT)
    if os.path.basename(os.path.normpath(reports)).startswith("ds="):
        days = [reports] if os.path.isdir(reports) else []
    else:
        days = sorted(d for d in glob.glob(os.path.join(reports, "ds=*")) if os.path.isdir(d))
    if not days:
        raise FileNotFoundError(
            f"Expected report extracts in {reports}/ds=DATE/, found none: run jobs/nightly, or "
            f"jobs/run report-extracts --date DATE, or point NIGHTJAR_REPORTS at the directory")
    return days[-1]


class Reports:
    """The extracts of one day."""

    def __init__(self, reports=None):
        self.dir = day_dir(reports)
        with open(os.path.join(self.dir, "settings.json")) as f:
            self.settings = json.load(f)
        self.ds = self.settings["ds"]

    def extract(self, name):
        """One extract as a DataFrame; an error naming the file when the run did not write it."""
        path = os.path.join(self.dir, name + ".jsonl")
        if not os.path.exists(path):
            raise FileNotFoundError(
                f"Expected extract {path}: its table did not exist when report-extracts ran "
                f"(written: {', '.join(self.settings.get('extracts', {})) or 'none'})")
        if os.path.getsize(path) == 0:
            return pd.DataFrame()
        return pd.read_json(path, lines=True, convert_dates=False, dtype=False, precise_float=True)
