"""Decode the QR code of an ID card (chip CCCD front, Căn cước back) from a card or page image.

Two readers: zxing-cpp, and OpenCV's classic and ArUco detectors tried at several scales and on a
binarized copy. Measured on the generated cards (tests/benchmarks/identity_accuracy.py --qr),
zxing-cpp reads every intact code, OpenCV misses some blurred ones, and OpenCV takes 0.1-3 s per
image where zxing-cpp takes milliseconds; it never read a code zxing-cpp missed. So zxing-cpp alone
is the default, and every card without a QR (backs, old cards, covered codes) costs nothing; the
OpenCV reader stays selectable for the comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from ocr.images import full_contrast, to_grey

_OPENCV_SCALES = (1.0, 0.5, 2.0)
_MAX_OPENCV_SIDE = 2400  # larger copies cost seconds and decode nothing more


@dataclass(frozen=True)
class QrCode:
    """A decoded QR code: its text and its corners in the image's pixels (clockwise, any start)."""

    text: str
    corners: np.ndarray  # 4 × 2 float32

    @property
    def centre(self) -> tuple[float, float]:
        x, y = self.corners.mean(axis=0)
        return float(x), float(y)



def payload_text(raw: bytes | str) -> str:
    """UTF-8 text of a payload. Card QRs carry UTF-8 bytes without an ECI marker, which decoders
    may hand over decoded as Latin-1 ("Nguyá»…n"): undo that when it is what happened."""
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return raw


def read_qr_zxing(image: np.ndarray) -> QrCode | None:
    """zxing-cpp on the grey image, then with its global-histogram binarizer (even light)."""
    grey = np.ascontiguousarray(to_grey(image))
    for binarizer in (zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.GlobalHistogram):
        # A card's code is dark on light: no inverted pass (it doubled the cost on every page
        # that holds no code at all).
        for found in zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode,
                                            binarizer=binarizer, try_invert=False):
            if found.valid and found.bytes:
                position = found.position
                corners = np.array([(p.x, p.y) for p in (position.top_left, position.top_right,
                                                         position.bottom_right,
                                                         position.bottom_left)], np.float32)
                return QrCode(payload_text(bytes(found.bytes)), corners)
    return None


def read_qr_opencv(image: np.ndarray) -> QrCode | None:
    """OpenCV's classic and ArUco-based detectors at several scales, on grey and on an Otsu copy."""
    grey = to_grey(image)
    detectors = (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco())
    for scale in _OPENCV_SCALES:
        if max(grey.shape) * scale > _MAX_OPENCV_SIDE and scale > 1:
            continue
        resized = grey if scale == 1.0 else cv2.resize(
            grey, None, fx=scale, fy=scale,
            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        binary = cv2.threshold(resized, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
        for copy in (resized, binary):
            for detector in detectors:
                text, points, _ = detector.detectAndDecode(copy)
                if text and points is not None:
                    return QrCode(payload_text(text),
                                  (points.reshape(4, 2) / scale).astype(np.float32))
    return None


# A soft scan blurs a card's 0.25-0.35 mm modules together (about 3 px each at 300 dpi) until no
# binarizer resolves them. Such a code is found as a square patch of strong local contrast and read
# again after deblurring: deconvolved (Richardson-Lucy) under Gaussian blurs of the widths below (mm
# on the card; the scan's own blur is unknown), enlarged twice and read after every few rounds (too
# few leave it soft, too many ring).
_BLUR_SIGMAS_MM = (0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18)
_DECONVOLUTION_ROUNDS = (10, 20, 30, 40)
# Before deblurring, the patch is binarized against its own neighbourhood (a Gaussian-weighted
# mean over these widths, mm: two to four modules): a soft code whose light modules sink to mid-grey
# still splits into dark and light where zxing's binarizers see one grey blur.
_LOCAL_THRESHOLD_MM = (0.7, 0.9)
_PATCH_WINDOW_MM = 1.0  # local contrast measured over this square (a few modules)
# Grey levels of local contrast inside a code, the sharp code's level first: blur lowers the
# contrast until the code no longer stands out at the first, and a lower level alone merges a
# sharp code with the print round it.
_PATCH_MIN_STDS = (25, 18)
_PATCH_SIDE_MM = (7.0, 26.0)  # a card's QR code is about 12-20 mm across
_PATCH_MIN_FILL = 0.6
_SOLID_DARK = 0.9  # share of a patch's edge row (column) that is dark: the darkness beyond a card
_QUIET_ZONE_MM = 1.5  # the light margin restored round a code (four modules or more)


def _contrast_patches(spread: np.ndarray, window: int, px_per_mm: float,
                      min_std: float) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) around square patches where the local contrast `spread` (grey
    levels, measured over `window` px) is above `min_std`, each with a quiet zone's margin: where a
    QR code may be."""
    mask = cv2.morphologyEx((spread > min_std).astype(np.uint8), cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_RECT, (window, window)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    low, high = (side * px_per_mm for side in _PATCH_SIDE_MM)
    boxes = []
    height, width = spread.shape
    for x, y, w, h, area in stats[1:count]:
        if low <= w <= high and low <= h <= high and 0.7 <= w / h <= 1.4 \
                and area >= _PATCH_MIN_FILL * w * h:
            margin = w // 10
            boxes.append((max(0, x - margin), max(0, y - margin), min(width, x + w + margin),
                          min(height, y + h + margin)))
    return boxes


def _deconvolutions(grey: np.ndarray, sigma: float) -> Iterator[np.ndarray]:
    """Richardson-Lucy estimates of `grey` unblurred from a Gaussian of `sigma` px, after each
    number of rounds in _DECONVOLUTION_ROUNDS."""
    kernel = cv2.getGaussianKernel(int(sigma * 6) | 1, sigma)
    psf = kernel @ kernel.T  # symmetric: it is its own mirror image
    observed = grey.astype(np.float32) / 255 + 1e-3
    estimate = observed.copy()
    for round_number in range(1, _DECONVOLUTION_ROUNDS[-1] + 1):
        blurred = cv2.filter2D(estimate, -1, psf) + 1e-6
        estimate *= cv2.filter2D(observed / blurred, -1, psf)
        if round_number in _DECONVOLUTION_ROUNDS:
            yield np.clip(estimate * 255, 0, 255).astype(np.uint8)


def _with_quiet_zone(patch: np.ndarray, margin: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The patch with a light margin restored round its code, and where its top-left pixel went.

    Decoders find a code by the light margin round its finder squares. A card cut tight on a dark
    scanner lid (or printed against a dark border) has its code flush against that darkness, and the
    finder squares merge with it. Rows and columns at the patch's edges that are dark all across
    are that darkness, never a code: a code's every row and column crosses a light separator beside
    its finder squares and light modules. They are cut off and a paper-coloured margin put round."""
    dark = patch < cv2.threshold(patch, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[0]

    def solid(lines: np.ndarray) -> int:
        """How many lines from the start are dark all across."""
        light = np.flatnonzero(lines.mean(axis=1) < _SOLID_DARK)
        return int(light[0]) if len(light) else len(lines)

    top, bottom = solid(dark), solid(dark[::-1])
    left, right = solid(dark.T), solid(dark.T[::-1])
    inner = patch[top:patch.shape[0] - bottom, left:patch.shape[1] - right]
    if inner.size == 0:
        return patch, (0, 0)
    paper = int(np.percentile(inner, 95))
    return (cv2.copyMakeBorder(inner, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=paper),
            (margin - left, margin - top))


def _code_patches(grey: np.ndarray, px_per_mm: float) -> Iterator[tuple[tuple[int, int, int, int], bool]]:
    """Where a QR code may be, at each contrast level in turn, each box once, with whether it
    stood out at a sharp code's level (only those are worth deblurring: at the lower level,
    photos and seals stand out too, and deblurring each costs a tenth of a second)."""
    window = max(5, round(_PATCH_WINDOW_MM * px_per_mm)) | 1
    values = grey.astype(np.float32)
    mean = cv2.blur(values, (window, window))
    spread = np.sqrt(np.maximum(cv2.blur(values * values, (window, window)) - mean * mean, 0))
    seen: set[tuple[int, int, int, int]] = set()
    for min_std in _PATCH_MIN_STDS:
        for box in _contrast_patches(spread, window, px_per_mm, min_std):
            if box not in seen:
                seen.add(box)
                yield box, min_std == _PATCH_MIN_STDS[0]


def _sharpened(patch: np.ndarray, px_per_mm: float, deblur: bool) -> Iterator[tuple[np.ndarray, int]]:
    """Copies of a code's patch for a decoder, each with how many times it was enlarged: as it
    is, binarized against its neighbourhood, then deblurred if asked."""
    yield patch, 1
    enlarged = cv2.resize(patch, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    for width_mm in _LOCAL_THRESHOLD_MM:
        block = round(width_mm * px_per_mm * 2) | 1
        yield cv2.adaptiveThreshold(enlarged, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                    cv2.THRESH_BINARY, block, 0), 2
    if not deblur:
        return
    for sigma_mm in _BLUR_SIGMAS_MM:
        for sharper in _deconvolutions(patch, sigma_mm * px_per_mm):
            yield cv2.resize(sharper, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 2


def read_blurred_qr(image: np.ndarray, px_per_mm: float) -> QrCode | None:
    """A QR code too blurred for `read_qr` or flush against something dark, read where a code may
    be: at full contrast, with its light margin restored, then binarized locally, then deblurred;
    None when none reads. Costs a few milliseconds on an image with no code-like patch; see the
    README for a patch."""
    grey = full_contrast(to_grey(image))  # the contrast levels above hold on a faded copy
    for (x0, y0, x1, y1), deblur in _code_patches(grey, px_per_mm):
        patch, (dx, dy) = _with_quiet_zone(grey[y0:y1, x0:x1], round(_QUIET_ZONE_MM * px_per_mm))
        shift = np.float32((x0 - dx, y0 - dy))
        for copy, enlarged in _sharpened(patch, px_per_mm, deblur):
            found = read_qr_zxing(copy)
            if found is not None:
                return QrCode(found.text, found.corners / enlarged + shift)
    return None


Reader = Callable[[np.ndarray], QrCode | None]
READERS: dict[str, Reader] = {"zxing": read_qr_zxing, "opencv": read_qr_opencv}


def read_qr(image: np.ndarray, readers: Sequence[str] = ("zxing",)) -> QrCode | None:
    """The first QR code the readers decode (grey or RGB image), or None."""
    for name in readers:
        try:
            found = READERS[name](image)
        except cv2.error:  # OpenCV's detectors throw on degenerate geometry
            found = None
        if found is not None:
            return found
    return None


def decode_qr(image: np.ndarray) -> str | None:
    """The payload text of the QR code in the image, or None."""
    found = read_qr(image)
    return found.text if found else None
