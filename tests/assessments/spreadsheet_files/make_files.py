"""How the workbooks beside this script were made (run by hand, not by the tests:
it needs LibreOffice Calc and msoffcrypto-tool, which the project does not install).

    apt-get install -y --no-install-recommends libreoffice-calc-nogui
    python -m venv /tmp/crypt && /tmp/crypt/bin/pip install msoffcrypto-tool
    cd tests/assessments/spreadsheet_files
    ../../../.venv/bin/python make_files.py /tmp/crypt/bin/python

openpyxl writes the source (formulas without stored values, as openpyxl does);
LibreOffice opens it, computes the formulas and saves it as Excel does: shared strings,
stored formula values, a date style (roster_calc.xlsx) and as Excel 97-2003
(roster_legacy.xls). msoffcrypto-tool encrypts a copy with a password the way Excel's
"Encrypt with Password" does (protected.xlsx, password "civicskills")."""

import datetime
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
ROWS = [
    ["工号", "姓名", "部门", "入职日期", "学时", "部门全称", "身份证号"],
    [1001, "张伟", "QX-XZSP", datetime.date(2021, 9, 1), 12.5, '=C2&"/窗口"', "0101"],
    ["ＱＸ１００２", "李娜", "QX-DSJ", datetime.date(2018, 3, 15), 40, "=1+2", "0202"],
]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "roster_source.xlsx"
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "花名册"
        for row in ROWS:
            sheet.append(row)
        for cell in sheet["D"][1:]:
            cell.number_format = "yyyy-mm-dd"
        for cell in sheet["G"][1:]:
            cell.data_type = "s"
        workbook.create_sheet("说明").append(["填表说明"])
        workbook.save(source)
        for target, filter_name in (
            ("xlsx", "Calc MS Excel 2007 XML"),
            ("xls", "MS Excel 97"),
        ):
            subprocess.run(
                [
                    "soffice",
                    "--headless",
                    "--convert-to",
                    f"{target}:{filter_name}",
                    "--outdir",
                    str(Path(folder) / "out"),
                    str(source),
                ],
                check=True,
                capture_output=True,
            )
        out = Path(folder) / "out"
        shutil.copy(out / "roster_source.xlsx", HERE / "roster_calc.xlsx")
        shutil.copy(out / "roster_source.xls", HERE / "roster_legacy.xls")
    subprocess.run(
        [
            sys.argv[1],
            "-c",
            "import msoffcrypto.format.ooxml as o, sys;"
            "o.OOXMLFile(open(sys.argv[1], 'rb')).encrypt("
            "'civicskills', open(sys.argv[2], 'wb'))",
            str(HERE / "roster_calc.xlsx"),
            str(HERE / "protected.xlsx"),
        ],
        check=True,
    )


if __name__ == "__main__":
    main()
