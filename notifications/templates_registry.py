"""The built-in message templates: one entry per message the issue lists, in Chinese.

These are the *defaults*: a data migration copies them into ``MessageTemplate`` rows that staff edit in the
admin; rendering prefers the row and falls back to the default here (so a deleted row never stops a message).
Placeholders are ``{name}``. Issue 27: a text carries no signature of its own: the deployment's registered
signature (``SMS_SIGNATURE``, e.g. ``【市中区政务服务】``) is put in front by ``notifications.sms_text``, and the
station (``{site_name}``) is an ordinary variable at the start of the text. Each text is also what is
registered with the SMS providers as a template (``manage.py sms_templates``), so the variables are the
declared ones only and a link is fixed text (``{track_url}`` is ``SITE_URL/track/``, not a variable). Texts
stay within one 70-character SMS segment for typical values, except ``case_received`` (two).

No text a resident wrote (a rating's comment, a doorstep request's note) is ever a placeholder (a comment such
as "点击 http://… 领取补贴" would go out under the station's name); staff alerts name the case or agent and say
查看详情, the text itself is read on the staff pages.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultTemplate:
    code: str
    name: str
    audience: (
        str  # resident | agent | station | town | district | otp | platform | inapp (docs + admin filter)
    )
    text: str


DEFAULT_TEMPLATES: tuple[DefaultTemplate, ...] = (
    # --- Residents ---------------------------------------------------------------------------------
    DefaultTemplate(
        "case_received",
        "受理通知（居民）",
        "resident",
        "{site_name}：您的{matter}已受理，编号{case_no}，{due_date}前办结。帮办员{agent_name}{agent_phone}。查询{track_url}",
    ),
    DefaultTemplate(
        "visit_scheduled",
        "预约上门通知（居民）",
        "resident",
        "{site_name}：帮办员{agent_name}将于{visit_date}上门办理{matter}，请备好材料。电话{agent_phone}",
    ),
    DefaultTemplate(
        "visit_scheduled_day_before",
        "上门前一天提醒（居民）",
        "resident",
        "{site_name}：帮办员{agent_name}将于明天{visit_time}上门办理{matter}，请备好材料。电话{agent_phone}",
    ),
    DefaultTemplate(
        "visit_scheduled_2h",
        "上门前2小时提醒（居民）",
        "resident",
        "{site_name}：帮办员{agent_name}约{visit_time}上门办理{matter}，请在家等候。电话{agent_phone}",
    ),
    DefaultTemplate(
        "materials_missing",
        "材料缺失告知（居民）",
        "resident",
        "{site_name}：您的{matter}({case_no})还缺：{materials}。备齐后请联系{agent_name}{agent_phone}",
    ),
    DefaultTemplate(
        "case_submitted",
        "已报送（居民）",
        "resident",
        "{site_name}：您的{matter}({case_no})已报送{department}。查询{track_url}",
    ),
    DefaultTemplate(
        "result_ready",
        "办结通知（居民）",
        "resident",
        "{site_name}：{matter}({case_no})已办结：{result}{delivery_note}。查询{track_url}",
    ),
    DefaultTemplate(
        "feedback_request",
        "邀请评价（居民）",
        "resident",
        "{site_name}：{matter}({case_no})已办结，请您评价：{track_url}",
    ),
    DefaultTemplate(
        "feedback_followup",
        "评价提醒（居民）",
        "resident",
        "{site_name}：{matter}({case_no})尚未评价，欢迎评价：{track_url}",
    ),
    DefaultTemplate(
        "otp_code",
        "查询验证码",
        "otp",
        "您的办件查询验证码为{code}，{minutes}分钟内有效，请勿告诉他人。",
    ),
    DefaultTemplate(
        "case_rejected",
        "不予受理（居民）",
        "resident",
        "{site_name}：您的{matter}({case_no})不予受理：{reason}。如有疑问请咨询本站。",
    ),
    # issue 15: 一件事 (one stream for the bundle) and 全省通办/跨省通办 hand-offs
    DefaultTemplate(
        "bundle_progress",
        "一件事进度（居民）",
        "resident",
        "{site_name}：{matter}({case_no})：{member}已办结，{progress}。查询{track_url}",
    ),
    DefaultTemplate(
        "handoff_outbound",
        "异地转办（对接平台）",
        "platform",
        "{site_name}：异地转办{case_no}：{matter}，送{authority}（{region}），{channel}。",
    ),
    DefaultTemplate(
        "handoff_remind",
        "异地办理未回复提醒（站点）",
        "station",
        "{site_name}：{case_no}({matter})已转{region}办理，超{days}个工作日未回复，请跟进。",
    ),
    # --- Agents (帮办员/代办员) ----------------------------------------------------------------------
    DefaultTemplate(
        "case_assigned",
        "新件分派（帮办员）",
        "agent",
        "{site_name}：新帮办件{case_no}：{matter}，{resident_name}，{address}，{due_date}前办结。",
    ),
    DefaultTemplate(
        "visit_due_tomorrow",
        "明日上门（帮办员）",
        "agent",
        "{site_name}：提醒：明天{visit_time}上门办理{case_no}({matter})，地址{address}。",
    ),
    DefaultTemplate(
        "visit_pending",
        "分派后未上门（帮办员）",
        "agent",
        "{site_name}：提醒：{case_no}({matter})分派后尚未上门，请今日联系群众上门办理，地址{address}。",
    ),
    DefaultTemplate(
        "due_soon",
        "即将到期（帮办员）",
        "agent",
        "{site_name}：{case_no}({matter})将于{due_date}到期，仅剩1个工作日，请抓紧办理。",
    ),
    DefaultTemplate(
        "overdue",
        "已超期（帮办员）",
        "agent",
        "{site_name}：{case_no}({matter})已超期{overdue_days}个工作日，请立即办理并说明情况。",
    ),
    # --- Station staff -------------------------------------------------------------------------------
    DefaultTemplate(
        "unassigned_too_long",
        "长时间未分派（站点）",
        "station",
        "{site_name}：{case_no}({matter})已{hours}个工作小时未分派，请尽快指派帮办员。",
    ),
    DefaultTemplate(
        "overdue_station",
        "超期督办（站点）",
        "station",
        "{site_name}：{case_no}({matter})已超期{overdue_days}个工作日，帮办员{agent_name}，请督办。",
    ),
    DefaultTemplate(
        "bad_rating",
        "差评提醒（站点）",
        "station",
        "{site_name}：{case_no}({matter})收到{rating}星评价，请登录系统查看详情并核实整改。",
    ),
    DefaultTemplate(
        "daily_digest",
        "每日汇总（站点）",
        "station",
        "{site_name}：{date}：在办{open}件，今日到期{due_today}件，超期{overdue}件，未分派{unassigned}件。",
    ),
    # --- Residents module (issue 5): the bad-rating loop and doorstep requests ------------------------
    DefaultTemplate(
        "bad_rating_callback_late",
        "差评回访超时（站点/镇街）",
        "station",
        "{site_name}：督办：{case_no}({matter})差评回访已超期（应于{due}前），请立即回访。",
    ),
    DefaultTemplate(
        "bad_rating_rectify_late",
        "差评整改超时（镇街/区级）",
        "town",
        "{site_name}：督办：{station_name}{case_no}({matter})差评整改超期{overdue_days}天（应于{due}前），请督促。",
    ),
    DefaultTemplate(
        "doorstep_request",
        "上门服务申请（站点）",
        "station",
        "{site_name}：尾号{phone_tail}的群众申请上门服务，请登录系统查看详情并尽快电话联系。",
    ),
    DefaultTemplate(
        "rectification_done",
        "差评整改结果（居民）",
        "resident",
        "{site_name}：{matter}({case_no})已整改，{invite}：{track_url}",
    ),
    # --- Escalation ladder ---------------------------------------------------------------------------
    DefaultTemplate(
        "escalation_town",
        "超期升级（镇街）",
        "town",
        "{site_name}：督办：{station_name}{case_no}({matter})超期{overdue_days}个工作日未办结，请督促。",
    ),
    DefaultTemplate(
        "escalation_district",
        "超期升级（区级）",
        "district",
        "{site_name}：督办：{town_name}{station_name}{case_no}超期{overdue_days}个工作日，已升级区级督办。",
    ),
    # --- Issue 20: the resident events that had no message, and the appointment loop ------------------
    DefaultTemplate(
        "case_transferred",
        "转办告知（居民）",
        "resident",
        "{site_name}：{matter}({case_no})已转至{new_site}办理，电话{new_site_phone}",
    ),
    DefaultTemplate(
        "case_withdrawn",
        "撤回告知（居民）",
        "resident",
        "{site_name}：{matter}({case_no})已撤回：{reason}。再办请联系{site_phone}",
    ),
    DefaultTemplate(
        "case_progress",
        "进展告知（居民）",
        "resident",
        "{site_name}：{matter}({case_no})进展：{note}。查询{track_url}",
    ),
    DefaultTemplate(
        "appointment_confirmed",
        "预约确认（居民）",
        "resident",
        "{site_name}：预约{ref}已确认：请于{date}{half_day}到站办理{matter}，办件编号{case_no}。",
    ),
    DefaultTemplate(
        "appointment_declined",
        "预约未受理（居民）",
        "resident",
        "{site_name}：预约{ref}({date}{half_day}{matter})未受理：{reason}。咨询{site_phone}",
    ),
    DefaultTemplate(
        "appointment_requested",
        "新预约待确认（站点）",
        "station",
        "{site_name}：新预约{ref}：{date}{half_day}{matter}，尾号{phone_tail}，请及时确认。",
    ),
    DefaultTemplate(
        "calendar_missing",
        "节假日安排未录入（区级）",
        "district",
        "{site_name}：{year}年节假日安排尚未录入，到期日将按普通周末计算，请在管理后台导入放假安排。",
    ),
    # --- Issue 27: a resident's SMS did not arrive (in-app only, to the case's agent or station) ---------
    DefaultTemplate(
        "sms_undelivered",
        "居民短信未送达（帮办员/站点）",
        "inapp",
        "居民短信未送达（{reason}），请电话联系。{case_no}（{matter}），尾号{phone_tail}，{message}",
    ),
    # --- Showcase (典型案例) ---------------------------------------------------------------------------
    DefaultTemplate(
        "showcase_consent",
        "典型案例公开征求同意（居民）",
        "resident",
        "{site_name}：为您办理的{matter}拟作为典型案例宣传（不含个人信息），请确认是否同意：{link}",
    ),
)

DEFAULTS_BY_CODE: dict[str, DefaultTemplate] = {t.code: t for t in DEFAULT_TEMPLATES}


# Messages that never go out as SMS (hand-offs to another region's platform, in-app alerts): no provider
# template is registered for them (``manage.py sms_templates``).
NOT_SMS_AUDIENCES = frozenset({"platform", "inapp"})
SMS_TEMPLATES: tuple[DefaultTemplate, ...] = tuple(
    t for t in DEFAULT_TEMPLATES if t.audience not in NOT_SMS_AUDIENCES
)
