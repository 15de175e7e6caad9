"""C3 letters as printed (issue 8 part 3): the 提醒函 and the 通报 in the GB/T 9704-2012 layout of
templates/documents/official_letter.html (SPEC "Official letters"), measured in the PDF itself.

The PDF is read with pypdf alone: each page's content stream is walked for its text runs (text, font, size,
fill colour, position) and filled rectangles, so no poppler is needed on the machine. Lengths are in mm.
"""

import io
import re
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from common.documents import qr_svg_data_uri, render_pdf

MM = 72 / 25.4  # points per mm
A4 = (595.28, 841.89)
TOP, BOTTOM = 37.0, 37.0 + 225.0  # 版心 from the page's top edge
LINE = 225 / 22  # the body's grid: 22 lines …
PITCH = 156 / 28  # … of 28 characters


def type_area(page_number: int) -> tuple[float, float]:
    """Left and right edges of the 版心: the binding side (28 mm) is left on odd pages, right on even ones."""
    left = 28.0 if page_number % 2 else 26.0
    return left, left + 156.0


# ---------------------------------------------------------------------------------------- reading a PDF


@dataclass
class Run:
    text: str
    font: str
    size: float  # pt
    fill: tuple[float, ...]
    x0: float  # mm from the page's left edge
    x1: float
    baseline: float  # mm from the page's top edge

    @property
    def top(self) -> float:  # the em box's top: the CJK faces used have an ascent of ~0.88 em
        return self.baseline - 0.88 * self.size / MM


@dataclass
class Rect:
    fill: tuple[float, ...]
    x0: float
    x1: float
    top: float
    bottom: float


def _multiply(m, n):
    """m × n for PDF matrices (a b c d e f)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _apply(m, x, y):
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _to_unicode(font) -> dict[int, str]:
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    codes: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            codes[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                codes[code] = chr(int(dst, 16) + i)
    return codes


def _widths(font) -> tuple[dict[int, float], float]:
    descendant = font["/DescendantFonts"][0].get_object()
    widths: dict[int, float] = {}
    w = list(descendant.get("/W", []))
    i = 0
    while i < len(w):
        first = int(w[i])
        if isinstance(w[i + 1], list) or hasattr(w[i + 1], "__iter__"):
            for j, value in enumerate(w[i + 1]):
                widths[first + j] = float(value)
            i += 2
        else:
            for code in range(first, int(w[i + 1]) + 1):
                widths[code] = float(w[i + 2])
            i += 3
    return widths, float(descendant.get("/DW", 1000))


def page_items(reader: PdfReader, page) -> tuple[list[Run], list[Rect]]:
    """The text runs (one per TJ) and filled rectangles a page draws. WeasyPrint writes Type0 fonts with
    2-byte Identity-H codes, `rg` fill colours, `Tm` per run and letter-spacing as TJ adjustments."""
    fonts = {}
    for name, ref in page["/Resources"]["/Font"].items():
        font = ref.get_object()
        fonts[name] = (str(font["/BaseFont"]).split("+", 1)[-1], _to_unicode(font), *_widths(font))
    runs: list[Run] = []
    rects: list[Rect] = []
    ctm, fill, stack = (1, 0, 0, 1, 0, 0), (0.0, 0.0, 0.0), []
    tm, font, size, path = (1, 0, 0, 1, 0, 0), None, 0.0, []
    height = float(page.mediabox.height)

    def to_mm(x, y):
        x, y = _apply(ctm, x, y)
        return x / MM, (height - y) / MM

    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"q":
            stack.append((ctm, fill))
        elif op == b"Q":
            ctm, fill = stack.pop()
        elif op == b"cm":
            ctm = _multiply(tuple(float(v) for v in operands), ctm)
        elif op == b"rg":
            fill = tuple(float(v) for v in operands)
        elif op == b"g":
            fill = (float(operands[0]),) * 3
        elif op == b"re":
            path.append(tuple(float(v) for v in operands))
        elif op in (b"f", b"f*", b"F"):
            for x, y, w, h in path:
                (ax, ay), (bx, by) = to_mm(x, y), to_mm(x + w, y + h)
                rects.append(Rect(fill, min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)))
            path = []
        elif op in (b"n", b"S", b"s", b"B", b"B*", b"b", b"b*"):
            path = []
        elif op == b"BT":
            tm = (1, 0, 0, 1, 0, 0)
        elif op == b"Tm":
            tm = tuple(float(v) for v in operands)
        elif op == b"Tf":
            font, size = fonts[operands[0]], float(operands[1])
        elif op in (b"TJ", b"Tj"):
            name, codes, widths, default = font
            text, advance = "", 0.0
            for item in operands[0] if op == b"TJ" else [operands[0]]:
                if isinstance(item, (int, float)) or type(item).__name__ in ("FloatObject", "NumberObject"):
                    advance -= float(item) / 1000 * size
                    continue
                raw = item.original_bytes if hasattr(item, "original_bytes") else bytes(item)
                for k in range(0, len(raw), 2):
                    code = int.from_bytes(raw[k : k + 2], "big")
                    text += codes.get(code, "\ufffd")
                    advance += widths.get(code, default) / 1000 * size
            trm = _multiply(tm, ctm)
            (x0, baseline), (x1, _) = to_mm(*_apply(tm, 0, 0)), to_mm(*_apply(tm, advance, 0))
            scale = (trm[0] ** 2 + trm[1] ** 2) ** 0.5
            runs.append(Run(text, name, round(size * scale, 2), fill, x0, x1, baseline))
            tm = _multiply((1, 0, 0, 1, advance, 0), tm)
    return runs, rects


@dataclass
class Line:
    text: str
    runs: list[Run]

    @property
    def x0(self):
        return min(r.x0 for r in self.runs)

    @property
    def x1(self):
        return max(r.x1 for r in self.runs)

    @property
    def baseline(self):
        return self.runs[0].baseline

    @property
    def top(self):
        return min(r.top for r in self.runs)

    @property
    def size(self):
        return max(r.size for r in self.runs)


def rules_of(rects: list[Rect], colour, width: float = 156.0) -> list[tuple[float, float]]:
    """Horizontal rules as (top, bottom) strips. WeasyPrint paints a border as the even-odd ring between two
    rectangles clipped to one side, so a rule's edges are the tops and bottoms of full-width rectangles that
    lie within 0.6 mm of each other."""
    edges = sorted(
        {
            round(v, 3)
            for r in rects
            if colour(r.fill) and near(r.x1 - r.x0, width, 0.5)
            for v in (r.top, r.bottom)
        }
    )
    strips, i = [], 0
    while i < len(edges) - 1:
        if edges[i + 1] - edges[i] < 0.6:
            strips.append((edges[i], edges[i + 1]))
            i += 2
        else:
            i += 1
    return strips


def lines_of(runs: list[Run]) -> list[Line]:
    """Runs on one baseline (within 0.3 mm) joined left to right, top to bottom; blank runs dropped."""
    lines: list[list[Run]] = []
    for run in sorted((r for r in runs if r.text.strip()), key=lambda r: (round(r.baseline, 1), r.x0)):
        if lines and abs(lines[-1][0].baseline - run.baseline) < 0.3:
            lines[-1].append(run)
        else:
            lines.append([run])
    return [Line("".join(r.text for r in sorted(group, key=lambda r: r.x0)), group) for group in lines]


@dataclass
class Letter:
    pdf: bytes
    reader: PdfReader
    pages: list[tuple[list[Line], list[Rect]]]

    def line(self, text: str, page: int | None = None) -> tuple[int, Line]:
        for number, (lines, _) in enumerate(self.pages, start=1):
            if page in (None, number):
                for line in lines:
                    if text in line.text:
                        return number, line
        raise AssertionError(f"{text!r} is not printed")

    @property
    def text(self) -> str:
        """What the 版心s print, page after page (no page numbers, no verification box)."""
        return "".join(line.text for lines, _ in self.pages for line in lines if line.baseline < BOTTOM)


# --------------------------------------------------------------------------------------------- letters


def facts_of(kind: str, **overrides) -> dict:
    """Letter.facts as clues.documents.letter_facts writes them (already formatted)."""
    reminder = kind == "reminder"
    facts = {
        "kind": kind,
        "authority": "中站区人力资源和社会保障局",
        "number": "中区人社函〔2026〕12号",
        "title": "关于督促办理欠薪问题线索的提醒函" if reminder else "关于欠薪问题线索逾期无进展情况的通报",
        "addressee": "区住房和城乡建设局" if reminder else "区政府主要领导",
        "copy_to": "" if reminder else "区住房和城乡建设局",
        "clue_number": "QX2026-000012",
        "received": "2026年11月27日9时30分",
        "channel": "投诉举报电话",
        "employer_name": "焦作某某劳务有限公司",
        "project_name": "中站区府城路改造工程",
        "street_name": "王封街道",
        "workers_affected": 12,
        "amount_owed": "126,000.00",
        "days_since_receipt": 4,
        "responsible_unit": "区住房和城乡建设局",
        "responsible_person": "周主任",
        "status": "已交办",
        "steps_missed": ["未在1日内交办到具体单位和责任人", "责任单位未在2日内签收反馈"],
        "reply_by": "2026年12月2日",
        "date": "2026年12月1日",
        "contact": "区人社局劳动保障监察大队 联系电话：2958033",
    }
    facts.update(overrides)
    return facts


VERIFY_URL = "http://127.0.0.1:8000/verify/ABCDE12345/"


def render(facts: dict) -> Letter:
    verify = {
        "code": "ABCDE-12345",
        "url": VERIFY_URL,
        "qr": qr_svg_data_uri(VERIFY_URL),
        "lookup_url": "http://127.0.0.1:8000/verify/",
    }
    context = {
        "letter": SimpleNamespace(facts=facts),
        "facts": facts,
        "document": SimpleNamespace(number=facts["number"], verify_code="ABCDE12345"),
        "verify": verify,
    }
    pdf = render_pdf("clues/letter_pdf.html", context)
    reader = PdfReader(io.BytesIO(pdf))
    pages = []
    for page in reader.pages:
        runs, rects = page_items(reader, page)
        pages.append((lines_of(runs), rects))
    return Letter(pdf, reader, pages)


# Filler that makes the body run over a full page (a long employer name: the template only prints facts).
LONG_NAME = "焦作某某劳务有限公司" * 45


@pytest.fixture(scope="module")
def reminder():
    return render(facts_of("reminder"))


@pytest.fixture(scope="module")
def escalation():
    return render(facts_of("escalation"))


@pytest.fixture(scope="module")
def long_letter():
    return render(facts_of("escalation", employer_name=LONG_NAME))


def is_red(fill) -> bool:
    r, g, b = fill
    return r > 0.8 and g < 0.2 and b < 0.2


def is_black(fill) -> bool:
    return max(fill) < 0.05


def near(value: float, expected: float, tolerance: float = 1.0) -> bool:
    return abs(value - expected) <= tolerance


# ----------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("kind", ["reminder", "escalation", "long_letter"])
def test_every_page_is_a4_and_prints_inside_the_type_area(kind, request):
    """A4; everything but the page number and the verification box inside the 版心 (156 × 225 mm, 天头 37 mm,
    订口 28 mm: left on odd pages, right on even pages)."""
    letter = request.getfixturevalue(kind)
    assert len(letter.pages) >= 2
    for number, page in enumerate(letter.reader.pages, start=1):
        assert near(float(page.mediabox.width), A4[0]) and near(float(page.mediabox.height), A4[1])
        left, right = type_area(number)
        lines, _ = letter.pages[number - 1]
        inside = [line for line in lines if line.baseline < BOTTOM + 1]
        assert inside
        for line in inside:
            assert line.x0 >= left - 0.5 and line.x1 <= right + 0.5, (number, line.text, line.x0, line.x1)
            assert line.top >= TOP - 0.5 and line.baseline <= BOTTOM, (number, line.text, line.top)
        below = [line.text for line in lines if line.baseline >= BOTTOM + 1]
        assert below and f"— {number} —" in below, below  # the page number, 7 mm below the 版心


@pytest.mark.parametrize("kind", ["reminder", "escalation"])
def test_the_authority_mark_is_red_and_centred_and_the_number_reads_exactly(kind, request):
    """发文机关标志 in red 小标宋 style (Noto Serif CJK SC Bold), centred, its top 35 mm below the 版心's top;
    发文字号 centred under it, exactly 中区人社函〔2026〕12号 (full year in 〔〕, no 第, no leading zero)."""
    letter = request.getfixturevalue(kind)
    number, mark = letter.line("中站区人力资源和社会保障局", page=1)
    assert number == 1 and mark.text == "中站区人力资源和社会保障局"
    assert all(is_red(run.fill) for run in mark.runs), [run.fill for run in mark.runs]
    assert all(run.font == "Noto-Serif-CJK-SC-Bold" for run in mark.runs)
    assert near((mark.x0 + mark.x1) / 2, 28 + 78)
    assert near(mark.top, TOP + 35, 1.5)

    _, doc_number = letter.line("人社函", page=1)
    assert doc_number.text == "中区人社函〔2026〕12号"
    assert all(is_black(run.fill) for run in doc_number.runs)  # only the mark and the rule are red
    assert near((doc_number.x0 + doc_number.x1) / 2, 28 + 78)
    assert doc_number.top > mark.baseline + 2 * LINE - 1  # 发文机关标志下空二行


@pytest.mark.parametrize("kind", ["reminder", "escalation"])
def test_the_red_rule_is_4mm_below_the_number_across_the_type_area_and_the_title_two_lines_below(
    kind, request
):
    letter = request.getfixturevalue(kind)
    _, doc_number = letter.line("人社函", page=1)
    _, rects = letter.pages[0]
    assert any(is_red(r.fill) and near(r.x0, 28, 0.2) and near(r.x1, 28 + 156, 0.2) for r in rects)
    rules = rules_of(rects, is_red)
    assert len(rules) == 1, rules
    rule_top, rule_bottom = rules[0]
    number_bottom = doc_number.baseline + 0.12 * 16 / MM  # the glyphs' lower edge (descent 0.12 em)
    assert near(rule_top - number_bottom, 4.0, 0.6), rule_top - number_bottom

    _, title = letter.line("关于", page=1)
    assert title.text == facts_of(kind)["title"]
    assert title.size == 22 and all(run.font == "Noto-Serif-CJK-SC-Bold" for run in title.runs)
    assert near((title.x0 + title.x1) / 2, 28 + 78)
    assert near(title.top - rule_bottom, 2 * LINE + 1.7, 1.5)  # 红色分隔线下空二行


def test_the_body_is_sanfang_on_a_grid_of_22_lines_of_28_characters(long_letter):
    """正文 三号 (16 pt) 仿宋 (FandolFang): on a full page 22 lines 225/22 mm apart, a full line 28 characters
    filling the 156 mm; 主送 flush left at 28 mm on page 1; each paragraph two characters in."""
    _, addressee = long_letter.line("区政府主要领导：", page=1)
    assert addressee.text == "区政府主要领导：" and near(addressee.x0, 28.0)
    lines, _ = long_letter.pages[0]
    body = lines[lines.index(addressee) + 1 :]
    first = body[0]
    assert first.size == 16 and first.runs[0].font == "FandolFang"
    assert first.top > TOP and near(first.x0, 28 + 2 * PITCH, 0.5)  # 左空二字
    assert near(first.top - addressee.top, LINE, 0.2)  # 主送 on its own line, the body on the next

    page2, _ = long_letter.pages[1]
    grid = [line for line in page2 if line.baseline < BOTTOM]
    assert len(grid) == 22, [line.text for line in grid]
    assert TOP <= grid[0].top <= TOP + LINE / 2  # the first line starts at the 版心's top
    steps = [b.baseline - a.baseline for a, b in zip(grid, grid[1:], strict=False)]
    assert all(near(step, LINE, 0.05) for step in steps), steps
    full = [line for line in grid if "焦作某某劳务有限公司" in line.text and "在" not in line.text]
    assert len(full) >= 10
    for line in full:
        assert len(line.text) == 28, line.text
        assert near(line.x0, 26.0, 0.2) and near(line.x1 - line.x0, 156.0, 0.5), (line.x0, line.x1)


def test_headings_are_heiti_and_kaiti(escalation):
    """一、 headings in 黑体 (FandolHei), （一） in 楷体 (FandolKai), the text after them in 仿宋."""
    _, heading = escalation.line("一、欠薪基本情况")
    assert heading.text == "一、欠薪基本情况" and {r.font for r in heading.runs} == {"FandolHei"}
    _, second = escalation.line("（一）督促落实交办。")
    fonts = [(run.text, run.font) for run in second.runs if run.text.strip()]
    assert fonts[0] == ("（一）督促落实交办。", "FandolKai"), fonts
    assert {font for _, font in fonts[1:]} == {"FandolFang"}


@pytest.mark.parametrize("kind", ["reminder", "escalation"])
def test_the_date_is_four_characters_from_the_right_under_the_signature_and_seal_area(kind, request):
    """成文日期 in Arabic numerals, 右空四字; the 署名 centred on it above; the seal area (盖章处) over both."""
    letter = request.getfixturevalue(kind)
    page, date = letter.line("2026年12月1日")
    assert date.text == "2026年12月1日"
    _, right = type_area(page)
    assert near(right - date.x1, 4 * PITCH, 0.6), right - date.x1
    _, name = letter.line("中站区人力资源和社会保障局", page=page)
    assert name.text == "中站区人力资源和社会保障局" and all(is_black(r.fill) for r in name.runs)
    assert near(date.top - name.top, LINE, 0.2)
    assert near((name.x0 + name.x1) / 2, (date.x0 + date.x1) / 2, 0.5)
    _, seal = letter.line("盖章处", page=page)
    assert seal.top < name.top and not is_black(seal.runs[0].fill)  # light grey, not a fake seal


def test_page_numbers_alternate_sides_one_character_in_seven_mm_below(long_letter):
    """ "— 1 —" 四号 (14 pt): odd pages right, even pages left, one character in; 7 mm below the 版心."""
    assert len(long_letter.pages) >= 3
    for number in (1, 2, 3):
        _, mark = long_letter.line(f"— {number} —", page=number)
        assert mark.text == f"— {number} —" and mark.size == 14
        left, right = type_area(number)
        if number % 2:
            assert near(right - mark.x1, 14 / MM, 0.5), (number, right - mark.x1)
        else:
            assert near(mark.x0 - left, 14 / MM, 0.5), (number, mark.x0 - left)
        assert near(mark.top - BOTTOM, 7.0, 0.8), mark.top - BOTTOM


def test_the_copy_to_line_is_sihao_fangsong_between_rules_at_the_foot_of_the_last_page(escalation):
    """版记: 抄送 in 四号 仿宋 between black rules, the last of which is the 版心's lower edge."""
    last = len(escalation.pages)
    page, copy_to = escalation.line("抄送：")
    assert page == last and copy_to.text == "抄送：区住房和城乡建设局。"
    assert copy_to.size == 14 and copy_to.runs[0].font == "FandolFang"
    left, right = type_area(page)
    assert near(copy_to.x0 - left, 14 / MM, 0.3)  # 左空一字
    _, rects = escalation.pages[page - 1]
    rules = rules_of(rects, is_black)
    assert len(rules) == 3, rules  # above 抄送, between 抄送 and 印发, and the last one
    thickness = [round(bottom - top, 2) for top, bottom in rules]
    assert thickness == [0.35, 0.25, 0.35], thickness  # first and last 0.35 mm, between 0.25 mm
    assert rules[0][1] < copy_to.top and copy_to.baseline < rules[1][0]
    assert near(rules[-1][1], BOTTOM, 0.3)
    _, imprint = escalation.line("印发", page=page)
    assert imprint.text == "中站区人力资源和社会保障局2026年12月1日印发"


def test_the_verification_box_is_small_in_the_margin_of_the_last_page_only(escalation):
    last = len(escalation.pages)
    for number in range(1, last + 1):
        lines, _ = escalation.pages[number - 1]
        has_box = any("ABCDE-12345" in line.text for line in lines)
        assert has_box == (number == last), number
    _, box = escalation.line("ABCDE-12345", page=last)
    assert box.top > BOTTOM and box.size < 8


def test_the_reminder_names_the_clue_its_facts_what_is_missing_and_the_reply_date(reminder):
    """C3 step 3 (policy 四（一）: 若3日内未明确承办单位和人员…发送“提醒函”)."""
    text = reminder.text
    for expected in (
        "区住房和城乡建设局：",
        "“12345”工作制",
        "若3日内未明确承办单位和人员，区人力资源社会保障局将发送“提醒函”",
        "2026年11月27日9时30分，我局通过投诉举报电话受理欠薪问题线索一件（线索编号：QX2026-000012）",
        "反映焦作某某劳务有限公司在中站区府城路改造工程项目拖欠农民工工资",
        "涉及农民工12人、金额126,000.00元，线索属地为王封街道",
        "该线索已交办你单位（责任人：周主任）",
        "一是未在1日内交办到具体单位和责任人；二是责任单位未在2日内签收反馈。",
        "请你单位高度重视，于2026年12月2日前明确承办人员",
        "反馈我局",
        "特此函告。",
        "（区人社局劳动保障监察大队联系电话：2958033）",
    ):
        assert expected in text.replace(" ", ""), expected
    assert "抄送：" not in text  # the 提醒函 goes to the unit alone


def test_the_escalation_states_the_arrears_for_the_leaders_and_is_copied_to_the_unit(escalation):
    """C3 step 4 (4日内无进展的，向区政府主要领导通报，并抄送欠薪情况)."""
    text = escalation.text
    for expected in (
        "区政府主要领导：",
        "4日内无进展的，区人力资源社会保障局向区政府主要领导通报，并抄送欠薪情况",
        "一、欠薪基本情况",
        "涉及农民工12人、金额126,000.00元",
        "二、办理进展情况",
        "该线索自受理之日起已4日，已交办区住房和城乡建设局（责任人：周主任），当前状态为“已交办”",
        "逾期未落实的环节：一是未在1日内交办到具体单位和责任人；二是责任单位未在2日内签收反馈。",
        "请其于2026年12月2日前明确承办人员",
        "特此通报。",
        "抄送：区住房和城乡建设局。",
    ):
        assert expected in text, expected


def test_a_clue_never_dispatched_and_without_project_is_worded_so(caplog):
    letter = render(
        facts_of("escalation", project_name="", responsible_unit="", responsible_person="", copy_to="")
    )
    text = letter.text
    assert "至今未明确承办单位和人员" in text
    assert "反映焦作某某劳务有限公司拖欠农民工工资" in text
    assert "项目" not in text and "责任人" not in text.replace("具体单位和责任人", "")
    assert "抄送：" not in text
    assert not [r for r in caplog.records if "glyph" in r.getMessage().lower()]  # no empty boxes


def test_it_embeds_the_named_faces(reminder, escalation):
    fonts = set()
    for letter in (reminder, escalation):
        for page in letter.reader.pages:
            for ref in page["/Resources"]["/Font"].values():
                fonts.add(str(ref.get_object()["/BaseFont"]).split("+", 1)[-1])
    assert {"Noto-Serif-CJK-SC-Bold", "FandolFang", "FandolHei", "FandolKai", "Noto-Serif-CJK-SC"} <= fonts
