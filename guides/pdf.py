"""The printable guides as PDF: a matter's A4 poster (宣传海报) and a station's tri-fold leaflet (工作折页).

Drawn with reportlab (a maintained PDF library) in the embedded CJK font (``guides.fonts``), so the text is real
text: it prints the same everywhere, can be searched and read aloud by a screen reader. QR codes are vector
squares from segno's matrix (the same encoder as the roster's QR), so they stay sharp at any print size.
"""

from io import BytesIO

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    FrameBreak,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from core.phones import phone_display
from guides.fonts import register_font
from guides.selectors import GuideAgent, Leaflet, MatterGuide

ACCENT = colors.HexColor("#b71c1c")  # 政务红 for the bands
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")


class QRCode(Flowable):
    """A QR code of ``data`` drawn as squares, ``size`` wide, with the caption under it."""

    def __init__(self, data: str, *, size: float, caption: str, font: str) -> None:
        super().__init__()
        self.data, self.size, self.caption, self.font = data, size, caption, font
        self.matrix = [list(row) for row in segno.make(data, error="m").matrix_iter(border=2)]

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.size, self.size + 7 * mm

    def draw(self) -> None:
        canvas = self.canv
        cell = self.size / len(self.matrix)
        canvas.setFillColor(colors.black)
        for r, row in enumerate(self.matrix):
            for c, dark in enumerate(row):
                if dark:
                    y = self.size - (r + 1) * cell + 7 * mm
                    canvas.rect(c * cell, y, cell, cell, stroke=0, fill=1)
        canvas.setFont(self.font, 9)
        canvas.setFillColor(INK)
        canvas.drawCentredString(self.size / 2, 2 * mm, self.caption)


def _styles(font: str, scale: float = 1.0) -> dict[str, ParagraphStyle]:
    def style(name: str, size: float, **kw: object) -> ParagraphStyle:
        options: dict[str, object] = {"textColor": INK, **kw}
        return ParagraphStyle(
            name, fontName=font, fontSize=size * scale, leading=size * scale * 1.45, wordWrap="CJK",
            **options,  # type: ignore[arg-type]
        )  # fmt: skip

    return {
        "band": style("band", 13, textColor=colors.white),
        "title": style("title", 30, spaceAfter=4 * mm),
        "h2": style("h2", 16, textColor=ACCENT, spaceBefore=4 * mm, spaceAfter=2 * mm),
        "body": style("body", 12.5),
        "item": style("item", 13, leftIndent=8 * mm, firstLineIndent=-8 * mm, spaceAfter=1.2 * mm),
        "small": style("small", 10, textColor=MUTED),
        "center": style("center", 12, alignment=TA_CENTER),
        "cover": style("cover", 24, alignment=TA_CENTER, spaceAfter=6 * mm),
    }


def _escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _band(text: str, width: float, styles: dict[str, ParagraphStyle]) -> Table:
    table = Table([[Paragraph(_escape(text), styles["band"])]], colWidths=[width])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * mm),
            ]
        )
    )
    return table


def _agent_rows(agents: list[GuideAgent], styles: dict[str, ParagraphStyle]) -> list[Paragraph]:
    return [
        Paragraph(
            f"{_escape(a.name)}（{_escape(a.role_label)}）　{_escape(a.phone or '请到站咨询')}",
            styles["body"],
        )
        for a in agents
    ]


def _build(story: list[Flowable], *, pagesize: tuple[float, float], frames: list[Frame], title: str) -> bytes:
    buffer = BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=pagesize, title=title, author="帮办代办", subject=title, creator="Bangban",
        leftMargin=0, rightMargin=0, topMargin=0, bottomMargin=0,
    )  # fmt: skip
    doc.addPageTemplates([PageTemplate(id="page", frames=frames)])
    doc.build(story)
    return buffer.getvalue()


def matter_poster_pdf(guide: MatterGuide) -> bytes:
    """A4 portrait: the matter, its 一次性告知 materials, time limit, the station's agents, two QR codes."""
    font = register_font()
    styles = _styles(font)
    width, height = A4
    margin = 16 * mm
    inner = width - 2 * margin
    matter, site = guide.matter, guide.site
    story: list[Flowable] = [
        _band(f"帮办代办 · 办事指南　{site.name if site else ''}", inner, styles),
        Spacer(1, 6 * mm),
        Paragraph(_escape(matter.name), styles["title"]),
        Paragraph(
            f"承诺时限：<b>{matter.time_limit_days} 个工作日</b>　收费：{_escape(matter.fee or '不收费')}　"
            f"办理层级：{_escape(guide.level_label)}　{'可上门办理' if matter.doorstep else '到站办理'}",
            styles["body"],
        ),
        HRFlowable(width="100%", color=ACCENT, thickness=1.2, spaceBefore=3 * mm, spaceAfter=1 * mm),
        Paragraph("一次性告知 · 所需材料", styles["h2"]),
    ]
    materials = guide.materials or ["无需提供材料，到站或联系帮办员即可办理"]
    story += [Paragraph(f"{i}．{_escape(m)}", styles["item"]) for i, m in enumerate(materials, 1)]
    if matter.guide:
        story += [Paragraph("办理说明", styles["h2"]), Paragraph(_escape(matter.guide), styles["body"])]
    if guide.agents:
        story += [Paragraph("帮办代办员", styles["h2"]), *_agent_rows(guide.agents, styles)]
    if site is not None:
        contact = "　".join(
            part
            for part in (
                f"地址：{_escape(site.address)}" if site.address else "",
                f"办公时间：{_escape(site.hours)}" if site.hours else "",
                f"咨询电话：{_escape(phone_display(site.phone))}" if site.phone else "",
            )
            if part
        )
        story += [Spacer(1, 3 * mm), Paragraph(contact, styles["small"])]
    if guide.service_url:
        story.append(Paragraph(f"爱山东办理：{_escape(guide.service_url)}", styles["small"]))
    codes = [QRCode(guide.guide_url, size=38 * mm, caption="扫码看办事指南", font=font)]
    if guide.apply_url:
        codes.append(QRCode(guide.apply_url, size=38 * mm, caption="扫码在线申请", font=font))
    else:
        codes.append(QRCode(guide.track_url, size=38 * mm, caption="扫码查询办理进度", font=font))
    qr_row = Table([codes], colWidths=[inner / 2, inner / 2])
    qr_row.setStyle(
        TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")])
    )
    story += [Spacer(1, 5 * mm), KeepTogether([qr_row])]
    frame = Frame(margin, margin, inner, height - 2 * margin, leftPadding=0, rightPadding=0, topPadding=0)
    return _build(story, pagesize=A4, frames=[frame], title=f"{matter.name} · 办事指南")


def site_leaflet_pdf(leaflet: Leaflet) -> bytes:
    """A4 landscape, two pages, three panels each (fold in three, print both sides).

    Outside (page 1, left → right): the inside flap (帮办代办制度), the back (contact, QR to progress), the cover.
    Inside (page 2): the matters the station handles with their time limits and materials, then the agents.
    """
    font = register_font()
    styles = _styles(font, scale=0.82)
    width, height = landscape(A4)
    panel = width / 3
    pad = 9 * mm
    frames = [
        Frame(
            i * panel + pad, pad, panel - 2 * pad, height - 2 * pad, leftPadding=0, rightPadding=0, id=f"p{i}"
        )
        for i in range(3)
    ]
    site = leaflet.site
    inner = panel - 2 * pad
    policy = (
        site.policy_text
        or "群众提出需求，帮办代办员一次性告知所需材料，全程帮办、代为办理、跟踪反馈，办结后请您评价。"
    )
    story: list[Flowable] = [
        _band("帮办代办制度", inner, styles),
        Spacer(1, 3 * mm),
        *[Paragraph(_escape(line), styles["body"]) for line in policy.splitlines() if line.strip()],
        Paragraph("服务承诺", styles["h2"]),
        Paragraph(
            "一次性告知、限时办结；老年人、残疾人等可预约上门服务；不满意的评价我们会回访整改。",
            styles["body"],
        ),
        FrameBreak(),
        _band("联系我们", inner, styles),
        Spacer(1, 3 * mm),
        Paragraph(f"地址：{_escape(site.address or site.name)}", styles["body"]),
        Paragraph(f"办公时间：{_escape(site.hours or '工作日')}", styles["body"]),
        Paragraph(f"咨询电话：{_escape(leaflet.phone or '请到站咨询')}", styles["body"]),
        Spacer(1, 6 * mm),
        QRCode(leaflet.track_url, size=36 * mm, caption="扫码查询办理进度", font=font),
        Spacer(1, 4 * mm),
        QRCode(leaflet.guides_url, size=36 * mm, caption="扫码看办事指南", font=font),
        FrameBreak(),
        Spacer(1, 30 * mm),
        Paragraph(_escape(site.name), styles["cover"]),
        Paragraph("帮办代办服务指南", styles["cover"]),
        Paragraph("您动嘴　我跑腿", styles["center"]),
        FrameBreak(),
        _band("可帮办代办的事项", inner, styles),
        Spacer(1, 2 * mm),
    ]
    for matter in leaflet.matters:
        materials = "、".join(str(m) for m in matter.materials or []) or "无需材料"
        story.append(
            KeepTogether(
                [
                    Paragraph(
                        f"<b>{_escape(matter.name)}</b>　{matter.time_limit_days} 个工作日", styles["body"]
                    ),
                    Paragraph(f"材料：{_escape(materials)}", styles["small"]),
                    Spacer(1, 1.5 * mm),
                ]
            )
        )
    if leaflet.agents:
        story += [Paragraph("帮办代办员", styles["h2"]), *_agent_rows(leaflet.agents, styles)]
    return _build(story, pagesize=landscape(A4), frames=frames, title=f"{site.name} · 帮办代办工作折页")
