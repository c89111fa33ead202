"""How the legacy workbook beside this script was made (run by hand, not by the
tests: it needs LibreOffice Calc, which the project does not install).

    apt-get install -y --no-install-recommends libreoffice-calc-nogui
    cd tests/learning/roster/files && ../../../../.venv/bin/python make_files.py

openpyxl writes a roster laid out like the template, with a date cell, a phone
number stored as a number and a second sheet; LibreOffice saves it as Excel 97-2003
(BIFF8), as a county's old HR system would export it (roster.xls)."""

import datetime
import shutil
import subprocess
import tempfile
from pathlib import Path

from openpyxl import Workbook

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


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "roster.xlsx"
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "花名册"
        for row in ROWS:
            sheet.append(row)
        sheet["F2"].number_format = "yyyy-mm-dd"
        workbook.create_sheet("说明").append(["填表说明"])
        workbook.save(source)
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "xls:MS Excel 97"]
            + ["--outdir", str(Path(folder) / "out"), str(source)],
            check=True,
            capture_output=True,
        )
        shutil.copy(Path(folder) / "out" / "roster.xls", HERE / "roster.xls")


if __name__ == "__main__":
    main()
