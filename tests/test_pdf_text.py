"""Born-digital PDF pages: text in reading order, trust verdicts, and rendering (ocr/pdf.py)."""

from __future__ import annotations

import random
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr.pdf import TextLayer, page_count, read_text_layer, render_page
from tests.generators import corpus, pages, pdfs

FONTS = ["Liberation Serif", "DejaVu Sans", "Noto Serif"]
FORM_FIELDS = [
    ("Họ, chữ đệm và tên:", "NGUYỄN THỊ THU HẰNG"),
    ("Ngày, tháng, năm sinh:", "12/03/1985"),
    ("Giới tính:", "Nữ"),
    ("Số định danh cá nhân:", "079185001234"),
    ("Nơi thường trú:", "Số 47 đường Lê Lợi, phường Phú Hội, thành phố Huế"),
    ("Quan hệ với chủ hộ:", "Con"),
]


def _write(tmp_path: Path, pdf: bytes, name: str = "page.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def _flat(text: str) -> str:
    """Whitespace-normalised text: how line breaks fall is the typesetter's business, not ours."""
    return " ".join(text.split())


def _scan(seed: int = 1, dpi: int = 100) -> Image.Image:
    """A page image of typed Vietnamese, as a scanner would deliver it."""
    rng = random.Random(seed)
    return pages.render_page(corpus.paragraphs(rng, 3), title=rng.choice(corpus.HEADINGS), dpi=dpi).image


def _ink_under_every_word(layer: TextLayer, image: np.ndarray) -> bool:
    """Every word box, in pixels, covers dark pixels of the rendered page."""
    gray = image.mean(axis=2)
    return all(gray[w.top:w.top + w.height, w.left:w.left + w.width].min() < 128 for w in layer.words)


@pytest.mark.parametrize("font", FONTS)
def test_single_column_text_comes_out_exactly_in_nfc(tmp_path: Path, font: str) -> None:
    pdf, truth = pdfs.born_digital_pdf(corpus.paragraphs(random.Random(7), 3), font=font,
                                       heading=corpus.HEADINGS[0])
    layer = read_text_layer(_write(tmp_path, pdf), 1)

    assert layer.trusted, layer.reason
    assert _flat(layer.text) == _flat(truth)
    assert unicodedata.is_normalized("NFC", layer.text)
    assert layer.columns == 1
    assert [w.text for w in layer.words] == layer.text.split()


def test_decomposed_text_layer_comes_out_in_nfc(tmp_path: Path) -> None:
    """Some exporters write 'ệ' as e + two combining marks; search and display need one code point."""
    paragraphs = corpus.paragraphs(random.Random(8), 2)
    pdf, truth = pdfs.born_digital_pdf([unicodedata.normalize("NFD", text) for text in paragraphs])
    layer = read_text_layer(_write(tmp_path, pdf), 1)

    assert _flat(layer.text) == _flat(unicodedata.normalize("NFC", truth))


@pytest.mark.parametrize("heading", [None, "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"])
def test_two_columns_are_read_left_column_first(tmp_path: Path, heading: str | None) -> None:
    pdf, truth = pdfs.born_digital_pdf(corpus.paragraphs(random.Random(3), 4), columns=2,
                                       font="Noto Serif", heading=heading)
    layer = read_text_layer(_write(tmp_path, pdf), 1)

    assert layer.trusted, layer.reason
    assert layer.columns == 2
    assert _flat(layer.text) == _flat(truth)
    if heading:
        assert layer.text.startswith(heading + "\n")
    middle = layer.width / 2
    body_lines: dict[tuple[int, int], list[bool]] = {}
    for word in layer.words:
        if heading is None or word.block > 0:
            body_lines.setdefault((word.block, word.line), []).append(word.left + word.width / 2 < middle)
    assert body_lines and all(len(set(sides)) == 1 for sides in body_lines.values()), \
        "a line mixes words of both columns"


@pytest.mark.parametrize("font", FONTS)
def test_three_columns_between_a_heading_and_a_page_number(tmp_path: Path, font: str) -> None:
    """The centred page number sits under the middle column but is read last, not inside it."""
    pdf, truth = pdfs.born_digital_pdf(corpus.paragraphs(random.Random(4), 5), columns=3, font=font,
                                       heading=corpus.HEADINGS[1], size_pt=9, footer="Trang 1/1")
    layer = read_text_layer(_write(tmp_path, pdf), 1)

    assert layer.trusted, layer.reason
    assert layer.columns == 3
    assert _flat(layer.text) == _flat(truth)
    assert layer.text.startswith(corpus.HEADINGS[1] + "\n")
    assert layer.text.endswith("\nTrang 1/1")


@pytest.mark.parametrize(("columns", "seeds"), [(2, 6), (3, 16)])
@pytest.mark.parametrize("justify", [True, False], ids=["justified", "ragged"])
def test_columns_hold_across_many_layouts(tmp_path: Path, columns: int, seeds: int, justify: bool) -> None:
    """Columns that open with a paragraph's short last line, ragged lines reaching into the gutter,
    baselines that drift apart after a paragraph break, headings and page numbers: text still comes
    out column by column."""
    fonts = FONTS if columns == 2 else ["Liberation Serif", "Noto Serif"]  # narrow enough for 3
    for seed in range(seeds):
        rng = random.Random(seed)
        pdf, truth = pdfs.born_digital_pdf(
            corpus.paragraphs(rng, 5), columns=columns, font=fonts[seed % len(fonts)], size_pt=9,
            heading=rng.choice(corpus.HEADINGS) if seed % 2 else None,
            footer="Trang 1/1" if seed % 3 == 0 else None, justify=justify)
        layer = read_text_layer(_write(tmp_path, pdf, f"{seed}.pdf"), 1)

        assert layer.columns == columns, f"seed {seed}"
        assert _flat(layer.text) == _flat(truth), f"seed {seed}"


def test_official_letter_header_blocks_are_read_one_after_the_other(tmp_path: Path) -> None:
    """Agency block, motto block, then the title as a block of its own (not the motto block's tail)."""
    pdf, truth = pdfs.official_letter_pdf(
        ("ỦY BAN NHÂN DÂN", "PHƯỜNG BẾN NGHÉ"), "Số: 125/UBND-VP",
        "TP. Hồ Chí Minh, ngày 15 tháng 3 năm 2024", "GIẤY XÁC NHẬN",
        corpus.paragraphs(random.Random(14), 2))
    layer = read_text_layer(_write(tmp_path, pdf), 1)

    assert layer.trusted, layer.reason
    assert layer.text.startswith("ỦY BAN NHÂN DÂN\nPHƯỜNG BẾN NGHÉ\nSố: 125/UBND-VP\n\n"
                                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n")
    assert "\n\nGIẤY XÁC NHẬN\n" in layer.text
    assert _flat(layer.text) == _flat(truth)


def test_form_labels_stay_on_the_line_of_their_values(tmp_path: Path) -> None:
    """The aligned gap before the values is a tab stop, not a gutter: 'Giới tính: Nữ' stays one line."""
    pdf, truth = pdfs.form_pdf(FORM_FIELDS)
    layer = read_text_layer(_write(tmp_path, pdf), 1)

    assert layer.text.splitlines() == truth.splitlines()
    assert layer.columns == 1


def test_word_boxes_sit_on_the_rendered_words(tmp_path: Path) -> None:
    pdf, _ = pdfs.born_digital_pdf(corpus.paragraphs(random.Random(5), 4), columns=2)
    path = _write(tmp_path, pdf)
    layer = read_text_layer(path, 1, dpi=100)
    image = render_page(path, 1, dpi=100)

    assert image.shape == (layer.height, layer.width, 3)
    assert all(w.conf == 100 for w in layer.words)
    assert _ink_under_every_word(layer, image)


def test_fake_bold_glyphs_drawn_three_times_are_read_once(tmp_path: Path) -> None:
    lines = [f"{label} {value}" for label, value in FORM_FIELDS]
    pdf, truth = pdfs.fake_bold_pdf(lines)
    layer = read_text_layer(_write(tmp_path, pdf), 1)

    assert layer.trusted, layer.reason
    assert layer.text == truth
    assert len(layer.words) == len(truth.split())


def test_landscape_page_stored_with_rotate_reads_upright(tmp_path: Path) -> None:
    lines = corpus.SENTENCES[:5]
    pdf, truth = pdfs.landscape_pdf(lines)
    path = _write(tmp_path, pdf)
    layer = read_text_layer(path, 1, dpi=100)
    image = render_page(path, 1, dpi=100)

    assert layer.trusted, layer.reason
    assert layer.text == truth
    assert layer.width > layer.height and image.shape == (layer.height, layer.width, 3)
    assert _ink_under_every_word(layer, image)


def test_sideways_page_is_not_trusted(tmp_path: Path) -> None:
    pdf, _ = pdfs.born_digital_pdf(corpus.paragraphs(random.Random(6), 3))
    layer = read_text_layer(_write(tmp_path, pdfs.rotate_pages(pdf, 90)), 1)

    assert not layer.trusted
    assert "sideways" in layer.reason


def test_stripped_diacritics_layer_is_not_trusted(tmp_path: Path) -> None:
    paragraphs = corpus.paragraphs(random.Random(9), 3)
    layer = read_text_layer(_write(tmp_path, pdfs.stripped_diacritics_pdf(paragraphs)), 1)

    assert not layer.trusted
    assert "diacritics" in layer.reason
    assert layer.marked_share == 0
    assert _flat(layer.text) == _flat(pdfs.strip_marks("\n".join(paragraphs))), "text still returned"


def test_broken_font_map_is_not_trusted(tmp_path: Path) -> None:
    """A real broken case: the page prints fine, but its fonts lost their /ToUnicode maps."""
    paragraphs = corpus.paragraphs(random.Random(10), 3)
    path = _write(tmp_path, pdfs.broken_font_map_pdf(paragraphs))
    layer = read_text_layer(path, 1)

    assert "(cid:" in layer.text
    assert not layer.trusted
    assert "(cid:N)" in layer.reason
    assert (render_page(path, 1, dpi=50) < 128).any(), "the page itself must still print"


def test_legacy_vni_font_is_not_trusted(tmp_path: Path) -> None:
    paragraphs = corpus.paragraphs(random.Random(11), 3)
    layer = read_text_layer(_write(tmp_path, pdfs.legacy_font_pdf(paragraphs)), 1)

    assert not layer.trusted
    assert "legacy" in layer.reason


def test_image_only_page_is_not_trusted(tmp_path: Path) -> None:
    layer = read_text_layer(_write(tmp_path, pdfs.image_pdf([_scan()], dpi=100)), 1)

    assert not layer.trusted
    assert layer.char_count == 0
    assert layer.image_share == 1
    assert "no text layer" in layer.reason


def test_scan_with_only_a_typed_header_is_not_trusted(tmp_path: Path) -> None:
    pdf = pdfs.scan_with_typed_header_pdf(_scan(), "Quét lúc 09:12 ngày 15/03/2024 tại bộ phận một cửa",
                                          "Trang 1/1", dpi=100)
    layer = read_text_layer(_write(tmp_path, pdf), 1)

    assert layer.char_count >= 20
    assert not layer.trusted
    assert "scan" in layer.reason


def test_mixed_pdf_trusts_the_typed_page_only(tmp_path: Path) -> None:
    pdf, truth = pdfs.mixed_pdf(corpus.paragraphs(random.Random(12), 2), _scan(), dpi=100)
    path = _write(tmp_path, pdf)

    assert page_count(path) == 2
    typed, scanned = read_text_layer(path, 1), read_text_layer(path, 2)
    assert typed.trusted and _flat(typed.text) == _flat(truth)
    assert not scanned.trusted and scanned.text == ""


def test_reasons_carry_no_page_content(tmp_path: Path) -> None:
    """Reasons are logged; personal data on the page must not leak into them."""
    pdf, _ = pdfs.born_digital_pdf(corpus.SENTENCES[:6])
    trusted = read_text_layer(_write(tmp_path, pdf, "typed.pdf"), 1)
    stripped = read_text_layer(_write(tmp_path, pdfs.stripped_diacritics_pdf(corpus.SENTENCES[:6]),
                                      "stripped.pdf"), 1)
    for layer in (trusted, stripped):
        assert not {word for word in layer.reason.split() if len(word) > 2} & set(layer.text.split())


@pytest.mark.parametrize(("dpi", "size"), [(300, (3508, 2480)), (200, (2339, 1654))])
def test_a4_renders_at_the_standard_pixel_size(tmp_path: Path, dpi: int, size: tuple[int, int]) -> None:
    pdf, _ = pdfs.born_digital_pdf(corpus.SENTENCES[:2])
    path = _write(tmp_path, pdf)
    image = render_page(path, 1, dpi=dpi)

    assert image.shape == (*size, 3)
    assert image.dtype == np.uint8
    layer = read_text_layer(path, 1, dpi=dpi)
    assert (layer.height, layer.width) == size


def test_scan_renders_back_at_its_own_size_and_colour(tmp_path: Path) -> None:
    scan = Image.new("RGB", (827, 1169), (255, 255, 255))
    scan.paste((200, 30, 30), (100, 100, 300, 200))  # a red seal
    path = _write(tmp_path, pdfs.image_pdf([scan], dpi=100))
    image = render_page(path, 1, dpi=100)

    assert image.shape == (1169, 827, 3)
    assert np.allclose(image[150, 200], (200, 30, 30), atol=8), "channels must be RGB, not BGR"


def test_missing_page_is_a_clear_error(tmp_path: Path) -> None:
    pdf, _ = pdfs.born_digital_pdf(corpus.SENTENCES[:2])
    path = _write(tmp_path, pdf)
    with pytest.raises(ValueError, match="has 1 page"):
        render_page(path, 2)
    with pytest.raises(ValueError, match="has 1 page"):
        read_text_layer(path, 0)


def test_rendering_from_four_threads_at_once_matches_one_thread(tmp_path: Path) -> None:
    parts = [pdfs.born_digital_pdf(corpus.paragraphs(random.Random(seed), 2), columns=1 + seed % 2)[0]
             for seed in range(4)]
    path = _write(tmp_path, pdfs.concatenate_pdfs(parts))
    jobs = [(page, dpi) for page in range(1, 5) for dpi in (72, 100)] * 2
    expected = {job: render_page(path, *job) for job in set(jobs)}

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: render_page(path, *job), jobs))

    assert all(np.array_equal(result, expected[job]) for job, result in zip(jobs, results))
    assert len({expected[(page, 100)].tobytes() for page in range(1, 5)}) == 4, "pages must differ"
