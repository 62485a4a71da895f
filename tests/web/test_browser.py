"""A real browser (Debian's chromium driven by Playwright) over the real service on this machine:
an officer logs in, searches without diacritics, opens the PDF and reuses the card in a new dossier;
a reviewer corrects a field; a scanner uploads a scan; the administrator finds all of it in the log.

Never downloads a browser: Playwright drives /usr/bin/chromium from the `system` Makefile target.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.helpers import write_page
from tests.web.conftest import Site
from tests.web.fixtures import COVERED, CT07, DOSSIER, PASSWORD, VALID

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
NEW_DOSSIER = "000.00.12.H12-261123-0077"


@pytest.fixture(scope="module")
def server(site: Site) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread of this process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield f"http://localhost:{port}"
    running.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def signed_in(browser: Browser, server: str, username: str, viewport: tuple[int, int] = (1280, 720)) -> Page:
    """A fresh browser profile (a desktop screen, or a phone's) that logs in through the form, as a
    person would."""
    context: BrowserContext = browser.new_context(base_url=server, locale="vi-VN",
                                                  viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/")
    expect(page).to_have_url(f"{server}/login?next=/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    return page


@pytest.fixture(scope="module")
def officer(browser: Browser, server: str) -> Page:
    page = signed_in(browser, server, "can-bo")
    expect(page).to_have_url(f"{server}/search")
    return page


def test_an_officer_finds_a_citizen_typed_without_diacritics(officer: Page) -> None:
    officer.get_by_label("Tìm kiếm").fill("nguyen thanh giang")
    officer.keyboard.press("Enter")
    first = officer.locator("article.hit").first
    expect(first).to_contain_text(VALID.full_name)
    assert "/search?s=" in officer.url and "nguyen" not in officer.url.lower()  # sealed, not typed out
    expect(officer.get_by_label("Tìm kiếm")).to_have_value("nguyen thanh giang")
    expect(first).to_contain_text("CCCD gắn chip")
    expect(first).to_contain_text("Còn hiệu lực")
    thumbnail = first.locator("img")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("image => image.complete && image.naturalWidth > 0")


def test_the_officer_opens_the_searchable_pdf(officer: Page) -> None:
    first = officer.locator("article.hit").first
    with officer.context.expect_event("response", lambda r: r.url.endswith("/pdf")) as pdf, \
            officer.context.expect_page() as opened:
        first.get_by_role("link", name="Mở PDF").click()
    response, viewer = pdf.value, opened.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")  # shown, not saved
    expect(viewer).to_have_url(response.url)  # chromium's PDF viewer has it open
    again = viewer.context.request.get(response.url)  # the same bytes, with the officer's cookies
    assert again.body().startswith(b"%PDF")
    viewer.close()


def test_the_officer_reuses_the_card_in_a_new_dossier(officer: Page, site: Site) -> None:
    officer.locator("article.hit").first.get_by_role("link", name="Chi tiết / tái sử dụng").click()
    expect(officer.locator("h1")).to_contain_text("CCCD gắn chip")
    officer.get_by_label("Mã hồ sơ").fill(NEW_DOSSIER)
    officer.get_by_label("Tên thành phần").fill("Bản sao CCCD")
    officer.get_by_role("button", name="Đính kèm vào hồ sơ").click()
    expect(officer.locator("h1")).to_have_text(f"Hồ sơ {NEW_DOSSIER}")
    row = officer.locator(f'tr[data-document="{site.ingested.document_id(VALID.file)}"]')
    expect(row).to_contain_text("Tái sử dụng")
    expect(row).to_contain_text("Bản sao CCCD")


def test_an_expired_paper_needs_a_reason_in_the_browser_too(officer: Page, site: Site) -> None:
    officer.get_by_role("link", name="Tìm giấy tờ đã số hóa để tái sử dụng").click()
    officer.get_by_text("Lọc thêm").click()
    officer.get_by_label("Loại giấy tờ").select_option(label="Xác nhận thông tin cư trú (CT07)")
    officer.get_by_role("button", name="Tìm").click()
    hit = officer.locator("article.hit").first
    expect(hit).to_contain_text("Hết hiệu lực")
    hit.get_by_role("link", name="Chi tiết / tái sử dụng").click()
    expect(officer.get_by_label("Mã hồ sơ")).to_have_value(NEW_DOSSIER)  # carried from the dossier page
    officer.get_by_role("button", name="Đính kèm vào hồ sơ").click()
    expect(officer.get_by_role("alert")).to_contain_text("hãy ghi rõ lý do")
    officer.get_by_label("Lý do vẫn sử dụng").fill("Đã đối chiếu bản chính còn hiệu lực tại quầy")
    officer.get_by_role("button", name="Đính kèm vào hồ sơ").click()
    row = officer.locator(f'tr[data-document="{site.ingested.document_id(CT07)}"]')
    expect(row).to_contain_text("Đã đối chiếu bản chính")


def test_a_reviewer_corrects_a_field_and_confirms_the_record(browser: Browser, server: str, site: Site) -> None:
    page = signed_in(browser, server, "duyet")
    expect(page).to_have_url(f"{server}/review")
    covered = site.ingested.document_id(COVERED.file)
    page.locator(f'tr[data-document="{covered}"]').get_by_role("link", name="Duyệt").click()
    # The card the reader cut out of the A4 copy, upright, both sides one above the other: not the page.
    image = page.get_by_alt_text("Thẻ cắt ra từ ảnh quét, đã xoay thẳng")
    expect(image).to_be_visible()
    width, height = image.evaluate("image => [image.complete && image.naturalWidth, image.naturalHeight]")
    assert width and abs(width / height - 85.6 / (2 * 54)) < 0.1
    expect(page.get_by_role("link", name="Xem cả trang quét")).to_be_visible()
    shown = image.bounding_box()["width"]
    page.get_by_role("button", name="Phóng to ảnh").click()
    page.get_by_role("button", name="Phóng to ảnh").click()
    expect(page.locator("[data-zoom-level]")).to_have_text("200%")
    assert image.bounding_box()["width"] > 1.9 * shown  # small print read larger, the page scrolls inside
    page.get_by_role("button", name="Thu nhỏ ảnh").click()
    expect(page.locator("[data-zoom-level]")).to_have_text("150%")
    # The keyboard alone: Enter moves to the next field (nothing is sent), Ctrl+Enter confirms.
    page.get_by_label("Họ và tên").fill(COVERED.full_name)
    page.get_by_label("Họ và tên").press("Enter")
    expect(page.get_by_label("Ngày sinh")).to_be_focused()
    expect(page).to_have_url(f"{server}/review/{covered}")
    page.keyboard.press("Control+Enter")
    expect(page).not_to_have_url(f"{server}/review/{covered}")  # on to the next paper, or the queue
    page.goto("/review")
    expect(page.locator(f'tr[data-document="{covered}"]')).to_have_count(0)
    page.goto(f"/documents/{covered}")
    expect(page.locator("dl")).to_contain_text(COVERED.full_name)
    expect(page.locator("dl")).to_contain_text("đã sửa bởi duyet")


def test_a_scanner_uploads_a_scan_and_sees_it_waiting(browser: Browser, server: str, tmp_path: Path) -> None:
    write_page(tmp_path / "to_khai.png", 31, title="TỜ KHAI ĐĂNG KÝ KHAI SINH")
    page = signed_in(browser, server, "so-hoa")
    expect(page).to_have_url(f"{server}/upload")
    page.locator("input[data-files]").set_input_files(str(tmp_path / "to_khai.png"))
    page.get_by_placeholder("Tờ khai, Bản sao CCCD…").fill("Tờ khai")
    # A slow office line (DevTools' own throttling): the scanner sees how much has been sent.
    size = (tmp_path / "to_khai.png").stat().st_size
    page.context.new_cdp_session(page).send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": size / 4})
    page.get_by_role("button", name="Tải lên").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Đang tải lên… [1-9]\d?%"))
    assert 0 < page.locator("[data-upload-progress]").evaluate("bar => bar.value") < 100
    expect(page.get_by_role("button", name="Tải lên")).to_be_disabled()  # no second batch by a double click
    expect(page.locator("h1")).to_contain_text("Lô tai-len-", timeout=30_000)
    expect(page.locator("section")).to_contain_text("1 tệp")


def test_the_administrator_sees_all_of_it_in_the_audit_log(browser: Browser, server: str, site: Site) -> None:
    page = signed_in(browser, server, "quan-tri")
    page.goto("/audit?username=can-bo")
    log = page.locator("table.audit")
    for action in ("Đăng nhập", "Tìm kiếm", "Xem", "Tái sử dụng", "Mở hồ sơ"):
        expect(log.locator("td", has_text=action).first).to_be_visible()
    expect(log).to_contain_text(NEW_DOSSIER)
    expect(log).to_contain_text("127.0.0.1")
    page.goto("/audit?username=duyet")
    for action in ("Sửa trường", "Xác nhận duyệt"):
        expect(page.locator("table.audit td", has_text=action).first).to_be_visible()
    page.get_by_label("Thao tác").select_option(label="Tải lên")
    page.get_by_label("Tài khoản").fill("so-hoa")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("table.audit tbody tr")).to_have_count(1)


PHONE = (390, 844)


@pytest.mark.parametrize(("username", "pages"), [
    ("quan-tri", ["/audit", "/accounts", "/search", "/dossiers", "/review"]),
    ("can-bo", ["/search", "/dossiers"]),
])
def test_on_a_phone_no_page_scrolls_sideways_and_the_menu_marks_where_one_is(
        browser: Browser, server: str, username: str, pages: list[str]) -> None:
    page = signed_in(browser, server, username, PHONE)
    for path in pages:
        assert page.goto(path).status == 200, path
        wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{path} is {wide}px wider than the phone"
        expect(page.locator('nav a[aria-current="page"]')).to_have_attribute("href", path)
    page.context.close()


# WCAG 2.1 AA, as axe-core's color-contrast and label rules check them: every visible text against the
# background it is drawn on (4.5:1, 3:1 for large text), every form control named by a label.
_CONTRAST_AND_LABELS = """() => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const rgba = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const [r, g, b, a = 1] = rgba(getComputedStyle(e).backgroundColor);
      if (a > 0.5) return [r, g, b];
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const element of document.querySelectorAll("body *")) {
    const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(element);
    if (!own || !element.getClientRects().length || style.visibility === "hidden") continue;
    const fg = luminance(rgba(style.color)), bg = luminance(background(element));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) failures.push(`${element.tagName}.${element.className} "${element.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  for (const control of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!control.labels.length && !control.getAttribute("aria-label")) failures.push(`unlabelled ${control.name}`);
  }
  return failures;
}"""


@pytest.mark.parametrize(("username", "pages"), [
    ("quan-tri", ["/audit", "/accounts", "/review", "/dossiers"]),
    ("can-bo", ["/search", "/search?q=phan", "/dossiers"]),
    ("so-hoa", ["/upload"]),
])
def test_every_text_is_readable_and_every_field_has_a_label(browser: Browser, server: str, username: str,
                                                           pages: list[str]) -> None:
    page = signed_in(browser, server, username)
    for path in pages:
        assert page.goto(path).status == 200, path
        assert page.evaluate(_CONTRAST_AND_LABELS) == [], path
    page.context.close()


# Words a Vietnamese page should never show (English UI text, framework messages) and raw codes
# (snake_case, key=value). Data on the page (names, file names, OCR'd text, snippets) is left out.
_ENGLISH = frozenset("""the and or not found error field required invalid should must input value string none null
true false detail internal server please failed unknown missing forbidden method allowed page file files upload
search review status reason date name number valid expired submit cancel login logout password username
needs_review quarantined duplicate officer reviewer scanner admin yes least most characters too long short
back home next previous results result loading waiting processing done""".split())
_ALLOWED = frozenset({"qr", "mrz", "pdf", "png", "jpeg", "tiff", "zip", "cccd", "cmnd", "api", "id", "ct07",
                      "sohoa", "dpi"})
_VISIBLE_WORDS = """() => {
  const skip = "pre, .snippet, .who, .meta, code, [data-file] td:first-child, .refused td:first-child";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const words = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip) || !parent.getClientRects().length) continue;
    if (getComputedStyle(parent).visibility === "hidden" || parent.closest("details:not([open]) > :not(summary)")) continue;
    words.push(...node.textContent.split(/\\s+/).filter(Boolean));
  }
  return words;
}"""


def _foreign(page: Page) -> list[str]:
    found = []
    for token in page.evaluate(_VISIBLE_WORDS):
        if re.search(r"\.(png|jpe?g|tiff?|pdf|zip|yaml)\W*$", token.lower()):
            continue  # a file's name is the user's data
        words = re.split(r"[^\w]+", token.lower())
        if re.search(r"\w+=\S*", token) or any(
                word not in _ALLOWED and (word in _ENGLISH or re.fullmatch(r"[a-z]+_[a-z0-9_]+", word))
                for word in words):
            found.append(token)
    return found


def test_no_page_of_any_role_shows_english_or_raw_codes(browser: Browser, server: str, site: Site) -> None:
    walks = {
        "can-bo": ["/search", "/dossiers", f"/dossiers/{DOSSIER}", f"/documents/{site.ingested.document_id(VALID.file)}",
                   "/khong-co-trang-nay"],  # (the API's JSON, /api/…, is for programs and is not walked)
        "duyet": ["/review"],
        "so-hoa": ["/upload"],
        "quan-tri": ["/audit", "/accounts"],
    }
    probe = browser.new_page()  # the checker itself sees what the issue found
    probe.set_content('<main><p>files: Field required</p><td>direction=input override_reason=None</td>'
                      '<span>needs_review</span><p class="meta">scan_01.png</p></main>')
    assert _foreign(probe) == ["files:", "Field", "required", "direction=input", "override_reason=None",
                               "needs_review"]
    probe.close()
    for username, paths in walks.items():
        page = signed_in(browser, server, username)
        for path in paths:
            page.goto(path)
            assert _foreign(page) == [], path
        if username == "can-bo":  # a search with results, and one without
            page.goto("/search")
            for query in ("phan", "khongcoaitenthe"):
                page.get_by_label("Tìm kiếm").fill(query)
                page.get_by_role("button", name="Tìm", exact=True).click()
                assert _foreign(page) == [], query
        if username == "duyet" and page.goto("/review") and page.get_by_role("link", name="Duyệt").count():
            page.get_by_role("link", name="Duyệt").first.click()
            assert _foreign(page) == [], page.url
        if username == "so-hoa":
            page.goto("/upload")
            page.locator("input[data-files]").set_input_files(
                files=[{"name": "rong.png", "mimeType": "image/png", "buffer": b""}])
            page.get_by_role("button", name="Tải lên").click()
            expect(page.get_by_role("alert")).to_contain_text("Chưa nhận lô")
            assert _foreign(page) == [], "refused upload"
        page.context.close()


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_main_pages_render_for_the_readme(browser: Browser, server: str, site: Site, tmp_path: Path) -> None:
    """The README's screenshots come from here: `SOHOA_SCREENSHOTS=1 pytest tests/web/test_browser.py -k readme`
    writes them into docs/screenshots (otherwise into a temporary folder, so the run stays clean)."""
    folder = SCREENSHOTS if os.environ.get("SOHOA_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    shots = {
        "can-bo": [("tra-cuu", "/search"), ("giay-to", f"/documents/{site.ingested.document_id(VALID.file)}"),
                   ("ho-so", f"/dossiers/{DOSSIER}")],
        "duyet": [("duyet", "/review"), ("duyet-the", f"/review/{site.ingested.document_id(COVERED.file)}")],
        "so-hoa": [("tai-len", "/upload")],
        "quan-tri": [("nhat-ky", "/audit")],
    }
    for username, pages in shots.items():
        page = signed_in(browser, server, username)
        for name, path in pages:
            assert page.goto(path).status == 200, path
            page.screenshot(path=str(folder / f"{name}.png"), full_page=False)
            assert (folder / f"{name}.png").stat().st_size > 10_000  # a page, not a blank
        page.context.close()
