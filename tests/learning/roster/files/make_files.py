"""How the roster files beside this script were made (run by hand, not by the tests:
it needs LibreOffice Calc, which the project does not install).

    apt-get install -y --no-install-recommends libreoffice-calc-nogui
    cd tests/learning/roster/files && ../../../../.venv/bin/python make_files.py

- roster.xls: openpyxl writes a roster laid out like the template, with a date cell,
  a phone number stored as a number and a second sheet; LibreOffice saves it as
  Excel 97-2003 (BIFF8), as a county's old HR system would export it.
- county.xlsx: the roster as a county HR office keeps it in Excel on Chinese
  Windows, written with openpyxl: a title merged across the columns
  ("清溪县2026年12月在编人员花名册"), a notes line, then the header with a 序号
  column; employee numbers typed full-width by an input method, two-character
  names aligned with an ideographic space (李　忠), hire dates as date cells in
  Excel's Chinese long format (2021年9月1日), one as a plain number (Excel's serial
  for 2019-07-15), one typed as text "2020/3/1", and a leaver (离职).
- county.xls: county.xlsx saved by LibreOffice as Excel 97-2003 (BIFF8); the merged
  title stays merged.
- county-gbk.csv: county.xlsx saved by LibreOffice as "Text CSV" in the GBK
  character set (filter option 85), as Excel's "另存为 CSV (逗号分隔)" on Chinese
  Windows writes it: the merged title becomes a first line with empty cells after
  it.
- no-header.xlsx: a sheet whose columns are called 名称/单位名称/人数 (a list of
  departments, not a roster): no row looks like a roster's header.
"""

import datetime
import shutil
import subprocess
import tempfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
ROWS = [
    ["工号", "姓名", "部门", "职务", "职级", "入职日期", "邮箱", "电话", "状态"],
    [
        "X1001",
        "欧阳娜",
        "CTY-A-1",
        "KY",
        "R2",
        datetime.date(2021, 9, 1),
        "",
        13800138000,
        "在职",
    ],
    ["X1002", "王䶮", "测试县/财政局/预算科", "", "", "", "", "", ""],
    ["S9", "赵强", "CTY-A-2", "", "", "", "", "", "离职"],
]

TITLE = "清溪县2026年12月在编人员花名册"
NOTES = "说明：状态填“在职”或“离职”；部门填编码或完整路径。"
COUNTY_HEADER = ["序号", "工号", "姓名", "部门", "职务", "入职日期", "电话", "状态"]
COUNTY_ROWS = [
    [
        1,
        "ＱＸ００２５３",
        "李　忠",
        "CTY-A-1",
        "KY",
        datetime.date(2021, 9, 1),
        "",
        "在职",
    ],
    [2, "QX00254", "欧阳 娜", "测试县/行政审批服务局/审批管理科", "", 43661, "", ""],
    [3, "ｑｘ００２５５", "王　芳", "CTY-A-1", "", "2020/3/1", "13800138000", "在职"],
    [4, "QX00256", "赵强", "CTY-A-2", "", "", "", "离职"],
]


def _convert(source: Path, target: Path, filter_name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["soffice", "--headless", "--convert-to", filter_name]
            + ["--outdir", folder, str(source)],
            check=True,
            capture_output=True,
        )
        (converted,) = Path(folder).iterdir()
        shutil.copy(converted, target)


def legacy_roster(folder: Path) -> None:
    source = folder / "roster.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    for row in ROWS:
        sheet.append(row)
    sheet["F2"].number_format = "yyyy-mm-dd"
    workbook.create_sheet("说明").append(["填表说明"])
    workbook.save(source)
    _convert(source, HERE / "roster.xls", "xls:MS Excel 97")


def county_roster() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append([TITLE])
    sheet.merge_cells(
        start_row=1, start_column=1, end_row=1, end_column=len(COUNTY_HEADER)
    )
    sheet["A1"].font = Font(name="宋体", size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([NOTES])
    sheet.append(COUNTY_HEADER)
    for row in COUNTY_ROWS:
        sheet.append(row)
    for number in range(4, 4 + len(COUNTY_ROWS)):
        cell = sheet.cell(row=number, column=6)
        if isinstance(cell.value, datetime.date):
            cell.number_format = 'yyyy"年"m"月"d"日"'  # Excel's 长日期 in zh-CN
    workbook.save(HERE / "county.xlsx")
    _convert(HERE / "county.xlsx", HERE / "county.xls", "xls:MS Excel 97")
    _convert(
        HERE / "county.xlsx",
        HERE / "county-gbk.csv",
        "csv:Text - txt - csv (StarCalc):44,34,85",
    )


def not_a_roster() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["清溪县部门名单"])
    sheet.append(["名称", "单位名称", "人数"])
    sheet.append(["窗口服务科", "行政审批服务局", 12])
    workbook.save(HERE / "no-header.xlsx")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        legacy_roster(Path(folder))
    county_roster()
    not_a_roster()


if __name__ == "__main__":
    main()
