"""Decode the QR code of an ID card (chip CCCD front, Căn cước back) from a card or page image.

Two readers: zxing-cpp, and OpenCV's classic and ArUco detectors tried at several scales and on a
binarized copy. Measured on the generated cards (tests/benchmarks/identity_accuracy.py --qr),
zxing-cpp reads every intact code, OpenCV misses some blurred ones, and OpenCV takes 0.1-3 s per
image where zxing-cpp takes milliseconds; it never read a code zxing-cpp missed. So zxing-cpp alone
is the default, and every card without a QR (backs, old cards, covered codes) costs nothing; the
OpenCV reader stays selectable for the comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from ocr.images import to_grey

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
        for found in zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode,
                                            binarizer=binarizer):
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
