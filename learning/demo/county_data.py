"""Reference data for the demo county, 清溪县 (Qingxi County).

Pure Python on purpose: the demo seeding command and the tests read it without a
database. Everything here is fixed data; the only randomness is in `person_name`,
which draws from the generator it is given.

Conventions
- Department `weight` is the unit's *own* headcount, excluding its children; all
  weights add up to exactly `STAFF_TOTAL`, so a generator can use them directly as
  head counts or as relative weights.
- Department codes are `QX-<UNIT>` for units under the county and
  `QX-<UNIT>-<SUB>` for their sections and offices.
- In each position's `ranks` the most typical rank comes first.
- `positions_for(code)` and `head_position(code)` say which positions fit a unit
  (a town has a 镇长, a township a 乡长, a subdistrict a 街道办事处主任; a brigade
  has a 大队长 rather than a 科长), so a generator need not re-derive it.
"""

from __future__ import annotations

import random
from itertools import accumulate

STAFF_TOTAL = 3000

COUNTY = {"code": "QX", "name": "清溪县", "name_en": "Qingxi County", "kind": "county"}

# --------------------------------------------------------------------------------------
# Departments directly under the county, each with its internal sections.
# (code, name, name_en, kind, own weight, [(section code, name, name_en, weight), ...])
# --------------------------------------------------------------------------------------

_GENERAL = ("ZH", "综合科", "General Affairs Section")

# fmt: off
_COUNTY_UNITS: list[tuple[str, str, str, str, int, list[tuple[str, str, str, int]]]] = [
    # ---- offices and centres -------------------------------------------------------
    ("ZFB", "县政府办公室", "County Government Office", "office", 12, [
        (*_GENERAL, 10),
        ("MS", "秘书科", "Secretariat Section", 10),
        ("DC", "督查科", "Supervision and Inspection Section", 8),
        ("XX", "信息科", "Information Section", 6),
    ]),
    ("ZWFW", "政务服务中心", "Government Service Centre", "office", 8, [
        ("YXGL", "运行管理科", "Operations Management Section", 8),
        ("ZHCK", "综合窗口科", "One-Stop Window Section", 30),
        ("BBDB", "帮办代办科", "Assisted Application Section", 10),
    ]),
    ("12345", "12345政务服务便民热线中心", "12345 Government Service Hotline Centre",
     "office", 5, [
        ("HWSL", "话务受理科", "Call Handling Section", 24),
        ("ZBDB", "转办督办科", "Case Dispatch and Follow-up Section", 8),
        ("HFPJ", "回访评价科", "Callback and Evaluation Section", 5),
    ]),
    ("DAG", "档案馆", "County Archives", "office", 14, []),
    ("JGSW", "机关事务服务中心", "Government Offices Administration Centre", "office",
     22, []),
    ("GGZY", "公共资源交易中心", "Public Resources Trading Centre", "office", 16, []),
    ("TZCJ", "投资促进服务中心", "Investment Promotion Service Centre", "office",
     14, []),
    ("GFDY", "国防动员办公室", "National Defence Mobilisation Office", "office", 8, []),
    ("LSWZ", "粮食和物资储备服务中心", "Grain and Material Reserves Service Centre",
     "office", 10, []),
    ("DFZ", "地方志编纂中心", "Local Chronicles Compilation Centre", "office", 6, []),
    ("XCZX", "乡村振兴服务中心", "Rural Revitalisation Service Centre", "office",
     16, []),
    # ---- bureaus -------------------------------------------------------------------
    ("XZSP", "行政审批服务局", "Administrative Approval Service Bureau", "bureau", 8, [
        (*_GENERAL, 8),
        ("CK", "窗口服务科", "Service Window Section", 34),
        ("SPGL", "审批管理科", "Approval Management Section", 16),
        ("ZWGK", "政务公开科", "Government Information Disclosure Section", 6),
        ("TKPS", "踏勘评审科", "Site Inspection and Review Section", 8),
    ]),
    ("DSJ", "大数据发展局", "Big Data Development Bureau", "bureau", 5, [
        (*_GENERAL, 5),
        ("SJZY", "数据资源科", "Data Resources Section", 9),
        ("WLAQ", "网络安全科", "Cybersecurity Section", 7),
        ("DZZW", "电子政务科", "E-Government Section", 9),
        ("SZJJ", "数字经济科", "Digital Economy Section", 5),
    ]),
    ("FGJ", "发展和改革局", "Development and Reform Bureau", "bureau", 6, [
        (*_GENERAL, 6),
        ("TZ", "投资科", "Investment Section", 8),
        ("JGGL", "价格管理科", "Price Administration Section", 6),
        ("JJYX", "经济运行与能源科", "Economic Operation and Energy Section", 7),
    ]),
    ("GXJ", "工业和信息化局", "Industry and Information Technology Bureau", "bureau",
     5, [
        (*_GENERAL, 5),
        ("GYFZ", "工业发展科", "Industrial Development Section", 8),
        ("ZXQY", "中小企业服务科", "SME Services Section", 6),
        ("XXH", "信息化推进科", "Informatisation Section", 5),
    ]),
    ("KJJ", "科学技术局", "Science and Technology Bureau", "bureau", 4, [
        (*_GENERAL, 4),
        ("KJJH", "科技计划与成果科", "Science Programmes and Achievements Section", 6),
        ("KJRC", "科技人才科", "Science and Technology Talent Section", 4),
    ]),
    ("CZJ", "财政局", "Finance Bureau", "bureau", 10, [
        (*_GENERAL, 10),
        ("YS", "预算科", "Budget Section", 12),
        ("GK", "国库科", "Treasury Section", 14),
        ("ZFCG", "政府采购管理科", "Government Procurement Section", 8),
        ("CZJD", "财政监督科", "Fiscal Supervision Section", 8),
    ]),
    ("MZJ", "民政局", "Civil Affairs Bureau", "bureau", 6, [
        (*_GENERAL, 6),
        ("SHJZ", "社会救助科", "Social Assistance Section", 12),
        ("YLFW", "养老服务科", "Elderly Care Services Section", 9),
        ("HYDJ", "婚姻登记科", "Marriage Registration Section", 6),
        ("SHZZ", "社会组织管理科", "Social Organisations Section", 5),
    ]),
    ("RSJ", "人力资源和社会保障局", "Human Resources and Social Security Bureau",
     "bureau", 8, [
        (*_GENERAL, 8),
        ("JYCJ", "就业促进科", "Employment Promotion Section", 16),
        ("SHBX", "社会保险科", "Social Insurance Section", 22),
        ("LDGX", "劳动关系科", "Labour Relations Section", 10),
        ("GWYGL", "公务员管理科", "Civil Service Management Section", 7),
    ]),
    ("GAJ", "公安局", "Public Security Bureau", "bureau", 40, [
        ("ZAGL", "治安管理大队", "Public Order Brigade", 56),
        ("XSZC", "刑事侦查大队", "Criminal Investigation Brigade", 69),
        ("HZGL", "户政管理大队", "Household Registration Brigade", 34),
        ("JJDD", "交通警察大队", "Traffic Police Brigade", 72),
        ("XTJ", "巡特警大队", "Patrol and Special Police Brigade", 50),
    ]),
    ("SJJ", "审计局", "Audit Bureau", "bureau", 5, [
        (*_GENERAL, 5),
        ("CZSJ", "财政审计科", "Fiscal Audit Section", 9),
        ("JJZR", "经济责任审计科", "Economic Accountability Audit Section", 9),
    ]),
    ("TJJ", "统计局", "Statistics Bureau", "bureau", 4, [
        (*_GENERAL, 5),
        ("DCTJ", "统计调查科", "Statistical Survey Section", 8),
        ("GMJJ", "国民经济核算科", "National Accounts Section", 5),
    ]),
    ("SFJ", "司法局", "Justice Bureau", "bureau", 6, [
        (*_GENERAL, 6),
        ("ZFJD", "行政执法协调监督科", "Law Enforcement Oversight Section", 7),
        ("GGFL", "公共法律服务科", "Public Legal Services Section", 10),
        ("PFZL", "普法与依法治理科", "Legal Education and Rule-of-Law Section", 6),
    ]),
    ("SCJG", "市场监督管理局", "Market Supervision and Administration Bureau",
     "bureau", 10, [
        (*_GENERAL, 10),
        ("DJZC", "登记注册科", "Business Registration Section", 18),
        ("SPAQ", "食品安全监管科", "Food Safety Supervision Section", 22),
        ("YPYL", "药品医疗器械监管科", "Drug and Medical Device Supervision Section",
         12),
        ("XFWQ", "消费者权益保护科", "Consumer Protection Section", 12),
    ]),
    ("ZRZY", "自然资源局", "Natural Resources Bureau", "bureau", 8, [
        (*_GENERAL, 8),
        ("GTGH", "国土空间规划科", "Territorial Spatial Planning Section", 12),
        ("GDBH", "耕地保护科", "Farmland Protection Section", 12),
        ("BDC", "不动产登记科", "Real Estate Registration Section", 22),
        ("ZFJC", "执法监察科", "Law Enforcement and Inspection Section", 14),
    ]),
    ("STHJ", "生态环境分局", "Ecology and Environment Branch Bureau", "bureau", 5, [
        (*_GENERAL, 5),
        ("HPXK", "环评与排污许可科", "EIA and Discharge Permits Section", 7),
        ("WRFZ", "污染防治科", "Pollution Prevention and Control Section", 8),
        ("ZFDD", "生态环境保护综合行政执法大队",
         "Ecological and Environmental Law Enforcement Brigade", 16),
    ]),
    ("WJJ", "卫生健康局", "Health Bureau", "bureau", 8, [
        (*_GENERAL, 8),
        ("YZYG", "医政医管科", "Medical Administration Section", 12),
        ("JBYF", "疾病预防控制科", "Disease Prevention and Control Section", 14),
        ("JCWS", "基层卫生与妇幼健康科",
         "Primary Care and Maternal and Child Health Section", 10),
        ("RKJT", "人口监测与家庭发展科",
         "Population Monitoring and Family Development Section", 6),
    ]),
    ("JYJ", "教育局", "Education Bureau", "bureau", 20, [
        (*_GENERAL, 14),
        ("JCJY", "基础教育科", "Basic Education Section", 32),
        ("RS", "人事科", "Personnel Section", 22),
        ("XSZZ", "学生资助科", "Student Financial Aid Section", 14),
        ("JYDD", "教育督导科", "Education Inspection Section", 20),
    ]),
    ("ZJJ", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau",
     "bureau", 8, [
        (*_GENERAL, 8),
        ("CZJS", "村镇建设科", "Town and Village Construction Section", 10),
        ("JZSC", "建筑市场监管科", "Construction Market Regulation Section", 12),
        ("ZFBZ", "住房保障科", "Housing Security Section", 10),
        ("ZLAQ", "工程质量安全监督科", "Construction Quality and Safety Section", 14),
    ]),
    ("JTJ", "交通运输局", "Transport Bureau", "bureau", 8, [
        (*_GENERAL, 8),
        ("GHJS", "规划建设科", "Planning and Construction Section", 12),
        ("YSGL", "运输管理科", "Transport Operations Section", 12),
        ("ZFDD", "交通运输综合执法大队", "Transport Law Enforcement Brigade", 26),
    ]),
    ("NYJ", "农业农村局", "Agriculture and Rural Affairs Bureau", "bureau", 10, [
        (*_GENERAL, 10),
        ("NTJS", "农田建设管理科", "Farmland Construction Section", 14),
        ("ZZY", "种植业管理科", "Crop Production Section", 16),
        ("HZJJ", "农村合作经济指导科", "Rural Cooperative Economy Section", 12),
        ("ZLAQ", "农产品质量安全科",
         "Agricultural Product Quality and Safety Section", 14),
    ]),
    ("SLJ", "水利局", "Water Resources Bureau", "bureau", 7, [
        (*_GENERAL, 7),
        ("SHFY", "水旱灾害防御科", "Flood and Drought Disaster Prevention Section", 12),
        ("SZY", "水资源管理科", "Water Resources Management Section", 10),
        ("NCSL", "农村水利科", "Rural Water Conservancy Section", 12),
    ]),
    ("LYJ", "林业局", "Forestry Bureau", "bureau", 6, [
        (*_GENERAL, 6),
        ("SLZY", "森林资源管理科", "Forest Resources Management Section", 14),
        ("STXF", "生态保护修复科", "Ecological Protection and Restoration Section", 12),
    ]),
    ("YJJ", "应急管理局", "Emergency Management Bureau", "bureau", 6, [
        (*_GENERAL, 6),
        ("AQSC", "安全生产监督管理科", "Work Safety Supervision Section", 12),
        ("FZJZ", "防灾减灾救灾科", "Disaster Prevention and Relief Section", 9),
        ("YJZH", "应急指挥科", "Emergency Command Section", 8),
        ("ZFDD", "应急管理综合行政执法大队",
         "Emergency Management Law Enforcement Brigade", 14),
    ]),
    ("TYJR", "退役军人事务局", "Veterans Affairs Bureau", "bureau", 5, [
        (*_GENERAL, 5),
        ("YJAZ", "移交安置科", "Transfer and Resettlement Section", 8),
        ("YFBY", "优抚褒扬科", "Preferential Care and Commemoration Section", 8),
    ]),
    ("WLJ", "文化和旅游局", "Culture and Tourism Bureau", "bureau", 6, [
        (*_GENERAL, 6),
        ("WHYS", "文化艺术科", "Culture and Arts Section", 7),
        ("LYFZ", "旅游发展科", "Tourism Development Section", 8),
        ("WWBH", "文物保护科", "Cultural Heritage Section", 6),
        ("ZFDD", "文化市场综合执法大队", "Cultural Market Law Enforcement Brigade", 12),
    ]),
    ("SWJ", "商务局", "Commerce Bureau", "bureau", 5, [
        (*_GENERAL, 5),
        ("WMWZ", "外贸外资科", "Foreign Trade and Investment Section", 6),
        ("SCYX", "市场运行和消费促进科", "Market Operation and Consumption Section", 7),
        ("DZSW", "电子商务科", "E-Commerce Section", 6),
    ]),
    ("YBJ", "医疗保障局", "Healthcare Security Bureau", "bureau", 5, [
        (*_GENERAL, 5),
        ("DYBZ", "待遇保障科", "Benefits Section", 10),
        ("YYFW", "医药服务管理科", "Medical Services Management Section", 8),
        ("JJJG", "基金监管科", "Fund Supervision Section", 10),
    ]),
    ("XFJ", "信访局", "Public Complaints and Proposals Bureau", "bureau", 5, [
        (*_GENERAL, 5),
        ("BXJF", "办信接访科", "Letters and Visits Reception Section", 9),
        ("DCDB", "督查督办科", "Case Supervision Section", 6),
    ]),
    ("CGJ", "城市管理局", "Urban Management Bureau", "bureau", 8, [
        (*_GENERAL, 8),
        ("SRHW", "市容环境卫生科", "City Appearance and Sanitation Section", 16),
        ("SZGY", "市政公用科", "Municipal Utilities Section", 12),
        ("ZFDD", "城市管理综合行政执法大队",
         "Urban Management Law Enforcement Brigade", 40),
    ]),
]
# fmt: on

# --------------------------------------------------------------------------------------
# Townships and subdistricts. Each has a convenience service centre and 2-3 offices.
# (code, name, name_en, total headcount incl. offices, [office keys])
# --------------------------------------------------------------------------------------

# fmt: off
_TOWNSHIP_OFFICES: dict[str, tuple[str, str, int]] = {
    # key: (name, name_en, share of the township headcount in percent)
    "BMFW": ("便民服务中心", "Convenience Service Centre", 22),
    "DZB": ("党政综合办公室", "Party and Government Affairs Office", 14),
    "SHSW": ("社会事务办公室", "Social Affairs Office", 14),
    "JJFZ": ("经济发展办公室", "Economic Development Office", 12),
    "PAJS": ("平安建设办公室", "Public Safety and Social Governance Office", 11),
    "ZHZF": ("综合行政执法办公室", "Comprehensive Law Enforcement Office", 13),
    "CSGL": ("城市管理办公室", "Urban Management Office", 13),
    "NYFZ": ("农业农村发展办公室", "Agriculture and Rural Development Office", 12),
}

_TOWNSHIPS: list[tuple[str, str, str, int, tuple[str, ...]]] = [
    ("CGJD", "城关街道", "Chengguan Subdistrict", 92, ("DZB", "SHSW", "CSGL")),
    ("XDJD", "溪东街道", "Xidong Subdistrict", 70, ("DZB", "SHSW", "CSGL")),
    ("XXJD", "溪西街道", "Xixi Subdistrict", 64, ("DZB", "PAJS", "CSGL")),
    ("QSZ", "青石镇", "Qingshi Town", 66, ("DZB", "JJFZ", "SHSW")),
    ("BSZ", "白沙镇", "Baisha Town", 60, ("DZB", "JJFZ", "ZHZF")),
    ("FLZ", "枫林镇", "Fenglin Town", 56, ("DZB", "SHSW", "NYFZ")),
    ("TYZ", "桃源镇", "Taoyuan Town", 58, ("DZB", "JJFZ", "PAJS")),
    ("SMZ", "石门镇", "Shimen Town", 54, ("DZB", "SHSW", "ZHZF")),
    ("LTZ", "柳塘镇", "Liutang Town", 50, ("DZB", "NYFZ")),
    ("SGZ", "松岗镇", "Songgang Town", 52, ("DZB", "JJFZ", "SHSW")),
    ("SHZ", "双河镇", "Shuanghe Town", 54, ("DZB", "SHSW", "PAJS")),
    ("MLZ", "梅岭镇", "Meiling Town", 46, ("DZB", "NYFZ")),
    ("GQZ", "高桥镇", "Gaoqiao Town", 58, ("DZB", "JJFZ", "ZHZF")),
    ("YTX", "云台乡", "Yuntai Township", 38, ("DZB", "SHSW")),
    ("ZPX", "竹坪乡", "Zhuping Township", 36, ("DZB", "NYFZ")),
    ("SMX", "杉木乡", "Shanmu Township", 34, ("DZB", "SHSW")),
    ("CYX", "茶园乡", "Chayuan Township", 40, ("DZB", "NYFZ", "SHSW")),
    ("YKX", "岩口乡", "Yankou Township", 34, ("DZB", "PAJS")),
    ("MAX", "马鞍乡", "Ma'an Township", 32, ("DZB", "SHSW")),
]
# fmt: on


def _build_departments() -> list[dict]:
    departments: list[dict] = []

    def add(code: str, name: str, name_en: str, kind: str, parent, weight: int):
        departments.append(
            {
                "code": code,
                "name": name,
                "name_en": name_en,
                "kind": kind,
                "parent": parent,
                "weight": weight,
            }
        )

    for code, name, name_en, kind, weight, sections in _COUNTY_UNITS:
        unit = f"QX-{code}"
        add(unit, name, name_en, kind, None, weight)
        for sub, sub_name, sub_name_en, sub_weight in sections:
            add(f"{unit}-{sub}", sub_name, sub_name_en, "section", unit, sub_weight)

    for code, name, name_en, total, extra in _TOWNSHIPS:
        unit = f"QX-{code}"
        keys = ("BMFW", *extra)
        shares = {key: total * _TOWNSHIP_OFFICES[key][2] // 100 for key in keys}
        # The township's own weight (leaders, village-stationed cadres) takes the rest.
        add(unit, name, name_en, "township", None, total - sum(shares.values()))
        for key in keys:
            office_name, office_name_en, _share = _TOWNSHIP_OFFICES[key]
            add(
                f"{unit}-{key}",
                office_name,
                office_name_en,
                "office",
                unit,
                shares[key],
            )
    return departments


DEPARTMENTS: list[dict] = _build_departments()

# --------------------------------------------------------------------------------------
# Civil-service ranks (职级) as set up for county-level organs.
# --------------------------------------------------------------------------------------

# fmt: off
RANKS: list[dict] = [
    {"code": "R1", "name": "办事员", "name_en": "Clerk", "order": 1},
    {"code": "R2", "name": "科员", "name_en": "Staff Member", "order": 2},
    {"code": "R3", "name": "四级主任科员", "name_en": "Principal Staff Member, Level 4",
     "order": 3},
    {"code": "R4", "name": "三级主任科员", "name_en": "Principal Staff Member, Level 3",
     "order": 4},
    {"code": "R5", "name": "二级主任科员", "name_en": "Principal Staff Member, Level 2",
     "order": 5},
    {"code": "R6", "name": "一级主任科员", "name_en": "Principal Staff Member, Level 1",
     "order": 6},
    {"code": "R7", "name": "四级调研员", "name_en": "Senior Researcher, Level 4",
     "order": 7},
    {"code": "R8", "name": "三级调研员", "name_en": "Senior Researcher, Level 3",
     "order": 8},
    {"code": "R9", "name": "二级调研员", "name_en": "Senior Researcher, Level 2",
     "order": 9},
    {"code": "R10", "name": "一级调研员", "name_en": "Senior Researcher, Level 1",
     "order": 10},
]
# fmt: on

# --------------------------------------------------------------------------------------
# Positions. `ranks` lists the ranks typical for holders, most typical first.
# --------------------------------------------------------------------------------------


def _position(code, title, title_en, is_leader, ranks, kinds, *, head=False) -> dict:
    # A leading position (领导职务: heads and their deputies) or staff; `head` marks
    # the one position that heads a unit (one director per bureau).
    return {
        "code": code,
        "title": title,
        "title_en": title_en,
        "is_leader": is_leader,
        "head": head,
        "ranks": ranks,
        "kinds": kinds,
    }


_ALL_UNITS = ["bureau", "office", "section", "township"]

# fmt: off
POSITIONS: list[dict] = [
    # Leading positions: the head of each unit and the deputies.
    _position("JZ", "局长", "Director", True, ["R7", "R6", "R8", "R9"], ["bureau"],
              head=True),
    _position("FJZ", "副局长", "Deputy Director", True, ["R5", "R6", "R4", "R7"],
              ["bureau"]),
    _position("ZR", "主任", "Director", True, ["R6", "R5", "R7", "R4"], ["office"],
              head=True),
    _position("FZR", "副主任", "Deputy Director", True, ["R4", "R5", "R3", "R6"],
              ["office"]),
    _position("GZ", "馆长", "Director of the Archives", True, ["R6", "R5", "R7"],
              ["office"], head=True),
    _position("FGZ", "副馆长", "Deputy Director of the Archives", True,
              ["R4", "R5", "R3"], ["office"]),
    _position("ZZ", "镇长", "Town Mayor", True, ["R7", "R6", "R8"], ["township"],
              head=True),
    _position("FZZ", "副镇长", "Deputy Town Mayor", True, ["R5", "R4", "R6"],
              ["township"]),
    _position("XZ", "乡长", "Township Head", True, ["R7", "R6", "R8"], ["township"],
              head=True),
    _position("FXZ", "副乡长", "Deputy Township Head", True, ["R5", "R4", "R6"],
              ["township"]),
    _position("JDZR", "街道办事处主任", "Director of the Subdistrict Office", True,
              ["R7", "R6", "R8"], ["township"], head=True),
    _position("JDFZR", "街道办事处副主任", "Deputy Director of the Subdistrict Office",
              True, ["R5", "R4", "R6"], ["township"]),
    _position("KZ", "科长", "Section Chief", True, ["R4", "R3", "R5"], ["section"],
              head=True),
    _position("FKZ", "副科长", "Deputy Section Chief", True, ["R3", "R2", "R4"],
              ["section"]),
    _position("DDZ", "大队长", "Brigade Captain", True, ["R5", "R4", "R6"],
              ["section"], head=True),
    _position("FDDZ", "副大队长", "Deputy Brigade Captain", True, ["R4", "R3", "R5"],
              ["section"]),
    # Staff.
    _position("KY", "科员", "Staff Member", False, ["R2", "R3", "R4", "R5"],
              _ALL_UNITS),
    _position("BSY", "办事员", "Clerk", False, ["R1", "R2"], _ALL_UNITS),
    _position("DYY", "调研员", "Senior Researcher (non-leading)", False,
              ["R7", "R8", "R9", "R10"], ["bureau", "office", "township"]),
    _position("CKRY", "窗口工作人员", "Service Window Officer", False,
              ["R2", "R1", "R3"], ["office", "section"]),
    _position("ZHSL", "综合受理员", "One-Stop Intake Officer", False,
              ["R2", "R1", "R3"], ["office", "section"]),
    _position("HWY", "热线话务员", "Hotline Operator", False, ["R1", "R2"],
              ["office", "section"]),
    _position("MJ", "民警", "Police Officer", False, ["R2", "R3", "R4", "R1", "R5"],
              ["bureau", "section"]),
    _position("ZFY", "执法队员", "Law Enforcement Officer", False, ["R2", "R1", "R3"],
              ["office", "section"]),
    _position("WGY", "网格员", "Grid Worker", False, ["R1", "R2"], ["office"]),
]
# fmt: on

# Which units a position fits beyond its kind: the unit's name must end with one of
# `suffix`, and the unit's or an ancestor's name must contain one of `within`;
# `township` requires the unit to be a township or to sit inside one; `top` requires a
# unit directly under the county.
_POSITION_RULES: dict[str, dict] = {
    "JZ": {"suffix": ("局",)},
    "FJZ": {"suffix": ("局",)},
    "ZR": {"suffix": ("室", "中心")},
    "FZR": {"suffix": ("室", "中心")},
    "GZ": {"suffix": ("馆",)},
    "FGZ": {"suffix": ("馆",)},
    "ZZ": {"suffix": ("镇",)},
    "FZZ": {"suffix": ("镇",)},
    "XZ": {"suffix": ("乡",)},
    "FXZ": {"suffix": ("乡",)},
    "JDZR": {"suffix": ("街道",)},
    "JDFZR": {"suffix": ("街道",)},
    "KZ": {"suffix": ("科",)},
    "FKZ": {"suffix": ("科",)},
    "DDZ": {"suffix": ("大队",)},
    "FDDZ": {"suffix": ("大队",)},
    "CKRY": {"within": ("窗口", "政务服务中心", "便民服务中心")},
    "ZHSL": {"within": ("窗口", "政务服务中心", "便民服务中心")},
    "HWY": {"within": ("12345",)},
    "MJ": {"within": ("公安局",)},
    "ZFY": {"within": ("执法",)},
    "WGY": {"within": ("社会事务", "平安建设"), "township": True},
    "DYY": {"top": True},
}

_DEPARTMENTS_BY_CODE: dict[str, dict] = {d["code"]: d for d in DEPARTMENTS}


def _lineage(department: dict) -> list[dict]:
    """The department followed by its ancestors up to (not including) the county."""
    chain = [department]
    while chain[-1]["parent"] is not None:
        chain.append(_DEPARTMENTS_BY_CODE[chain[-1]["parent"]])
    return chain


def positions_for(code: str) -> list[dict]:
    """The positions that fit the department with this code, in `POSITIONS` order."""
    department = _DEPARTMENTS_BY_CODE[code]
    lineage = _lineage(department)
    fitting = []
    for position in POSITIONS:
        if department["kind"] not in position["kinds"]:
            continue
        rule = _POSITION_RULES.get(position["code"], {})
        if "suffix" in rule and not department["name"].endswith(rule["suffix"]):
            continue
        if "within" in rule and not any(
            hint in unit["name"] for unit in lineage for hint in rule["within"]
        ):
            continue
        if rule.get("township") and lineage[-1]["kind"] != "township":
            continue
        if rule.get("top") and department["parent"] is not None:
            continue
        fitting.append(position)
    return fitting


def head_position(code: str) -> dict:
    """The one leader position that heads the department with this code."""
    (head,) = [p for p in positions_for(code) if p["head"]]
    return head


# --------------------------------------------------------------------------------------
# Names. Surname weights are rough shares per ten thousand people, in the spirit of
# national surname statistics (王, 李, 张 each around 7%).
# --------------------------------------------------------------------------------------

# fmt: off
SURNAMES: list[tuple[str, int]] = [
    ("王", 715), ("李", 700), ("张", 670), ("刘", 540), ("陈", 460),
    ("杨", 310), ("黄", 230), ("赵", 220), ("吴", 200), ("周", 190),
    ("徐", 150), ("孙", 150), ("马", 140), ("朱", 130), ("胡", 130),
    ("郭", 115), ("何", 110), ("高", 110), ("林", 105), ("罗", 90),
    ("郑", 85), ("梁", 80), ("谢", 72), ("宋", 70), ("唐", 68),
    ("许", 62), ("韩", 60), ("冯", 60), ("邓", 58), ("曹", 57),
    ("彭", 56), ("曾", 54), ("肖", 52), ("田", 51), ("董", 50),
    ("袁", 48), ("潘", 45), ("于", 45), ("蒋", 44), ("蔡", 44),
    ("余", 43), ("杜", 42), ("叶", 42), ("程", 41), ("苏", 40),
    ("魏", 39), ("吕", 38), ("丁", 38), ("任", 37), ("沈", 35),
    ("姚", 34), ("卢", 34), ("姜", 33), ("崔", 32), ("钟", 32),
    ("谭", 31), ("陆", 31), ("汪", 30), ("范", 30), ("金", 29),
    ("石", 29), ("廖", 28), ("贾", 28), ("夏", 27), ("韦", 27),
    ("付", 26), ("方", 26), ("白", 25), ("邹", 25), ("孟", 24),
    ("熊", 24), ("秦", 23), ("邱", 23), ("江", 23), ("尹", 22),
    ("薛", 22), ("闫", 21), ("段", 21), ("雷", 21), ("侯", 20),
    ("龙", 20), ("史", 20), ("陶", 19), ("黎", 19), ("贺", 19),
    ("顾", 18), ("毛", 18), ("郝", 18), ("龚", 17), ("邵", 17),
    ("万", 16), ("钱", 16), ("严", 15), ("覃", 15), ("武", 15),
    ("戴", 14), ("莫", 13), ("孔", 13), ("向", 13), ("汤", 13),
]
# fmt: on

# Given-name characters by the impression they usually give; `person_name` picks a
# pool first so that one name does not mix a strongly male and a strongly female
# character.
_MALE_CHARS = (
    "伟强磊军勇杰涛斌超刚辉鹏飞鑫波浩凯健俊帅旭龙峰建国志东海亮栋博翔森昊"
    "睿轩泽豪锋毅诚铭鸿振彬瑞坤晖武德兵福贵祥宏忠义胜山江川松柏庆光兴宗"
    "达发平力金岩钢煜骏哲皓恒朗"
)
_FEMALE_CHARS = (
    "芳娜敏静丽艳娟霞燕玲婷雪慧莉倩琳颖洁红梅兰萍秀英珍琴莹蕾璐瑶怡妍薇晶"
    "露凤菲媛娇姗蓉茜岚丹雯琪婉淑娅婕曼巧柔霖黛蓓妮娥彩桂莎璇蕊馨萱婧"
)
_NEUTRAL_CHARS = (
    "晓文嘉一子春秋雨思安清新宇乐天云昕彤凡梓若可心远成明阳华林宁晨欣佳"
    "悦月玉立永世家然涵君卓言怀舒逸航晴诗雅之楠晗"
)

GIVEN_NAME_CHARS: str = _MALE_CHARS + _FEMALE_CHARS + _NEUTRAL_CHARS

_SURNAME_CHARS = [surname for surname, _weight in SURNAMES]
_SURNAME_CUM_WEIGHTS = list(accumulate(weight for _surname, weight in SURNAMES))
_MALE_POOL = _MALE_CHARS + _NEUTRAL_CHARS
_FEMALE_POOL = _FEMALE_CHARS + _NEUTRAL_CHARS


def person_name(rng: random.Random) -> str:
    """A plausible full name: a weighted surname and one (about 30%) or two given
    characters. The same seeded generator yields the same sequence of names."""
    surname = rng.choices(_SURNAME_CHARS, cum_weights=_SURNAME_CUM_WEIGHTS)[0]
    pool = _MALE_POOL if rng.random() < 0.5 else _FEMALE_POOL
    length = 1 if rng.random() < 0.3 else 2
    given = ""
    while len(given) < length:
        char = rng.choice(pool)
        # Avoid "林林"-style echoes of the surname and repeated characters.
        if char != surname and char not in given:
            given += char
    return surname + given


if __name__ == "__main__":
    import re
    from collections import Counter

    kinds = {"bureau", "township", "office", "section"}
    seen: set[str] = set()
    for dept in DEPARTMENTS:
        code = dept["code"]
        assert set(dept) == {"code", "name", "name_en", "kind", "parent", "weight"}
        assert re.fullmatch(r"[A-Z0-9-]+", code), code
        assert code not in seen, f"duplicate code {code}"
        assert dept["kind"] in kinds, code
        assert dept["name"] and dept["name_en"].isascii(), code
        assert isinstance(dept["weight"], int) and dept["weight"] > 0, code
        parent = dept["parent"]
        assert parent is None or parent in seen, f"{code}: parent {parent} not before"
        if dept["kind"] == "section":
            assert parent is not None, code
        if dept["kind"] == "township":
            assert parent is None, code
        if parent is not None:
            assert code.startswith(parent + "-"), code
        seen.add(code)

    total = sum(d["weight"] for d in DEPARTMENTS)
    assert total == STAFF_TOTAL, f"weights add up to {total}, not {STAFF_TOTAL}"

    top = [d for d in DEPARTMENTS if d["parent"] is None]
    direct = [d for d in top if d["kind"] in {"bureau", "office"}]
    townships = [d for d in top if d["kind"] == "township"]
    sections = [d for d in DEPARTMENTS if d["kind"] == "section"]
    township_offices = [
        d for d in DEPARTMENTS if d["kind"] == "office" and d["parent"] is not None
    ]
    children = Counter(d["parent"] for d in DEPARTMENTS if d["parent"])
    assert 36 <= len(direct) <= 44, len(direct)
    assert len(townships) == 19, len(townships)
    for dept in direct:
        if dept["kind"] == "bureau":
            assert 2 <= children[dept["code"]] <= 5, dept["code"]
    for dept in townships:
        assert f"{dept['code']}-BMFW" in seen, dept["code"]
        assert 3 <= children[dept["code"]] <= 4, dept["code"]

    rank_codes = [r["code"] for r in RANKS]
    assert len(set(rank_codes)) == len(RANKS) == 10
    assert [r["order"] for r in RANKS] == list(range(1, 11))
    position_codes = [p["code"] for p in POSITIONS]
    assert len(set(position_codes)) == len(POSITIONS)
    assert set(_POSITION_RULES) <= set(position_codes)
    for position in POSITIONS:
        assert set(position["ranks"]) <= set(rank_codes), position["code"]
        assert set(position["kinds"]) <= kinds, position["code"]
    used = Counter()
    for dept in DEPARTMENTS:
        fitting = positions_for(dept["code"])
        head = head_position(dept["code"])  # exactly one head, or this raises
        assert any(not p["is_leader"] for p in fitting), dept["code"]
        used.update(p["code"] for p in fitting)
        assert head["is_leader"]
    unused = set(position_codes) - set(used)
    assert not unused, f"positions that fit no unit: {unused}"

    surnames = [s for s, _w in SURNAMES]
    assert len(set(surnames)) == len(surnames) >= 95, len(surnames)
    assert len(set(GIVEN_NAME_CHARS)) == len(GIVEN_NAME_CHARS), "duplicate chars"
    assert 180 <= len(GIVEN_NAME_CHARS) <= 240, len(GIVEN_NAME_CHARS)
    sample = [person_name(random.Random(7)) for _ in range(3)]
    assert len(set(sample)) == 1, "person_name is not deterministic"
    rng = random.Random(7)
    lengths = Counter(len(person_name(rng)) for _ in range(10_000))
    assert 0.25 < lengths[2] / 10_000 < 0.35, lengths

    print(
        f"directly under the county: {len(direct)} "
        f"({sum(d['kind'] == 'bureau' for d in direct)} bureaus, "
        f"{sum(d['kind'] == 'office' for d in direct)} offices)"
    )
    print(
        f"townships/subdistricts: {len(townships)}, "
        f"their offices: {len(township_offices)}"
    )
    print(f"sections: {len(sections)}")
    print(f"departments in all: {len(DEPARTMENTS)}, staff weights: {total}")
    print(
        f"ranks: {len(RANKS)}, positions: {len(POSITIONS)}, "
        f"surnames: {len(SURNAMES)}, given-name chars: {len(GIVEN_NAME_CHARS)}"
    )
    rng = random.Random(1)
    print("sample names:", " ".join(person_name(rng) for _ in range(10)))
