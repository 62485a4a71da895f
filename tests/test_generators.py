"""The test-input generators tell the truth: CER counts what a reader sees, pages carry the text
they claim, each degradation does what its name says, the writers produce the formats promised."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import numpy as np
import pdfplumber
import pikepdf
import pytesseract
import pytest
import yaml
from PIL import Image, ImageChops, ImageOps

from ocr.metrics import cer, wer
from schemas.batch import BatchManifest
from schemas.vntext import has_vietnamese_marks
from tests.generators import corpus, pages
from tests.generators.sample_batch import DOSSIER_CODE, PAGE_BREAK, make_sample_batch


@pytest.fixture(scope="module")
def page() -> pages.RenderedPage:
    return pages.sample_page(np.random.default_rng(11), font="Liberation Serif", size_pt=13)


def _ink_fraction(image: Image.Image) -> float:
    return float((np.asarray(image.convert("L")) < 128).mean())


def _dominant_angle(image: Image.Image) -> float:
    """Skew in degrees (counter-clockwise) by the projection-profile method: text lines give the
    sharpest row profile when rotated back level."""
    ink = ImageOps.invert(image.convert("L")).reduce(4)
    candidates = np.arange(-8.0, 8.01, 0.25)
    scores = [np.var(np.asarray(ink.rotate(a, resample=Image.Resampling.BILINEAR)).sum(axis=1))
              for a in candidates]
    return -float(candidates[int(np.argmax(scores))])


# --- cer / wer -----------------------------------------------------------------------------------


def test_identical_text_has_no_errors() -> None:
    assert cer("Ủy ban nhân dân", "Ủy ban nhân dân") == 0.0
    assert wer("Ủy ban nhân dân", "Ủy ban nhân dân") == 0.0


def test_one_substitution_costs_one_character() -> None:
    assert cer("hồ sơ 0012", "hồ sơ O012") == pytest.approx(1 / 10)


def test_a_wrong_tone_mark_is_an_error() -> None:
    assert cer("phủ", "phú") == pytest.approx(1 / 3)
    assert cer("Nguyễn", "Nguyen") == pytest.approx(1 / 6)


def test_nfd_and_nfc_spellings_are_the_same_text() -> None:
    text = "Độc lập - Tự do - Hạnh phúc"
    assert cer(text, unicodedata.normalize("NFD", text)) == 0.0


def test_line_breaks_and_spacing_are_not_errors() -> None:
    assert cer("Kính gửi Ủy ban\nnhân dân", "Kính gửi  Ủy ban nhân dân\n") == 0.0


def test_word_error_rate_counts_words() -> None:
    assert wer("tờ khai đăng ký khai sinh", "tờ khai đăng kí khai sinh") == pytest.approx(1 / 6)


def test_missing_text_is_a_full_error() -> None:
    assert cer("giấy khai sinh", "") == 1.0
    assert cer("", "") == 0.0


# --- rendering -----------------------------------------------------------------------------------


def test_rendered_page_shows_vietnamese_ground_truth(page: pages.RenderedPage) -> None:
    assert 0.005 < _ink_fraction(page.image) < 0.2
    assert has_vietnamese_marks(page.text)
    lines = page.text.splitlines()
    assert lines[:2] == list(corpus.MOTTO)
    assert len(lines) >= 6


def test_same_seed_same_page_other_seed_other_page() -> None:
    first = pages.sample_page(np.random.default_rng(5))
    again = pages.sample_page(np.random.default_rng(5))
    other = pages.sample_page(np.random.default_rng(6))
    assert first.text == again.text and first.image.tobytes() == again.image.tobytes()
    assert other.text != first.text


@pytest.mark.parametrize("family", list(pages.FONTS))
def test_every_font_stacks_vietnamese_marks(family: str) -> None:
    """Ệ must reach above and below a plain E: the circumflex and dot were drawn, not a box."""
    font = pages._font(family, False, 60)
    _, plain_top, _, plain_bottom = font.getbbox("E")
    _, top, _, bottom = font.getbbox("Ệ")
    assert top < plain_top and bottom > plain_bottom


def test_everything_stays_inside_the_margins_and_overflow_is_left_out_of_the_truth() -> None:
    many = corpus.paragraphs(random.Random(1), 12)
    longest_heading = max(corpus.HEADINGS, key=len)
    small = pages.render_page(many, title=longest_heading, font="DejaVu Sans", size_pt=14,
                              paper="A6", dpi=150)
    assert len(small.text.split()) < len(" ".join(many).split())
    assert set(longest_heading.split()) <= set(small.text.split())  # wrapped, not cut
    top, right, bottom, left = (round(mm / 25.4 * 150) for mm in pages.DEFAULT_MARGINS)
    pixels = np.asarray(small.image)
    for margin in (pixels[:top], pixels[-bottom:], pixels[:, :left], pixels[:, -right:]):
        assert margin.min() > 128  # at most a faint anti-aliased edge


def test_a4_page_has_a4_pixels_at_its_dpi() -> None:
    a4 = pages.render_page(["Kính gửi."], title="Đơn", paper="A4", dpi=200)
    assert a4.image.size == (1654, 2339)


# --- degradations --------------------------------------------------------------------------------


@pytest.mark.parametrize("degrees", [-4.0, 3.0])
def test_skew_is_measured_back(page: pages.RenderedPage, degrees: float) -> None:
    assert _dominant_angle(page.image) == 0.0
    assert _dominant_angle(pages.skew(page.image, degrees)) == pytest.approx(degrees, abs=0.5)


def test_rotate90_turns_the_page(page: pages.RenderedPage) -> None:
    sideways = pages.rotate90(page.image, 1)
    assert sideways.size == (page.image.height, page.image.width)
    upside_down = np.asarray(pages.rotate90(page.image, 2))
    ink_rows = np.flatnonzero((upside_down < 128).any(axis=1))
    assert ink_rows.min() > page.image.height / 2  # the header is now at the bottom


def test_noise_dirties_the_white_paper(page: pages.RenderedPage) -> None:
    rng = np.random.default_rng(0)
    margin = (0, 0, 230, 170)  # blank paper above and left of the text
    noisy = pages.gaussian_noise(page.image, 15, rng=rng).crop(margin)
    assert np.asarray(noisy, dtype=float).std() > 5
    dotted = np.asarray(pages.salt_pepper(page.image, 0.01, rng=rng).crop(margin))
    assert 0.0035 < (dotted == 0).mean() < 0.0065  # half of 1% turn black


def test_blur_and_jpeg_soften_edges(page: pages.RenderedPage) -> None:
    def grey_fraction(image: Image.Image) -> float:
        pixels = np.asarray(image)
        return float(((pixels > 40) & (pixels < 215)).mean())

    assert grey_fraction(pages.blur(page.image, 1.5)) > 1.5 * grey_fraction(page.image)
    assert ImageChops.difference(pages.jpeg(page.image, 20), page.image).getbbox() is not None


def test_low_dpi_shrinks_to_two_thirds(page: pages.RenderedPage) -> None:
    assert pages.low_dpi(page.image).size == (round(page.image.width * 2 / 3),
                                              round(page.image.height * 2 / 3))


def test_uneven_light_darkens_one_side(page: pages.RenderedPage) -> None:
    shaded = np.asarray(pages.uneven_light(page.image, 0.5, rng=np.random.default_rng(2)))
    corners = [shaded[:20, :20], shaded[:20, -20:], shaded[-20:, :20], shaded[-20:, -20:]]
    means = [float(c.mean()) for c in corners]
    assert max(means) - min(means) > 80


def test_border_frames_the_page_in_dark(page: pages.RenderedPage) -> None:
    framed = pages.border(page.image, rng=np.random.default_rng(3))
    assert framed.width > page.image.width and framed.height > page.image.height
    pixels = np.asarray(framed)
    assert pixels[:5].mean() < 80 and pixels[:, -5:].mean() < 80
    assert pixels[framed.height // 2 - 5:framed.height // 2 + 5, framed.width // 2].min() > 200


def test_color_paper_is_yellowish_with_a_blue_stamp(page: pages.RenderedPage) -> None:
    coloured = pages.color_paper(page.image, rng=np.random.default_rng(4), stamp_text="ĐÃ NHẬN")
    assert coloured.mode == "RGB"
    red, green, blue = (np.asarray(coloured, dtype=int)[..., c] for c in range(3))
    assert red[:20, :20].mean() - blue[:20, :20].mean() > 30
    assert ((blue - red) > 60).sum() > 1000


def test_every_variant_changes_the_image_and_keeps_the_ground_truth() -> None:
    page = pages.sample_page(np.random.default_rng(8), dpi=150)  # small: ten degradations, twice
    variants = pages.degraded_variants(np.random.default_rng(9), page)
    assert [name for name, _, _ in variants] == list(pages.DEGRADATIONS)
    for name, image, truth in variants:
        assert truth == page.text, name
        if image.size == page.image.size:
            assert ImageChops.difference(image.convert("L"), page.image).getbbox(), name
    again = pages.degraded_variants(np.random.default_rng(9), page)
    assert all(a[1].tobytes() == b[1].tobytes() for a, b in zip(variants, again))


# --- writers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", [6, 8, 3])
def test_exif_rotated_jpeg_opens_upright(page: pages.RenderedPage, tmp_path: Path,
                                         orientation: int) -> None:
    path = pages.save_jpeg(page.image, tmp_path / "phone.jpg", exif_orientation=orientation)
    with Image.open(path) as stored:
        assert stored.getexif()[0x0112] == orientation
        if orientation in (6, 8):
            assert stored.size == (page.image.height, page.image.width)
        upright = ImageOps.exif_transpose(stored)
    assert upright.size == page.image.size
    assert np.abs(np.asarray(upright, dtype=int) - np.asarray(page.image, dtype=int)).mean() < 3


def test_special_formats_have_the_promised_modes(page: pages.RenderedPage, tmp_path: Path) -> None:
    with Image.open(pages.save_16bit_png(page.image, tmp_path / "deep.png")) as deep:
        assert deep.mode == "I;16"
        assert np.asarray(deep).max() == 65535
    with Image.open(pages.save_cmyk_jpeg(page.image, tmp_path / "print.jpg")) as cmyk:
        assert cmyk.mode == "CMYK"
    with Image.open(pages.save_rgba_png(page.image, tmp_path / "clear.png")) as clear:
        assert clear.mode == "RGBA"
        alpha = np.asarray(clear.getchannel("A"))
        assert alpha[:20, :20].max() == 0 and alpha.max() == 255
        on_white = Image.alpha_composite(Image.new("RGBA", clear.size, "white"), clear)
    assert ImageChops.difference(on_white.convert("L"), page.image).getbbox() is None


def test_multipage_tiff_keeps_every_page(page: pages.RenderedPage, tmp_path: Path) -> None:
    second = pages.sample_page(np.random.default_rng(12))
    path = pages.save_tiff_multipage([page.image, second.image], tmp_path / "two.tif", dpi=200)
    with Image.open(path) as tiff:
        assert tiff.n_frames == 2
        tiff.seek(1)
        assert tiff.tobytes() == second.image.tobytes()
        assert round(tiff.info["dpi"][0]) == 200


# --- the promise that matters: Tesseract reads a clean page almost perfectly ----------------------


def test_tesseract_reads_a_clean_page_with_under_five_percent_cer(
        page: pages.RenderedPage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")  # one thread per Tesseract, as in production
    text = pytesseract.image_to_string(page.image, lang="vie", config=f"--dpi {page.dpi}")
    assert cer(page.text, text) < 0.05


# --- the sample batch a clerk drops ---------------------------------------------------------------


def test_sample_batch_is_what_its_manifest_and_truth_say(tmp_path: Path) -> None:
    truth = make_sample_batch(tmp_path / "batch")
    folder = tmp_path / "batch"
    manifest = BatchManifest.model_validate(
        yaml.safe_load((folder / "batch.yaml").read_text(encoding="utf-8")))
    assert manifest.dossier_code == DOSSIER_CODE and manifest.direction == "input"
    assert set(manifest.files) == set(truth) == {p.name for p in folder.iterdir()} - {"batch.yaml"}
    assert sum(1 for text in truth.values() if not text) == 1  # the broken file

    for name, entry in manifest.files.items():
        path = folder / name
        if path.suffix == ".pdf":
            with pdfplumber.open(path) as pdf:
                assert len(pdf.pages) == entry.expected_pages, name
                layer = "\n".join(page.extract_text() or "" for page in pdf.pages)
            # the born-digital PDF carries its truth as text; the scanned one has no text at all
            assert cer(truth[name], layer) < 0.01 if layer else has_vietnamese_marks(truth[name])
        elif truth[name]:
            with Image.open(path) as image:
                assert getattr(image, "n_frames", 1) == entry.expected_pages, name
            assert truth[name].count(PAGE_BREAK) == entry.expected_pages - 1
        else:
            with pytest.raises(OSError), Image.open(path) as image:
                image.load()


def _pdf_payload(path: Path) -> list[bytes]:
    """What a PDF shows (page drawing operators and image data), without the creation time and
    document ID that PDF writers stamp on every file."""
    with pikepdf.open(path) as pdf:
        return [pikepdf.unparse_content_stream(pikepdf.parse_content_stream(page))
                + b"".join(image.read_raw_bytes() for image in page.get_images().values())
                for page in pdf.pages]


def test_sample_batch_is_reproducible(tmp_path: Path) -> None:
    first = make_sample_batch(tmp_path / "a")
    again = make_sample_batch(tmp_path / "b")
    assert first == again
    for name in [*first, "batch.yaml"]:
        a, b = tmp_path / "a" / name, tmp_path / "b" / name
        if a.suffix == ".pdf":
            assert _pdf_payload(a) == _pdf_payload(b), name
        else:
            assert a.read_bytes() == b.read_bytes(), name
