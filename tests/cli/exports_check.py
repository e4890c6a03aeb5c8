#!/usr/bin/python3
"""The findings spreadsheets and the management report end to end (SPEC §13, docs/reports.md).

The real gaplog binary writes them, in-process (--data) and against a running server (--server),
and readers that share no code with gaplog read them back: openpyxl (Debian's python3-openpyxl)
for the .xlsx, Python's csv module for the .csv. Every cell is compared with the finding JSON the
API gives for the same date and filters (`gaplog --json finding list`): dates are dates, numbers
numbers, booleans booleans; the header is bold and frozen at A2 and the autofilter covers the
data.

Usage: exports_check.py PATH-TO-GAPLOG   (ctest runs it; see tests/CMakeLists.txt)
"""

import csv
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import openpyxl

GAPLOG = None  # set from argv in main

COLUMNS = [
    "id", "title", "description", "recommendation", "severity", "status", "criteria", "control",
    "source", "origin", "owner", "due_date", "likelihood", "impact", "risk_score", "overdue",
    "unresolved", "acceptance_expired", "risk_acceptance_justification",
    "risk_acceptance_expires_on", "risk_acceptance_approved_by", "evidence", "recorded_on",
    "version",
]
DATE_COLUMNS = {"due_date", "risk_acceptance_expires_on", "recorded_on"}
TRICKY_TITLE = 'Commas, "quotes" and ünïcødé — 日本語, =1+1'
TRICKY_DESCRIPTION = 'line one\r\nline two\nthree, "four"\rfive'


def gaplog(*args, check=True):
    run = subprocess.run([GAPLOG, *args], capture_output=True, text=True, check=False)
    if check and run.returncode != 0:
        raise AssertionError(f"gaplog {' '.join(args)} exited {run.returncode}: {run.stderr}")
    return run


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def json_value(finding, column):
    """The JSON value a column stands for (None for null or missing)."""
    if column.startswith("risk_acceptance_"):
        acceptance = finding.get("risk_acceptance")
        return None if acceptance is None else acceptance.get(column[len("risk_acceptance_"):])
    return finding.get(column)


def expected_xlsx(finding, column):
    v = json_value(finding, column)
    if isinstance(v, list):
        v = "; ".join(v)
    if v == "":
        return None  # an empty text is an empty cell
    if column in DATE_COLUMNS and v is not None:
        return datetime.datetime.strptime(v, "%Y-%m-%d")
    if isinstance(v, str):
        return v.replace("\r\n", "\n").replace("\r", "\n")  # Excel's line break in a cell
    return v


def expected_csv(finding, column):
    v = json_value(finding, column)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "; ".join(v)
    return str(v)


class ExportsCheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="gaplog-exports-")
        cls.addClassCleanup(cls.tmp.cleanup)  # also when setUpClass fails half-way
        cls.dir = cls.tmp.name
        cls.data = os.path.join(cls.dir, "data")
        demo = gaplog("--data", cls.data, "demo")
        match = re.search(r"(gaplog_[A-Za-z0-9_-]+)", demo.stdout + demo.stderr)
        assert match, f"no token in the demo's output: {demo.stdout}"
        cls.token = match.group(1)
        added = gaplog("--data", cls.data, "--json", "finding", "add", "--title", TRICKY_TITLE,
                       "--severity", "low", "--criteria", "CC6.1", "--description",
                       TRICKY_DESCRIPTION)
        cls.tricky_id = json.loads(added.stdout)["id"]
        cls.filters = ["--status", "open,in_progress", "--severity", "high,low"]
        for name in ("all.xlsx", "all.csv", "report.html"):
            kind = "report" if name.endswith(".html") else "findings"
            gaplog("--data", cls.data, "export", kind, "-o", cls.path(name))
        for name in ("filtered.xlsx", "filtered.csv"):
            gaplog("--data", cls.data, "export", "findings", "-o", cls.path(name), *cls.filters)
        for name in ("past.xlsx", "past.csv"):
            gaplog("--data", cls.data, "export", "findings", "-o", cls.path(name), "--as-of",
                   "2026-08-01")
        cls.all = cls.list_findings()
        cls.filtered = cls.list_findings(*cls.filters)
        cls.past = cls.list_findings("--as-of", "2026-08-01")

    @classmethod
    def path(cls, name):
        return os.path.join(cls.dir, name)

    @classmethod
    def list_findings(cls, *args):
        out = gaplog("--data", cls.data, "--json", "finding", "list", *args).stdout
        page = json.loads(out)
        assert page["next_after"] is None, "more findings than one page"
        return page["items"]

    # ---- the workbook ----

    def check_workbook(self, name, findings):
        book = openpyxl.load_workbook(self.path(name))
        self.assertEqual(book.sheetnames, ["Findings"])
        sheet = book["Findings"]
        header = [c.value for c in sheet[1]]
        self.assertEqual(header, COLUMNS)
        self.assertTrue(all(c.font.b for c in sheet[1]), "the header is bold")
        self.assertEqual(sheet.freeze_panes, "A2", "the header is frozen")
        self.assertEqual(sheet.auto_filter.ref, f"A1:X{len(findings) + 1}")
        self.assertEqual(sheet.max_row, len(findings) + 1)
        for r, finding in enumerate(findings, start=2):
            for c, column in enumerate(COLUMNS, start=1):
                cell = sheet.cell(row=r, column=c)
                want = expected_xlsx(finding, column)
                self.assertEqual(cell.value, want, f"{name} {finding['id']} {column}")
                self.assertEqual(type(cell.value), type(want), f"{finding['id']} {column}")
                if isinstance(want, datetime.datetime):
                    self.assertTrue(cell.is_date)
                    self.assertEqual(cell.number_format, "yyyy-mm-dd")
                if isinstance(want, bool):
                    self.assertEqual(cell.data_type, "b")
                if isinstance(want, int) and not isinstance(want, bool):
                    self.assertEqual(cell.data_type, "n")
                if isinstance(want, str):
                    self.assertEqual(cell.data_type, "s", "text, never a formula")
        widths = {col: sheet.column_dimensions[col].width for col in ("A", "B", "C")}
        self.assertGreater(widths["B"], 40, "the title is wide")
        self.assertGreater(widths["C"], 40, "the description is wide")
        self.assertLess(widths["A"], 15, "the id is narrow")
        return sheet

    def test_the_workbook_holds_every_finding_cell_by_cell(self):
        self.assertGreater(len(self.all), 30)
        self.check_workbook("all.xlsx", self.all)

    def test_the_workbook_takes_the_lists_filters_and_date(self):
        self.assertLess(len(self.filtered), len(self.all))
        self.check_workbook("filtered.xlsx", self.filtered)
        self.check_workbook("past.xlsx", self.past)

    def test_dates_numbers_and_booleans_are_typed(self):
        sheet = self.check_workbook("all.xlsx", self.all)
        kinds = {type(sheet.cell(row=2, column=c).value) for c in range(1, len(COLUMNS) + 1)}
        self.assertTrue({datetime.datetime, int, bool, str} <= kinds, kinds)

    def test_tricky_text_round_trips(self):
        sheet = openpyxl.load_workbook(self.path("all.xlsx"))["Findings"]
        row = next(r for r in sheet.iter_rows(min_row=2, values_only=True)
                   if r[0] == self.tricky_id)
        self.assertEqual(row[1], TRICKY_TITLE)
        self.assertEqual(row[2], "line one\nline two\nthree, \"four\"\nfive")

    # ---- the CSV ----

    def check_csv(self, name, findings):
        raw = read_bytes(self.path(name))
        self.assertFalse(raw.startswith(b"\xef\xbb\xbf"), "no byte order mark")
        self.assertTrue(raw.startswith(b"id,title,description,"))
        self.assertTrue(raw.endswith(b"\r\n"))
        self.assertEqual(raw.split(b"\r\n")[0].decode(), ",".join(COLUMNS))
        with open(self.path(name), newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f, strict=True))
        self.assertEqual(rows[0], COLUMNS)
        self.assertEqual(len(rows), len(findings) + 1)
        for row, finding in zip(rows[1:], findings):
            self.assertEqual(row, [expected_csv(finding, c) for c in COLUMNS], finding["id"])

    def test_the_csv_holds_every_finding_cell_by_cell(self):
        self.check_csv("all.csv", self.all)
        self.check_csv("filtered.csv", self.filtered)
        self.check_csv("past.csv", self.past)

    def test_the_csv_keeps_commas_quotes_line_breaks_and_utf8(self):
        with open(self.path("all.csv"), newline="", encoding="utf-8") as f:
            row = next(r for r in csv.reader(f) if r[0] == self.tricky_id)
        self.assertEqual(row[1], TRICKY_TITLE)
        self.assertEqual(row[2], TRICKY_DESCRIPTION)

    # ---- the report ----

    def test_the_report_is_self_contained(self):
        html = read_text(self.path("report.html"))
        self.assertIn("<h2>Executive summary</h2>", html)
        self.assertIn("Readiness is ", html)
        for reference in ("http://", "https://", "src=", "href=", "@import", "url(", "<script"):
            self.assertNotIn(reference, html)

    def test_a_format_other_than_csv_or_xlsx_is_refused(self):
        run = gaplog("--data", self.data, "export", "findings", "-o", self.path("f.ods"),
                     check=False)
        self.assertEqual(run.returncode, 2)
        self.assertIn(".csv or an .xlsx", run.stderr)
        self.assertFalse(os.path.exists(self.path("f.ods")))

    # ---- against a server ----

    def test_remote_exports_equal_the_in_process_ones(self):
        server = subprocess.Popen([GAPLOG, "--data", self.data, "serve", "--listen",
                                   "127.0.0.1:0"], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            url = None
            for line in server.stdout:
                found = re.search(r"(http://127\.0\.0\.1:[0-9]+)", line)
                if found:
                    url = found.group(1)
                    break
            self.assertIsNotNone(url, "serve printed no URL")
            remote = ["--server", url, "--token", self.token]
            gaplog(*remote, "export", "findings", "-o", self.path("remote.csv"), *self.filters)
            gaplog(*remote, "export", "findings", "-o", self.path("remote.xlsx"))
            gaplog(*remote, "export", "report", "-o", self.path("remote.html"), "--as-of",
                   "2026-08-01")
        finally:
            server.terminate()
            server.wait(timeout=60)
            server.stdout.close()
        self.assertEqual(read_bytes(self.path("remote.csv")),
                         read_bytes(self.path("filtered.csv")))
        self.check_workbook("remote.xlsx", self.all)
        html = read_text(self.path("remote.html"))
        self.assertIn("management report as of 2026-08-01", html)


if __name__ == "__main__":
    GAPLOG = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
