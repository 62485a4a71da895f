"""Find ID cards on a page image and cut each out upright, at one canonical size (ISO ID-1).

Cards reach the office as scans of the card alone, as photocopies of one or two cards on an A4
sheet (at any angle), or as phone photos on a table (perspective, a darker background). A card
differs from what surrounds it (white paper, a table) and has four straight sides: we segment what
differs from the page's border colour, keep the card-shaped blobs, fit a quadrilateral to each
(lines fitted to the four sides, so rounded corners do not pull the corners in) and warp it to
ID-1 proportions. Which way up the card lies is decided from its content: the QR code sits in the
top half of both cards that carry one, the MRZ at the bottom; otherwise Tesseract's OSD decides.
When no outline is found, the whole page is taken as the card.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np

from ocr.engine import OcrTimeout, detect_orientation, read_words
from ocr.identity.barcode import QrCode, read_blurred_qr, read_qr
from ocr.identity.mrz_reader import find_mrz_band
from ocr.identity.qr import parse_qr_payload
from ocr.images import ID1_MM, a4_sheet, card_shaped, full_contrast, shrink, to_grey
from ocr.preprocess import level_angle

# Documents are read in parallel, one per core: OpenCV's own thread pool would oversubscribe.
cv2.setNumThreads(1)

ID1_ASPECT = ID1_MM[0] / ID1_MM[1]
CARD_WIDTH = 1200  # px of a rectified card: 356 dpi, enough for the 4-pt labels
_WORK_SIDE = 1200  # the outline search runs on a copy this long (a copied card's thin outline
# must survive the shrinking)
_BACKGROUND_DISTANCE = 40  # grey levels from the border colour: surely not background
_MIN_BACKGROUND_DISTANCE = 5  # grey levels above the page's typical difference from its paper
_NOISE_FACTOR = 3.0  # times that typical difference (paper grain, scanner noise, JPEG)
_FRAME_SPREAD = 90  # percentile of the frame's differences from its own colour: its grain and specks
_PAPER_SIDE = 300  # px: the paper's colour is estimated on a copy this long
_PAPER_WINDOW = 0.6  # of the page's short side: the median window (wider than any card)
_MIN_CARD_AREA = 0.02  # of the page: smaller blobs are specks, stamps or photos
_ASPECT_RANGE = (1.3, 1.9)  # long/short side of a card seen in perspective
_MIN_FILL = 0.85  # blob area / quadrilateral area: cards are convex and filled
_MIN_EDGE_SUPPORT = 0.6  # share of each side's middle along an edge (see _edge_support)
_MIN_CARD_MM = 60  # long side at the page's dpi (85.6 mm; a phone photo's guessed dpi is lower)
_MAX_CARD_MM = 125  # ... and at most this on a scan whose dpi is real (the paper inside a dark border is no card)
_OWN_SHAPE = 0.06  # an outline within this share of ID-1's proportions (1.585) is card-shaped ...
_FILLS = 0.2  # ... and one covering this share of the picture is a card, whatever its size at the dpi
_TRUSTED_DPI = 150  # scanners record their resolution; phones write 72 or nothing
_MIN_STRAIGHT = 0.8  # share of each side's middle that a faint card's blob outline must follow
_WHOLE_PAGE = 0.9  # a quadrilateral this large is the page itself (a card scanned alone)
_FRAME_MARGIN = 0.01  # of the page's long side: a corner this near the page's edge lies on it
_PEEL = 0.03  # of the page's long side: what touches a card narrower than this is peeled off it
_CODE_REACH = 1.5  # a code the page shows lies on a card grown this much round its middle
# A card too faint to show an outline (light card, light paper, blur) still shows its content: flag,
# photo, QR, text lines, chip, MRZ. Merged across gaps of this many mm, they make one card-sized block.
_BLOCK_MERGE_MM = 5.0
_SPECK_MM = 2.0  # marks no larger than this either way are dust or toner, not a card's print
_BLOCK_LONG_MM = (65.0, 100.0)  # the block of a card's content: a little inside its 85.6 mm ...
_BLOCK_SHORT_MM = (40.0, 62.0)  # ... and 54 mm (a copy may be enlarged a little)
_BLOCK_ASPECT = (1.3, 1.85)
_BLOCK_MIN_FILL = 0.4  # of its box: content, not a ring or a diagonal streak
_BLOCK_MARGIN_MM = 3.0  # content stops about this far inside a card's edge
# The block's angle: straight lines at least this long (text baselines of a line or two of words,
# the card's edges), found by faint edges (a light card on light paper) within a margin round it.
_LINE_MIN_MM = 15.0
_LINE_GAP_MM = 1.5
_LINE_WINDOW_MM = 10.0
_LINE_MIN_COUNT = 3
_FAINT_CANNY = (10, 30)
_SIDE_TILT = 3.0  # degrees off the block's angle a segment may run and still mark a side
_SIDE_TOLERANCE = 0.05  # of ID-1's width (height): two sides this near it apart are the card's
_BEYOND_MM = (1.0, 5.0)  # the strip of paper beyond a card's side (mm from it) ...
_BEYOND_DENSITY = 0.02  # ... has at most this many edge pixels per pixel of its area (dust); text far more
_SIDE_INSIDE_MM = 1.0  # a lone side found this far inside the block's extent is still its edge ...
_SIDE_OUTSIDE_MM = 6.0  # ... and this far beyond it (content stops about 3 mm inside the edge)
_SIDE_WIDTH_MM = 0.5  # segments this near one another lie on one straight edge ...
_LONE_SIDE_SUPPORT = 0.4  # ... which runs at least this share of the card's side to be a side alone
_OSD_MIN_CONFIDENCE = 1.5
_TURN_LEAD = 2.0  # times the other way's reading weight (see _reads_upside_down) ...
_TURN_MIN_WEIGHT = 400.0  # ... and at least this much (five sure words)
_TURN_TIMEOUT = 10.0  # seconds per reading of a half-size card
_PAGE_DPI = 300  # a page taken whole is read at this resolution at most
_SKEW_WIDTH = 1200  # px: a card taken whole is measured for skew at this width ...
_SKEW_STROKE_MM = 1.0  # ... its print found as dark marks thinner than this ...
_MAX_CARD_SKEW = 10.0  # ... turned by at most this many degrees (a card scanned alone) ...
_MAX_PAGE_SKEW = 45.0  # ... or this many (a page neither card- nor A4-shaped: a card on a bed, any angle)
_LEVEL_ENOUGH = 1.5  # degrees: the MRZ band reader holds to 1.5° on own cards and fails at 2°


@dataclass(frozen=True)
class LocatedCard:
    """One card cut out of a page: upright, landscape, at the width asked for (unless the page
    itself was taken as the card and is not card-shaped: then it is the page as it came)."""

    image: np.ndarray  # uint8, grey or RGB like the page
    dpi: int  # resolution of `image`
    quad: np.ndarray  # 4 × 2 float32 corners on the page, clockwise from the card's top-left
    outline_found: bool  # False: no card outline, the whole page was taken
    upright_by: str  # what decided 0/180: "qr", "mrz", "osd", "text" or "none"
    qr: QrCode | None  # the QR decoded while deciding orientation, in `image` coordinates

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The card's bounding box on the page: x, y, width, height."""
        x, y, w, h = cv2.boundingRect(self.quad.astype(np.float32))
        return int(x), int(y), int(w), int(h)



# ---------------------------------------------------------------------------------------------------
# Outlines


def _edges(small: np.ndarray) -> np.ndarray:
    return cv2.Canny(cv2.GaussianBlur(to_grey(small), (3, 3), 0), 40, 120)


def _paper(small: np.ndarray) -> np.ndarray:
    """The paper's (or table's) own colour at every pixel: a median far wider than a card, so it
    follows uneven light and shadows but not the cards lying on it."""
    tiny = _paper_copy(small)
    size = max(3, round(min(tiny.shape[:2]) * _PAPER_WINDOW)) | 1
    return cv2.resize(cv2.medianBlur(tiny, size), (small.shape[1], small.shape[0]), interpolation=cv2.INTER_LINEAR)


def _paper_copy(small: np.ndarray) -> np.ndarray:
    """A copy about `_PAPER_SIDE` long: enough for what is far larger than print (paper, a card's ground)."""
    height, width = small.shape[:2]
    factor = max(1, round(max(height, width) / _PAPER_SIDE))
    return cv2.resize(small, (max(1, width // factor), max(1, height // factor)), interpolation=cv2.INTER_AREA)


def _frame(image: np.ndarray) -> np.ndarray:
    """The image's outermost pixels, one per row (all channels)."""
    frame = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    return frame.reshape(len(frame), -1)


def _difference(small: np.ndarray) -> np.ndarray:
    """How far each pixel's colour lies from the paper around it, smoothed (grey levels)."""
    smooth = cv2.medianBlur(small, 5)
    distance = cv2.absdiff(smooth, _paper(smooth))
    if distance.ndim == 3:  # the largest difference of any channel (a cream card on white paper)
        distance = functools.reduce(cv2.max, cv2.split(distance))
    return cv2.GaussianBlur(distance, (5, 5), 0)


def _foreground(small: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """What differs from the paper around it (white paper, a table), plus the edges (a photocopied
    card is white inside a thin outline), closed and filled into solid blobs.

    A light grey card on white paper differs from it by only ten grey levels or so, which a clean scan
    shows plainly and a noisy one drowns: the threshold follows the page's own spread of differences."""
    distance = _difference(small)
    threshold = float(np.clip(_NOISE_FACTOR * np.median(distance) + _MIN_BACKGROUND_DISTANCE,
                              _MIN_BACKGROUND_DISTANCE, _BACKGROUND_DISTANCE))
    mask = (distance > threshold).astype(np.uint8) * 255
    return _solid(mask | cv2.dilate(edges, np.ones((3, 3), np.uint8)))


def _lighter(small: np.ndarray) -> np.ndarray:
    """What is lighter than the page's dark half (Otsu's split), filled into solid blobs: a card on
    a patterned cloth or a grained table, whose light stripes differ from the table's median as
    much as the card does and join its blob in `_foreground`, while the card is still the lightest
    thing there."""
    grey = cv2.GaussianBlur(to_grey(small), (5, 5), 0)
    return _solid(cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1])


def _unlike_frame(small: np.ndarray) -> np.ndarray:
    """What differs from the colour of the picture's frame by more than the frame's own spread, its
    print opened away, filled into solid blobs: a light card that fills most of its picture on a
    light bed (a tight scan laid turned on the scanner), where the paper's colour estimated round
    each pixel is the card's own and `_foreground` sees nothing. Opened by 1 % of the picture first,
    so that only a surface differing all over (a card's ground) stays, not the strokes of text.
    Such a card is a fifth of the picture or more: it is looked for on a copy `_PAPER_SIDE` long."""
    tiny = cv2.medianBlur(_paper_copy(small), 3)
    bed = np.full_like(tiny, np.median(_frame(tiny), axis=0).astype(np.uint8))
    distance = cv2.absdiff(tiny, bed)
    if distance.ndim == 3:  # the largest difference of any channel, as in `_difference`
        distance = functools.reduce(cv2.max, cv2.split(distance))
    threshold = float(np.clip(_NOISE_FACTOR * np.percentile(_frame(distance), _FRAME_SPREAD)
                              + _MIN_BACKGROUND_DISTANCE, _MIN_BACKGROUND_DISTANCE, _BACKGROUND_DISTANCE))
    ground = cv2.morphologyEx((distance > threshold).astype(np.uint8) * 255, cv2.MORPH_OPEN, _one_percent(tiny.shape))
    solid = cv2.resize(_solid(ground), (small.shape[1], small.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.threshold(solid, 127, 255, cv2.THRESH_BINARY)[1]


def _one_percent(shape: tuple[int, ...]) -> np.ndarray:
    """A round kernel 1 % of the picture's long side across (3 px at least, odd)."""
    size = max(3, round(max(shape[:2]) * 0.01)) | 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def _solid(mask: np.ndarray) -> np.ndarray:
    """The mask closed over gaps of 1 % of the page, its blobs filled, then opened as much."""
    kernel = _one_percent(mask.shape)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    filled = np.zeros_like(mask)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    # Opening detaches thin things touching a card (a shadow's edge, a ruled line).
    return cv2.morphologyEx(filled, cv2.MORPH_OPEN, kernel)


def _edge_support(quad: np.ndarray, edges: np.ndarray) -> float:
    """The least share of any side's middle that runs along an edge: a card's outline is an edge
    all round, the hull of a block of text or of a photo on a card is not."""
    near = cv2.dilate(edges, np.ones((5, 5), np.uint8)) > 0
    h, w = near.shape
    shares = []
    for i in range(4):
        start, end = quad[i], quad[(i + 1) % 4]
        steps = max(int(np.hypot(*(end - start)) // 2), 2)
        t = np.linspace(0.1, 0.9, steps)[:, None]
        points = np.rint(start + t * (end - start)).astype(int)
        inside = (points[:, 0] >= 0) & (points[:, 0] < w) & (points[:, 1] >= 0) & (points[:, 1] < h)
        points = points[inside]
        shares.append(float(near[points[:, 1], points[:, 0]].mean()) if len(points) else 0.0)
    return min(shares)


def _straight_support(quad: np.ndarray, contour: np.ndarray) -> float:
    """The least share of any side's middle that the blob's own outline follows closely: a card on
    paper of nearly its colour shows no edge, but its blob is a clean quadrilateral, where the blob of
    a block of text or a stamp is ragged."""
    tolerance = 0.01 * cv2.arcLength(quad.reshape(-1, 1, 2), True)
    outline = contour.reshape(-1, 1, 2).astype(np.float32)
    shares = []
    for i in range(4):
        start, end = quad[i], quad[(i + 1) % 4]
        points = start + np.linspace(0.1, 0.9, 24)[:, None] * (end - start)
        near = [abs(cv2.pointPolygonTest(outline, (float(x), float(y)), True)) <= tolerance for x, y in points]
        shares.append(float(np.mean(near)))
    return min(shares)


def _on_frame(quad: np.ndarray, shape: tuple[int, ...]) -> bool:
    """Whether a side lies along the page's edge, both its corners on the same edge of the frame: a
    shadow or the scanner's lid cut by the frame (a card lying on the page shows its four corners;
    one cut off is not all there to read). Corners touching different edges are a slanted card that
    fills the frame (a tight scan turned on a wider bed), not cut by it."""
    height, width = shape[:2]
    margin = _FRAME_MARGIN * max(height, width)
    x, y = quad[:, 0], quad[:, 1]
    edges = (x < margin, x > width - 1 - margin, y < margin, y > height - 1 - margin)
    return any(bool(on[i] and on[(i + 1) % 4]) for on in edges for i in range(4))


def _rough_quad(contour: np.ndarray) -> np.ndarray:
    """Four corners of a blob: the hull simplified to four points, or its minimum-area box."""
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for fraction in (0.01, 0.02, 0.03, 0.05, 0.08):
        approx = cv2.approxPolyDP(hull, fraction * perimeter, True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(np.float32)
    return cv2.boxPoints(cv2.minAreaRect(contour)).astype(np.float32)


def _intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Where two lines (vx, vy, x0, y0) cross."""
    (vx1, vy1, x1, y1), (vx2, vy2, x2, y2) = a, b
    det = vx1 * (-vy2) - vy1 * (-vx2)
    if abs(det) < 1e-6:
        return None
    t = ((x2 - x1) * (-vy2) - (y2 - y1) * (-vx2)) / det
    return np.array([x1 + t * vx1, y1 + t * vy1], np.float32)


def _refine(quad: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Corners where lines fitted to the middle of each side meet: rounded corners and the
    simplification above both pull a rough corner inwards."""
    lines = []
    tolerance = 0.02 * cv2.arcLength(quad.reshape(-1, 1, 2), True)
    for i in range(4):
        start, end = quad[i], quad[(i + 1) % 4]
        direction = end - start
        length = float(np.hypot(*direction))
        if length < 1:
            return quad
        unit = direction / length
        relative = points - start
        along = relative @ unit
        across = np.abs(relative[:, 0] * unit[1] - relative[:, 1] * unit[0])
        near = points[(across < tolerance) & (along > 0.15 * length) & (along < 0.85 * length)]
        if len(near) < 10:
            return quad
        lines.append(cv2.fitLine(near.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel())
    corners = [_intersection(lines[i - 1], lines[i]) for i in range(4)]
    if any(c is None for c in corners):
        return quad
    refined = np.array(corners, np.float32)
    moved = np.abs(refined - quad).max()
    return refined if moved < tolerance * 2 else quad


def _clockwise(quad: np.ndarray) -> np.ndarray:
    """Corners in clockwise order (image y points down), starting anywhere."""
    centre = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])
    return quad[np.argsort(angles)]


def _landscape(quad: np.ndarray) -> np.ndarray:
    """Clockwise corners starting at the top-left of the card lying landscape: of the two long
    sides, the one nearer the page's top is the card's top (the most likely way up; content
    decides later whether to turn it over)."""
    quad = _clockwise(quad)
    lengths = [float(np.hypot(*(quad[(i + 1) % 4] - quad[i]))) for i in range(4)]
    start = 0 if lengths[0] + lengths[2] >= lengths[1] + lengths[3] else 1
    options = [np.roll(quad, -s, axis=0) for s in (start, start + 2)]
    return min(options, key=lambda q: float(q[0, 1] + q[1, 1]))


def _sides(quad: np.ndarray) -> tuple[float, float]:
    """Mean lengths of the long and of the short pair of opposite sides."""
    sides = [float(np.hypot(*(quad[(i + 1) % 4] - quad[i]))) for i in range(4)]
    short, long = sorted(((sides[0] + sides[2]) / 2, (sides[1] + sides[3]) / 2))
    return long, short


def _aspect(quad: np.ndarray) -> float:
    long, short = _sides(quad)
    return long / short if short > 0 else 0.0


def find_card_quads(image: np.ndarray, dpi: int, *, quick: bool = False) -> list[np.ndarray]:
    """Card outlines on a page at `dpi`: clockwise corners (landscape top-left first) in page
    pixels, top to bottom; on a scanned sheet, also card-sized blocks of content outside them (see
    `_content_blocks`). Empty when no card-shaped outline stands out (a card scanned alone:
    the portrait on it is card-shaped too, but far too small at that resolution). A faded page
    where none stands out is searched again at full contrast (`full_contrast`).

    `quick` shrinks the page by halving (3 ms instead of 18 for A4 in colour): enough to tell
    whether a page holds a card at all. The corners it gives on a noisy page can lie pixels away
    from the careful ones, so the reader cuts cards out along a careful (area-averaged) search."""
    height, width = image.shape[:2]
    scale = min(1.0, _WORK_SIDE / max(height, width))
    small = image if scale == 1 else shrink(image, (round(width * scale), round(height * scale))) if quick \
        else cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    quads = _quads(small, dpi * scale, (width, height), dpi)
    if not quads and (stretched := full_contrast(small)) is not small:
        quads = _quads(stretched, dpi * scale, (width, height), dpi)
    if not quads and not card_shaped(width, height):
        # The last resort: a card over most of a picture of another shape, its bed as light as it. A
        # picture of a card's shape is read whole, levelled: a shaded one gave this search a side
        # through the card where its shade met the bed's colour.
        quads = _outlined(_unlike_frame(small), _edges(small), dpi * scale, dpi)
    return sorted((_landscape(quad / scale) for quad in quads),
                  key=lambda q: (float(q[:, 1].min()), float(q[:, 0].min())))


def _quads(small: np.ndarray, small_dpi: float, page_size: tuple[int, int], dpi: int) -> list[np.ndarray]:
    """`find_card_quads` on the page's working copy `small` (at `small_dpi`), in its pixels."""
    edges = _edges(small)
    mask = _foreground(small, edges)
    quads = _outlined(mask, edges, small_dpi, dpi)
    if not quads:
        # Things lying against a card (a patterned table's light stripes, a finger) join its blob and
        # pull its corners out of true: peeled off by an opening wider than they are, narrower than a card.
        size = round(max(small.shape[:2]) * _PEEL) | 1
        quads = _outlined(cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(
            cv2.MORPH_ELLIPSE, (size, size))), edges, small_dpi, dpi)
    if not quads:
        quads = _outlined(_lighter(small), edges, small_dpi, dpi)
    if (dpi >= _TRUSTED_DPI or a4_sheet(*page_size, dpi)) and not card_shaped(*page_size):
        # A sheet can hold a card whose outline shows beside one whose outline does not.
        grey = to_grey(small)
        # A soft stain or shadow touching a card joins its colour blob: its print's edges alone still
        # make a block of the card's size.
        for blocks in (_content_blocks(mask, edges, grey, small_dpi),
                       _content_blocks(np.zeros_like(mask), edges, grey, small_dpi)):
            quads += [block for block in blocks if not any(_inside(block.mean(axis=0), quad) for quad in quads)]
    return quads


def _outlined(mask: np.ndarray, edges: np.ndarray, small_dpi: float, dpi: int) -> list[np.ndarray]:
    """The blobs of `mask` whose outline is a card's: filled, card-shaped, card-sized, along edges
    (or straight) all round, and off the page's frame unless a scan shows their edges all round."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    page_area = mask.shape[0] * mask.shape[1]
    quads = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < _MIN_CARD_AREA * page_area:
            continue
        rough = _rough_quad(contour)
        quad = _refine(_clockwise(rough), contour.reshape(-1, 2).astype(np.float32))
        quad_area = cv2.contourArea(quad)
        if quad_area <= 0 or quad_area > _WHOLE_PAGE * page_area or area / quad_area < _MIN_FILL:
            continue
        if not _ASPECT_RANGE[0] <= _aspect(quad) <= _ASPECT_RANGE[1]:
            continue
        support = _edge_support(quad, edges)
        if support < _MIN_EDGE_SUPPORT and _straight_support(quad, contour) < _MIN_STRAIGHT:
            continue
        # A side along the frame is a lid's shadow or a sheet cut by it, which shows no edge there;
        # a scanned card filling the frame, its side on it, shows its own outline all round (its
        # size is checked next, the scan's dpi being real).
        if _on_frame(quad, mask.shape) and (dpi < _TRUSTED_DPI or support < _MIN_EDGE_SUPPORT):
            continue
        long_mm = _sides(quad)[0] / small_dpi * 25.4
        if (long_mm < _MIN_CARD_MM or (dpi >= _TRUSTED_DPI and long_mm > _MAX_CARD_MM)) \
                and not _fills_the_picture(quad, page_area):
            continue
        quads.append(quad)
    return quads


def _fills_the_picture(quad: np.ndarray, page_area: float) -> bool:
    """Whether an outline of a card's own proportions takes up much of the picture: a card whatever
    size the picture's dpi makes it. A file that states no dpi (a phone app's PNG) gets one guessed
    from its size, which is wrong when a card lies turned on the scanner's bed: its picture is no
    card's shape, it is taken for an A4 page and its card measures 22 cm. An A4 sheet's paper (1.41)
    is no card's shape; a card copied enlarged is a card all the same."""
    return abs(_aspect(quad) / ID1_ASPECT - 1) <= _OWN_SHAPE and cv2.contourArea(quad) >= _FILLS * page_area


def _inside(point: np.ndarray, quad: np.ndarray) -> bool:
    return cv2.pointPolygonTest(quad.astype(np.float32), (float(point[0]), float(point[1])), False) >= 0


def _content_blocks(mask: np.ndarray, edges: np.ndarray, grey: np.ndarray, dpi: float) -> list[np.ndarray]:
    """Card-sized blocks of content on a page where no outline stood out, each as the card it lies on:
    a faint card whose content is all that shows. Only a candidate: the reader keeps it as a card if
    its QR, MRZ or labels say so. A page of prose merges into blocks far wider than a card, a
    paragraph is not this shape. See `_card_round` for where the card's sides are put."""
    px_per_mm = dpi / 25.4
    size = max(3, round(_BLOCK_MERGE_MM * px_per_mm)) | 1
    merged = cv2.morphologyEx(_without_specks(mask | cv2.dilate(edges, np.ones((3, 3), np.uint8)), px_per_mm),
                              cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    contours, _ = cv2.findContours(merged, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    blocks = []
    for contour in contours:
        _, (a, b), _ = cv2.minAreaRect(contour)
        long, short = max(a, b) / px_per_mm, min(a, b) / px_per_mm
        if (_BLOCK_LONG_MM[0] <= long <= _BLOCK_LONG_MM[1] and _BLOCK_SHORT_MM[0] <= short <= _BLOCK_SHORT_MM[1]
                and _BLOCK_ASPECT[0] <= long / short <= _BLOCK_ASPECT[1]
                and cv2.contourArea(contour) >= _BLOCK_MIN_FILL * a * b):
            blocks.append(_card_round(contour, *_faint_edges(grey, contour, px_per_mm), px_per_mm))
    return blocks


def _without_specks(marks: np.ndarray, px_per_mm: float) -> np.ndarray:
    """`marks` without the ones smaller than `_SPECK_MM` both ways: dots scattered over a page (dust,
    toner spatter) would otherwise join a card's block to the next dots and make it no card's size."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(marks, connectivity=8)
    largest = _SPECK_MM * px_per_mm
    specks = (stats[:, cv2.CC_STAT_WIDTH] <= largest) & (stats[:, cv2.CC_STAT_HEIGHT] <= largest)
    specks[0] = False  # the background
    return np.where(specks[labels], 0, marks).astype(marks.dtype)


def _faint_edges(grey: np.ndarray, contour: np.ndarray, px_per_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """The faint edges round a block: their points (N × 2) and their straight segments (M × 4: x1, y1,
    x2, y2), both on the page: text baselines and whatever shows of the card's own sides."""
    x, y, w, h = cv2.boundingRect(contour)
    margin = round(_LINE_WINDOW_MM * px_per_mm)
    top, left = max(0, y - margin), max(0, x - margin)
    window = cv2.GaussianBlur(grey[top:y + h + margin, left:x + w + margin], (5, 5), 0)
    edges = cv2.Canny(window, *_FAINT_CANNY)
    found = cv2.HoughLinesP(edges, 1, np.pi / 720, threshold=round(_LINE_MIN_MM / 2 * px_per_mm),
                            minLineLength=round(_LINE_MIN_MM * px_per_mm),
                            maxLineGap=round(_LINE_GAP_MM * px_per_mm))
    rows, columns = np.nonzero(edges)
    points = np.column_stack([columns + left, rows + top]).astype(np.float64)
    segments = np.zeros((0, 4)) if found is None else found.reshape(-1, 4).astype(np.float64) + (left, top, left, top)
    return points, segments


def _card_round(contour: np.ndarray, points: np.ndarray, segments: np.ndarray, px_per_mm: float) -> np.ndarray:
    """The card a block of content lies on, as four corners.

    It is turned the way the straight lines round the block run (the block's ragged hull of photo,
    short and long text lines gives its smallest box at another angle). Its sides are two segments
    a card's width (or height) apart with clean paper beyond both (`_side_pair`), where the card's
    faint edges show; or one such side and the other a card's size away (`_one_side`); else the
    block's extent grown by a margin, at least ID-1."""
    x1, y1, x2, y2 = segments.T
    angles = np.degrees(np.arctan2(y2 - y1, x2 - x1))
    if len(segments) < _LINE_MIN_COUNT:
        centre, (a, b), angle = cv2.minAreaRect(contour)
        return _box(centre, (a, b), angle, px_per_mm)
    lengths = np.hypot(x2 - x1, y2 - y1)
    folded = (angles + 45) % 90 - 45
    order = np.argsort(folded)
    angle = float(folded[order][min(np.searchsorted(np.cumsum(lengths[order]), lengths.sum() / 2), len(order) - 1)])
    theta = np.radians(angle)
    along, across = np.array([np.cos(theta), np.sin(theta)]), np.array([-np.sin(theta), np.cos(theta)])
    hull = contour.reshape(-1, 2).astype(np.float64)
    extents = [(float((hull @ axis).min()), float((hull @ axis).max())) for axis in (along, across)]
    long_axis = 0 if extents[0][1] - extents[0][0] >= extents[1][1] - extents[1][0] else 1
    middles = (segments[:, :2] + segments[:, 2:]) / 2
    turn = np.abs(((angles - angle) + 90) % 180 - 90)  # 0: runs along, 90: runs across
    sides = []
    for axis, (low, high) in enumerate(extents):
        expected = ID1_MM[0 if axis == long_axis else 1] * px_per_mm
        # Segments that run along the other axis mark a side on this one.
        marks = (turn < _SIDE_TILT) if axis == 1 else (turn > 90 - _SIDE_TILT)
        other_low, other_high = extents[1 - axis]
        other = points @ (along, across)[1 - axis]
        facing = points[(other >= other_low) & (other <= other_high)] @ (along, across)[axis]
        positions = middles[marks] @ (along, across)[axis]
        clean = _clean_beyond(facing, (other_high - other_low) * _BEYOND_DENSITY, px_per_mm)
        pair = _side_pair(positions, lengths[marks], expected, clean) \
            or _one_side(positions, lengths[marks], expected, ID1_MM[1 if axis == long_axis else 0] * px_per_mm,
                         clean, (low, high), px_per_mm)
        if pair is None:
            middle, size = (low + high) / 2, max(high - low + 2 * _BLOCK_MARGIN_MM * px_per_mm, expected)
            pair = (middle - size / 2, middle + size / 2)
        sides.append(pair)
    (u0, u1), (v0, v1) = sides
    return np.array([along * u + across * v for u, v in ((u0, v0), (u1, v0), (u1, v1), (u0, v1))],
                    np.float32)


def _clean_beyond(edges: np.ndarray, allowed_per_px: float,
                  px_per_mm: float) -> Callable[[float, int], bool]:
    """Whether the strip of paper beyond a side at a position (outward -1: below it, +1: above it)
    is clean: at most `allowed_per_px` of the `edges` (positions of the edge points facing the
    sides) per pixel of the strip's width. A card's side has bare paper beyond it; a text line,
    more text."""
    ordered = np.sort(edges)
    near, far = _BEYOND_MM[0] * px_per_mm, _BEYOND_MM[1] * px_per_mm
    allowed = allowed_per_px * (far - near)

    def clean(position: float, outward: int) -> bool:
        low, high = sorted((position + outward * near, position + outward * far))
        return int(np.searchsorted(ordered, high) - np.searchsorted(ordered, low)) <= allowed

    return clean


def _side_pair(positions: np.ndarray, lengths: np.ndarray, expected: float,
               clean: Callable[[float, int], bool]) -> tuple[float, float] | None:
    """Of the segments at `positions`, the longest pair `expected` apart (± 5 %) with clean paper
    beyond each. None when the card's sides do not show."""
    best, best_length = None, 0.0
    for i, j in zip(*np.nonzero(positions[None, :] - positions[:, None] > 0)):
        low, high = positions[i], positions[j]
        length = min(lengths[i], lengths[j])
        if abs(high - low - expected) > _SIDE_TOLERANCE * expected or length <= best_length:
            continue
        if clean(low, -1) and clean(high, 1):
            best, best_length = (float(low), float(high)), float(length)
    return best


def _one_side(positions: np.ndarray, lengths: np.ndarray, expected: float, along: float,
              clean: Callable[[float, int], bool], block: tuple[float, float],
              px_per_mm: float) -> tuple[float, float] | None:
    """When only one of the two sides shows (the other lost in paper of the card's colour, dev
    set cccd_0006): a straight edge running much of the card's `along` length just beyond the block
    of content, with clean paper beyond it, and the other side a card's size away, so long as the
    card so placed holds the whole block. Centring the card on its content instead misplaces it by
    millimetres (the QR code sits nearer one edge than the emblem the other), enough to cut the code
    off. A photo's or a short text line's edge runs a far smaller share of the card's side."""
    low, high = block
    inside, outside = _SIDE_INSIDE_MM * px_per_mm, _SIDE_OUTSIDE_MM * px_per_mm
    best, best_support = None, _LONE_SIDE_SUPPORT * along
    for position in positions:
        support = float(lengths[np.abs(positions - position) <= _SIDE_WIDTH_MM * px_per_mm].sum())
        if support <= best_support:
            continue
        if high - inside <= position <= high + outside and position - expected <= low + inside \
                and clean(position, 1):
            best, best_support = (float(position - expected), float(position)), support
        elif low - outside <= position <= low + inside and position + expected >= high - inside \
                and clean(position, -1):
            best, best_support = (float(position), float(position + expected)), support
    return best


def _box(centre: tuple[float, float], size: tuple[float, float], angle: float, px_per_mm: float) -> np.ndarray:
    """A block's smallest box grown by the margin to at least ID-1 size, as four corners."""
    a, b = size
    long, short = max(a, b) / px_per_mm, min(a, b) / px_per_mm
    grow = 2 * _BLOCK_MARGIN_MM
    card = (max(long + grow, ID1_MM[0]) * px_per_mm, max(short + grow, ID1_MM[1]) * px_per_mm)
    return cv2.boxPoints((centre, card if a >= b else card[::-1], angle)).astype(np.float32)


# ---------------------------------------------------------------------------------------------------
# Rectifying and turning upright


def _card_size(width: int) -> tuple[int, int]:
    return width, round(width / ID1_ASPECT)


def text_skew(image: np.ndarray, most: float = _MAX_CARD_SKEW) -> float:
    """The angle (degrees, counter-clockwise) that levels the text of a card taken whole: a card
    scanned alone a little crooked, or in slight perspective, whose outline is not found. Its rows of
    print (black-hat: text, not the portrait or the scanner's dark border) stand out sharpest in the
    row profile when level. Turned by at most `most` degrees either way."""
    grey = to_grey(image)
    scale = _SKEW_WIDTH / grey.shape[1]
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    size = max(3, round(_SKEW_WIDTH / ID1_MM[0] * _SKEW_STROKE_MM)) | 1
    text = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    ink = cv2.threshold(text, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    coarse = level_angle(ink, np.arange(-most, most + 0.01, 0.5))
    return level_angle(ink, np.arange(coarse - 0.5, coarse + 0.51, 0.1))


def _levelled(page: np.ndarray, most: float = _MAX_CARD_SKEW) -> np.ndarray:
    """A card taken whole turned so that its text is level: the MRZ band finder, Tesseract's line
    finding and the column rules all expect level lines (dev set cards turned 1.5° more lost their
    MRZ and names; the set's own scans lie up to 2° off). The corners turned in are filled with the
    colour of the page's edge, not smeared from it (smears read as lines). Text within
    _LEVEL_ENOUGH degrees is left as it is; text turned more than `most` degrees is not levelled."""
    angle = text_skew(page, most)
    if abs(angle) < _LEVEL_ENOUGH:
        return page
    h, w = page.shape[:2]
    edge = np.concatenate([page[0], page[-1], page[:, 0], page[:, -1]])
    colour = tuple(float(v) for v in np.atleast_1d(np.median(edge, axis=0)))
    return cv2.warpAffine(page, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h),
                          flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=colour)


def rectify(image: np.ndarray, quad: np.ndarray, width: int) -> np.ndarray:
    """The card inside `quad` (landscape corners from find_card_quads) cut out flat, `width` px wide."""
    w, h = _card_size(width)
    target = np.array([(0, 0), (w - 1, 0), (w - 1, h - 1), (0, h - 1)], np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_REPLICATE)


def _osd_upside_down(card: np.ndarray) -> bool | None:
    """Tesseract's orientation detection: True when the card is upside down, None if unsure."""
    found = detect_orientation(to_grey(card), min_characters=10)
    if found is None or found.confidence < _OSD_MIN_CONFIDENCE:
        return None
    return {0: False, 180: True}.get(found.rotate)


def _reading_weight(grey: np.ndarray, dpi: int) -> float:
    """The summed confidence of the words of three letters or digits or more read on `grey`."""
    words = read_words(grey, dpi=dpi, language="vie", psm=3, timeout=_TURN_TIMEOUT)
    return sum(word.conf for word in words if sum(c.isalnum() for c in word.text) >= 3)


def _reads_upside_down(card: np.ndarray) -> bool | None:
    """Whether the card's text reads far better turned over, None if neither way clearly does.

    OSD judges from a few characters' shapes and gives up on a soft scan (dev set cccd_0006, a
    200 dpi copy); reading the card both ways at half size does not: upside-down text reads as
    scattered, low-confidence fragments, upright text as words Tesseract is sure of. Run only when
    QR, MRZ and OSD all said nothing (a third of a second)."""
    grey = to_grey(card)
    half = cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    dpi = round(card.shape[1] / (ID1_MM[0] / 25.4) / 2)
    try:
        upright = _reading_weight(half, dpi)
        turned = _reading_weight(cv2.rotate(half, cv2.ROTATE_180), dpi)
    except OcrTimeout:
        return None
    if max(upright, turned) < _TURN_MIN_WEIGHT or max(upright, turned) < _TURN_LEAD * min(upright, turned):
        return None
    return turned > upright


def _turn_over(qr: QrCode | None, size: tuple[int, int]) -> QrCode | None:
    if qr is None:
        return None
    w, h = size
    return QrCode(qr.text, np.array([(w - 1 - x, h - 1 - y) for x, y in qr.corners], np.float32))


def _upright(card: np.ndarray) -> tuple[bool, str, QrCode | None]:
    """Whether to turn the landscape card over, what decided it, and its QR code if any."""
    h, w = card.shape[:2]
    qr = read_qr(card)
    if qr is not None:
        return qr.centre[1] > h / 2, "qr", qr
    band = find_mrz_band(card)
    if band is not None:
        return band.upside_down, "mrz", None
    qr = read_blurred_qr(card, w / ID1_MM[0])
    if qr is not None:
        return qr.centre[1] > h / 2, "qr", qr
    flip = _osd_upside_down(card)
    if flip is not None:
        return flip, "osd", None
    flip = _reads_upside_down(card)
    return bool(flip), "text" if flip is not None else "none", None


def _make_card(page: np.ndarray, quad: np.ndarray, width: int, outline_found: bool) -> LocatedCard:
    card = rectify(page, quad, width)
    flip, decided_by, qr = _upright(card)
    dpi = round(width / (ID1_MM[0] / 25.4))
    located = LocatedCard(np.ascontiguousarray(card), dpi, quad.astype(np.float32), outline_found,
                          decided_by, qr)
    return _turned_over(located) if flip else located


def _turned_over(card: LocatedCard) -> LocatedCard:
    """The card turned by 180°: its image, its corners on the page and its code's."""
    image = np.ascontiguousarray(cv2.rotate(card.image, cv2.ROTATE_180))
    return replace(card, image=image, quad=np.roll(card.quad, 2, axis=0),
                   qr=_turn_over(card.qr, (image.shape[1], image.shape[0])))


def _with_the_pages_code(cards: list[LocatedCard], page: np.ndarray) -> list[LocatedCard]:
    """Cards, the one whose cut-out shows no QR code given the code the whole page shows on it.

    A faint card's sides are placed from its content and the straight lines round it; slanted, one
    can fall millimetres inside the card and cut its code off, while the page still shows the code
    whole. A card's code (its payload names an ID number) whose centre lies on exactly one such card,
    grown by half round its middle, is that card's: its corners are mapped into the card's
    pixels, and the card is turned over when the code says so and the QR or MRZ had not decided."""
    if all(card.qr is not None for card in cards):
        return cards
    code = read_qr(page)
    if code is None or "id_number" not in parse_qr_payload(code.text).fields \
            or any(card.qr is not None and card.qr.text == code.text for card in cards):
        return cards
    centre = np.float32(code.centre)
    under = [index for index, card in enumerate(cards) if card.qr is None and _inside(
        centre, (card.quad - card.quad.mean(axis=0)) * _CODE_REACH + card.quad.mean(axis=0))]
    if len(under) != 1:
        return cards
    card = cards[under[0]]
    h, w = card.image.shape[:2]
    to_card = cv2.getPerspectiveTransform(card.quad.astype(np.float32), np.float32(
        [(0, 0), (w - 1, 0), (w - 1, h - 1), (0, h - 1)]))
    corners = cv2.perspectiveTransform(code.corners.reshape(-1, 1, 2).astype(np.float32), to_card).reshape(4, 2)
    located = replace(card, qr=QrCode(code.text, corners))
    if located.upright_by not in ("qr", "mrz") and located.qr.centre[1] > h / 2:
        located = replace(_turned_over(located), upright_by="qr")
    return [located if index == under[0] else other for index, other in enumerate(cards)]


def _whole(width: int, height: int) -> np.ndarray:
    """The corners of a whole image, clockwise from its top-left."""
    return np.array([(0, 0), (width - 1, 0), (width - 1, height - 1), (0, height - 1)], np.float32)


def locate_cards(pixels: np.ndarray, dpi: int, *, width: int = CARD_WIDTH) -> list[LocatedCard]:
    """Every card on the page, rectified to `width` pixels and upright; the whole page as one card
    when no outline is found. A card-shaped page (a card scanned alone) is rectified like a card;
    any other page is kept as it is, brought down to 300 dpi at most."""
    height, page_width = pixels.shape[:2]
    quads = find_card_quads(pixels, dpi)
    if quads:
        return _with_the_pages_code([_make_card(pixels, quad, width, True) for quad in quads], pixels)
    whole = _whole(page_width, height)
    if card_shaped(page_width, height):
        if page_width >= height:
            return [_make_card(_levelled(pixels), whole, width, False)]
        # A card scanned alone lying on its side is laid landscape before its print is levelled:
        # the level is found from rows of print (levelled first, it was tilted by several degrees).
        turned = cv2.rotate(pixels, cv2.ROTATE_90_CLOCKWISE)
        card = _make_card(_levelled(turned), _whole(height, page_width), width, False)
        return [replace(card, quad=np.stack([card.quad[:, 1], height - 1 - card.quad[:, 0]], axis=1))]
    scale = min(1.0, _PAGE_DPI / max(dpi, 1))
    page = pixels if scale == 1.0 else cv2.resize(pixels, None, fx=scale, fy=scale,
                                                  interpolation=cv2.INTER_AREA)
    # Levelled too: a card scanned with a margin, or a sheet, lying a few degrees off (a card
    # turned 4° on a dark lid, read unlevelled, lost its address to lines Tesseract ran across).
    page = _levelled(page, _MAX_PAGE_SKEW)
    return [LocatedCard(page, round(dpi * scale), whole, False, "none", read_qr(page))]
