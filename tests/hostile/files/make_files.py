"""Writes the workbooks of the hostile corpus the way real tools make them (run it
from the repository root: .venv/bin/python tests/hostile/files/make_files.py; the
files it writes are committed).

- chartsheet_only.xlsx: openpyxl's own workbook whose only sheet is a chartsheet
  (the default worksheet removed, a bar chart on a chartsheet): Excel opens it and
  shows a chart, and there is no worksheet to read rows from.
- no_sheets.xlsx: a workbook saved by openpyxl, then rewritten with its
  xl/workbook.xml listing no <sheet> at all (and the worksheet's part and
  relationship left out), as a tool that strips sheets leaves it.
"""

import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

HERE = Path(__file__).resolve().parent


def chartsheet_only() -> bytes:
    workbook = Workbook()
    data = workbook.active
    data.title = "data"
    for row in (("county", 3), ("bureau", 5)):
        data.append(row)
    chart = BarChart()
    chart.add_data(Reference(data, min_col=2, min_row=1, max_row=2))
    chartsheet = workbook.create_chartsheet("chart")
    chartsheet.add_chart(chart)
    # The chart keeps its numbers in its own cache; the worksheet goes.
    workbook.remove(data)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def no_sheets() -> bytes:
    workbook = Workbook()
    workbook.active.append(["工号", "姓名"])
    saved = io.BytesIO()
    workbook.save(saved)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(saved) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                continue
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb"<sheets>.*?</sheets>", b"<sheets/>", data, flags=re.S)
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = re.sub(rb"<Relationship[^>]*worksheet[^>]*/>", b"", data)
            elif info.filename == "[Content_Types].xml":
                data = re.sub(rb"<Override[^>]*worksheets/[^>]*/>", b"", data)
            elif info.filename == "docProps/app.xml":
                data = re.sub(
                    rb"<TitlesOfParts>.*?</TitlesOfParts>", b"", data, flags=re.S
                )
            target.writestr(info, data)
    return out.getvalue()


if __name__ == "__main__":
    (HERE / "chartsheet_only.xlsx").write_bytes(chartsheet_only())
    (HERE / "no_sheets.xlsx").write_bytes(no_sheets())
