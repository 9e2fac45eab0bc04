"""Every poster and leaflet of the demo district renders, its text is extractable and its QR codes decode.

Rasterised with pdfium (pypdfium2) and decoded with ZXing (zxing-cpp): the same path a phone camera takes, so
a code that prints but does not scan fails here.
"""

import io
import time

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader

from agency import selectors as agency_selectors
from agency.models import Site
from guides import pdf, selectors

pytestmark = pytest.mark.django_db


def _read(content: bytes, *, pages: int) -> tuple[str, set[str]]:
    """The PDF's text as a viewer extracts it, and what the QR codes on its pages decode to."""
    document = pdfium.PdfDocument(content)
    assert len(document) == pages
    text, found = [], set()
    try:
        for page in document:
            text.append(page.get_textpage().get_text_range())
            image = page.render(scale=1.5).to_pil()
            found |= {r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)}
    finally:
        document.close()
    return "\n".join(text), found


def _squash(text: str) -> str:
    """Extracted text without the line breaks and spaces the layout put into long CJK lines."""
    return "".join(text.split())


def test_font_is_embedded(demo):  # type: ignore[no-untyped-def]
    site = Site.objects.filter(kind=Site.Kind.STATION).order_by("code").first()
    assert site is not None
    matter = agency_selectors.site_matters_public(agency_selectors.site_get_public(site.code))[0]
    content = pdf.matter_poster_pdf(selectors.matter_guide(matter, site))
    reader = PdfReader(io.BytesIO(content))
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    embedded = [
        font
        for font in fonts
        if "/FontDescriptor" in font and "/FontFile2" in font["/FontDescriptor"].get_object()
    ]
    assert embedded, f"the CJK TrueType font must be embedded: {[f.get('/BaseFont') for f in fonts]}"
    assert all("/ToUnicode" in font for font in embedded), "text must map back to Unicode (extractable)"


def test_every_poster_of_every_station(demo):  # type: ignore[no-untyped-def]
    sites = [agency_selectors.site_get_public(s.code) for s in agency_selectors.site_list_public()]
    rendered = 0
    started = time.monotonic()
    for site in sites:
        for matter in agency_selectors.site_matters_public(site):
            if matter.code.startswith(agency_selectors.BUNDLE_MATTER_PREFIX):
                continue
            guide = selectors.matter_guide(matter, site)
            content = pdf.matter_poster_pdf(guide)
            raw_text, codes = _read(content, pages=1)  # a poster is one A4 sheet
            text = _squash(raw_text)
            assert _squash(matter.name) in text
            assert f"{matter.time_limit_days}个工作日" in text
            for material in guide.materials:
                assert _squash(material) in text, (site.code, matter.code, material)
            for agent in guide.agents:
                assert agent.name in text
            expected = {guide.guide_url, guide.apply_url or guide.track_url}
            assert codes == expected, (site.code, matter.code)
            assert f"?site={site.code}" in guide.guide_url
            rendered += 1
    assert rendered > 100  # the demo district: every station × every matter it offers
    print(f"{rendered} posters in {time.monotonic() - started:.1f} s")


def test_every_station_leaflet(demo):  # type: ignore[no-untyped-def]
    for listed in agency_selectors.site_list_public():
        site = agency_selectors.site_get_public(listed.code)
        leaflet = selectors.site_leaflet(site)
        content = pdf.site_leaflet_pdf(leaflet)
        raw_text, codes = _read(content, pages=2)  # outside and inside of one folded sheet
        text = _squash(raw_text)
        assert _squash(site.name) in text
        for matter in leaflet.matters:
            assert _squash(matter.name) in text, (site.code, matter.code)
        assert codes == {leaflet.track_url, leaflet.guides_url}


def test_text_that_looks_like_markup_is_printed_as_text(demo):  # type: ignore[no-untyped-def]
    site = Site.objects.filter(kind=Site.Kind.STATION).order_by("code").first()
    assert site is not None
    matter = agency_selectors.site_matters_public(agency_selectors.site_get_public(site.code))[0]
    matter.materials = ["<b>户口簿</b> & 复印件"]
    content = pdf.matter_poster_pdf(selectors.matter_guide(matter, site))
    assert "<b>户口簿</b>&复印件" in _squash(_read(content, pages=1)[0])
