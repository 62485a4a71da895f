"""A small batch as a scanning clerk drops it, with the ground truth of every file.

One folder exercises the whole ingest path: a clean scan, a crooked noisy JPEG, a two-page TIFF, a
born-digital PDF (text layer), an image-only PDF (needs OCR), a truncated PNG (must be quarantined)
and the `batch.yaml` manifest that names the dossier. Used by end-to-end tests and by `make demo`:
    python -m tests.generators.sample_batch DEST
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np
import yaml

from schemas.batch import BatchManifest, Direction, ManifestFile
from tests.generators import corpus, pages, pdfs

OFFICE_CODE = "000.00.01.H29"
DOSSIER_CODE = f"{OFFICE_CODE}-241105-0012"

# Multi-page ground truth joins pages with a form feed, the page separator Tesseract itself prints.
PAGE_BREAK = "\f"


def make_sample_batch(folder: Path, seed: int = 7) -> dict[str, str]:
    """Write the batch into `folder`; return file name (relative) → ground truth.

    The truncated PNG maps to "" : it has no readable text and should end quarantined.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    truth: dict[str, str] = {}
    components: dict[str, ManifestFile] = {}

    def record(name: str, text: str, component: str, page_count: int) -> None:
        truth[name] = text
        components[name] = ManifestFile(component=component, expected_pages=page_count)

    form = pages.sample_page(rng, title="Tờ khai đăng ký khai sinh")
    pages.save_png(form.image, folder / "01_to_khai.png")
    record("01_to_khai.png", form.text, "Tờ khai đăng ký khai sinh", 1)

    residence = pages.sample_page(rng, title="Xác nhận thông tin về cư trú")
    crooked = pages.gaussian_noise(pages.skew(residence.image, -3.5), 10, rng=rng)
    pages.save_jpeg(crooked, folder / "02_xac_nhan_cu_tru.jpg", quality=75)
    record("02_xac_nhan_cu_tru.jpg", residence.text, "Xác nhận thông tin về cư trú", 1)

    text_rng = random.Random(seed)
    first = pages.sample_page(rng, title="Giấy ủy quyền", font="Liberation Serif", size_pt=13)
    second = pages.render_page(corpus.paragraphs(text_rng, 2), motto=False, size_pt=13)
    pages.save_tiff_multipage([first.image, second.image], folder / "03_giay_uy_quyen.tif")
    record("03_giay_uy_quyen.tif", first.text + PAGE_BREAK + second.text, "Giấy ủy quyền", 2)

    typed, typed_text = pdfs.born_digital_pdf(
        corpus.paragraphs(text_rng, 2), heading="ĐƠN ĐỀ NGHỊ CẤP BẢN SAO TRÍCH LỤC HỘ TỊCH")
    (folder / "04_don_de_nghi.pdf").write_bytes(typed)
    record("04_don_de_nghi.pdf", typed_text, "Đơn đề nghị cấp bản sao trích lục", 1)

    birth = pages.sample_page(rng, title="Giấy khai sinh")
    (folder / "05_giay_khai_sinh_scan.pdf").write_bytes(pdfs.image_pdf([birth.image]))
    record("05_giay_khai_sinh_scan.pdf", birth.text, "Bản sao giấy khai sinh", 1)

    broken = pages.save_png(pages.sample_page(rng).image, folder / "06_trang_bi_loi.png")
    broken.write_bytes(broken.read_bytes()[: broken.stat().st_size // 3])
    record("06_trang_bi_loi.png", "", "Giấy tờ khác", 1)

    manifest = BatchManifest(
        office_code=OFFICE_CODE,
        operator="Nguyễn Thị Lan",
        dossier_code=DOSSIER_CODE,
        procedure_code="1.001193",
        direction=Direction.INPUT,
        files=components,
    )
    (folder / "batch.yaml").write_text(
        yaml.safe_dump(manifest.model_dump(mode="json", exclude_none=True), allow_unicode=True,
                       sort_keys=False),
        encoding="utf-8",
    )
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a sample scanning batch with ground truth.")
    parser.add_argument("dest", type=Path, help="batch folder to create, e.g. data/inbox/demo")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    truth = make_sample_batch(args.dest, args.seed)
    print(f"wrote {len(truth)} files and batch.yaml to {args.dest}")


if __name__ == "__main__":
    main()
