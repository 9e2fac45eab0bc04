"""Seed the construction-standard tables (附件1 centers, 附件2 stations), tier by tier.

Values follow the structure of the policy's two tables (basic / standard / benchmark columns). Where the
district's edition differs, staff edit the rows in the admin; this migration only creates missing rows.
"""

from django.db import migrations

B, S, K = "basic", "standard", "benchmark"

# (key, unit, source, {tier: min_value or [required items]})
CENTER_ROWS = [
    ("area", "㎡", "附件1·一、场所面积", {B: 200, S: 400, K: 800}),
    ("signage", "", "附件1·二、统一标识", {B: True, S: True, K: True}),
    (
        "zones",
        "",
        "附件1·三、功能分区",
        {
            B: ["咨询引导区", "窗口办事区", "等候区"],
            S: ["自助服务区", "帮办代办区"],
            K: ["24小时自助区", "母婴休息区"],
        },
    ),
    ("windows", "个", "附件1·四、服务窗口", {B: 3, S: 6, K: 10}),
    ("staffing", "人", "附件1·五、人员配备", {B: 3, S: 6, K: 10}),
    (
        "equipment",
        "",
        "附件1·六、设备配置",
        {
            B: ["电脑", "打印机", "高拍仪"],
            S: ["身份证读卡器", "排队叫号机", "评价器"],
            K: ["自助服务终端", "信息显示屏"],
        },
    ),
    (
        "facilities",
        "",
        "附件1·七、便民设施",
        {
            B: ["休息座椅", "饮水设备", "无障碍通道"],
            S: ["老花镜", "急救药箱", "充电设施"],
            K: ["母婴室", "无障碍卫生间"],
        },
    ),
    ("matters", "项", "附件1·八、事项清单", {B: 30, S: 50, K: 80}),
    (
        "network",
        "",
        "附件1·九、网络条件",
        {B: ["互联网", "电子政务外网"], S: ["一网通办平台"], K: ["远程视频帮办"]},
    ),
    (
        "rules",
        "",
        "附件1·十、制度建设",
        {
            B: ["首问负责制", "一次性告知制", "限时办结制"],
            S: ["AB岗工作制", "延时错时预约服务制"],
            K: ["好差评制度", "帮办代办工作台账"],
        },
    ),
]

STATION_ROWS = [
    ("area", "㎡", "附件2·一、场所面积", {B: 30, S: 60, K: 100}),
    (
        "zones",
        "",
        "附件2·二、功能分区",
        {B: ["办事服务区", "休息等候区"], S: ["自助服务区"], K: ["党群活动区", "便民阅读区"]},
    ),
    ("seats", "个", "附件2·三、服务席位", {B: 1, S: 2, K: 3}),
    ("staffing", "人", "附件2·四、人员配备", {B: 1, S: 2, K: 3}),
    (
        "rules",
        "",
        "附件2·五、制度建设",
        {
            B: ["首问负责制", "一次性告知制"],
            S: ["限时办结制", "AB岗工作制"],
            K: ["好差评制度", "帮办代办工作台账"],
        },
    ),
    ("network", "", "附件2·六、网络条件", {B: ["互联网"], S: ["电子政务外网"], K: ["远程视频帮办"]}),
    (
        "equipment",
        "",
        "附件2·七、设备配置",
        {B: ["电脑", "打印机"], S: ["高拍仪", "身份证读卡器"], K: ["自助服务终端", "评价器"]},
    ),
    (
        "facilities",
        "",
        "附件2·八、便民设施",
        {B: ["休息座椅", "饮水设备"], S: ["老花镜", "无障碍通道"], K: ["急救药箱", "充电设施"]},
    ),
    ("matters", "项", "附件2·九、事项清单", {B: 10, S: 20, K: 30}),
]


def seed(apps, schema_editor):
    Criterion = apps.get_model("agency", "StandardCriterion")
    for site_kind, rows in (("center", CENTER_ROWS), ("station", STATION_ROWS)):
        for order, (key, unit, source, tiers) in enumerate(rows):
            for tier, value in tiers.items():
                defaults = {"unit": unit, "source": source, "sort_order": order * 10}
                if isinstance(value, list):
                    defaults["required_items"] = value
                elif isinstance(value, bool):
                    defaults["min_value"] = None
                else:
                    defaults["min_value"] = value
                Criterion.objects.get_or_create(site_kind=site_kind, tier=tier, key=key, defaults=defaults)


class Migration(migrations.Migration):
    dependencies = [("agency", "0003_station_standards")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
