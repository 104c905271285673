"""The shape of a synthetic Qingdao year: who the enterprises are and how often things happen.

Rates are per year and per enterprise or per 1,000 insured workers, so a larger ``--scale`` gives
proportionally more of everything. The figures are plausible orders of magnitude for a city of
Qingdao's size (about 1.2 million workers insured against work injury in the registry drawn here,
a few thousand recognised work injuries a year, pneumoconiosis the dominant occupational disease),
not official statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

#: enterprises in the registry at ``--scale 1``
ENTERPRISES_AT_SCALE_1 = 20_000


@dataclass(frozen=True)
class IndustryProfile:
    code: str  # GB/T 4754-2017 division (section letter + two digits)
    weight: float  # relative number of enterprises
    injuries_per_1000: float  # work injuries per 1,000 insured workers per year
    dusty: bool = False  # dust / chemical / noise exposure: measurements, examinations, OD


INDUSTRIES: tuple[IndustryProfile, ...] = (
    IndustryProfile("B10", 0.006, 9.0, dusty=True),  # 非金属矿采选
    IndustryProfile("C13", 0.050, 4.0),  # 农副食品加工
    IndustryProfile("C17", 0.030, 3.0, dusty=True),  # 纺织
    IndustryProfile("C18", 0.040, 2.5),  # 服装
    IndustryProfile("C26", 0.030, 4.5, dusty=True),  # 化学原料和化学制品
    IndustryProfile("C29", 0.045, 5.0, dusty=True),  # 橡胶和塑料制品 (tyres)
    IndustryProfile("C30", 0.025, 7.0, dusty=True),  # 非金属矿物制品 (building materials)
    IndustryProfile("C31", 0.008, 8.0, dusty=True),  # 黑色金属冶炼
    IndustryProfile("C32", 0.006, 7.5, dusty=True),  # 有色金属冶炼
    IndustryProfile("C33", 0.060, 7.0, dusty=True),  # 金属制品
    IndustryProfile("C34", 0.055, 6.5, dusty=True),  # 通用设备
    IndustryProfile("C35", 0.040, 6.0, dusty=True),  # 专用设备
    IndustryProfile("C36", 0.030, 5.5, dusty=True),  # 汽车制造
    IndustryProfile("C37", 0.025, 8.0, dusty=True),  # 铁路、船舶、航空航天 (shipbuilding)
    IndustryProfile("C38", 0.040, 4.0),  # 电气机械
    IndustryProfile("C39", 0.035, 2.5),  # 计算机、通信和其他电子设备 (home appliances)
    IndustryProfile("D44", 0.010, 2.0),  # 电力、热力生产和供应
    IndustryProfile("E47", 0.045, 9.0, dusty=True),  # 房屋建筑业
    IndustryProfile("E48", 0.030, 9.5, dusty=True),  # 土木工程建筑业
    IndustryProfile("E49", 0.020, 7.0),  # 建筑安装业
    IndustryProfile("E50", 0.030, 6.0, dusty=True),  # 建筑装饰
    IndustryProfile("F51", 0.100, 1.2),  # 批发业
    IndustryProfile("F52", 0.080, 1.5),  # 零售业
    IndustryProfile("G54", 0.045, 6.5),  # 道路运输业
    IndustryProfile("G55", 0.012, 6.0),  # 水上运输业
    IndustryProfile("G59", 0.018, 5.0),  # 装卸搬运和仓储业 (port)
    IndustryProfile("H62", 0.060, 2.0),  # 餐饮业
    IndustryProfile("I65", 0.035, 0.4),  # 软件和信息技术服务
    IndustryProfile("L72", 0.045, 0.8),  # 商务服务业
    IndustryProfile("O81", 0.044, 2.5),  # 机动车、电子产品和日用产品修理
)

#: share of the enterprises per district (行政区划代码), industrial areas weigh more
DISTRICT_WEIGHTS: dict[str, float] = {
    "370202": 0.06,
    "370203": 0.07,
    "370211": 0.20,
    "370212": 0.06,
    "370213": 0.07,
    "370214": 0.14,
    "370215": 0.13,
    "370281": 0.12,
    "370283": 0.08,
    "370285": 0.07,
}

#: relative accident frequency per month (summer heat, the rush before the Spring Festival,
#: the holiday lull in February)
SEASONALITY = (0.95, 0.70, 1.00, 1.00, 1.05, 1.10, 1.20, 1.20, 1.05, 0.95, 0.95, 1.05)

#: events per year per enterprise at any scale (multiplied by the number of enterprises)
PER_ENTERPRISE = {
    "emergency.hazard-inspection": 0.60,
    "emergency.enforcement": 0.03,
    "housing.site-inspection": 2.0,  # per construction enterprise
    "transport.inspection": 1.5,  # per transport enterprise
    "health.hazard-measurement": 1.2,  # per dusty enterprise
    "health.health-examination": 1.0,
    "union.worker-report": 0.07,
    "union.training-participation": 0.30,
}

#: the training programme of the six key industries, people per category (by 2025's end)
TRAINING_TARGETS = {"RESPONSIBLE_LEADER": 600, "SAFETY_MANAGER": 1_200, "TEAM_LEADER": 4_200}
#: share of the year's training done in each quarter (the rollout accelerates)
TRAINING_ROLLOUT = (0.10, 0.20, 0.30, 0.40)

#: what becomes of a work injury
RECOGNITION_SHARE = 0.92  # of injuries, an application for recognition is made
SERIOUS_ACCIDENT_SHARE = 0.06  # of injuries, the accident is reported as a production accident
APPRAISAL_SHARE = 0.30  # of recognised injuries, a disability appraisal follows
#: of construction and transport accidents, also reported to the emergency bureau (counted once)
CROSS_REPORT_SHARE = 0.60
OD_PER_1000_DUSTY = 0.20  # occupational-disease diagnoses per 1,000 insured in dusty industries
