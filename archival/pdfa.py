"""PDF/A-2b archival copies that keep their text layer (DESIGN 5.6: PDF/A with image and text).

Measured choice (see the README's archive section):
- pikepdf's PDF/A support makes the searchable PDFs sohoa writes (page images under Tesseract's
  embedded glyph-less text) PDF/A-2b by repairing structure only (output intent, XMP, ...): page
  content, image bytes and text layer stay byte for byte, it takes tens of milliseconds, and it
  validates what it wrote with an allowlist validator (it approves nothing it does not understand).
- Born-digital pages often use fonts that are not embedded, which PDF/A forbids; only re-writing the
  file embeds them: Ghostscript's pdfwrite. Debian 12's Ghostscript 10.00 drops the Unicode map of some
  TrueType subsets with its new PDF interpreter (the text then extracts as '(cid:NN)'), so every
  Ghostscript result must pass pikepdf's validator AND still carry the source's words; the legacy
  interpreter is tried when the new one lost the text.
A copy that passes none of this is not called PDF/A: the record keeps its searchable PDF and says why.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pypdfium2 as pdfium
from PIL import ImageCms

from schemas.archive import ArchivalCopy
from schemas.vntext import nfc

FLAVOUR = "2b"
GHOSTSCRIPT_TIMEOUT_SECONDS = 300
# Share of the source's words that must survive in the copy: Ghostscript may re-split a few words
# at kerning gaps, it must not lose the text layer.
MIN_WORDS_KEPT = 0.98
_GHOSTSCRIPT_ATTEMPTS = ([], ["-dNEWPDF=false"])  # new interpreter first, legacy when it lost text
# pikepdf's validator reads embedded fonts with fontTools, which logs a warning for every font subset
# whose metrics table is longer than needed (harmless, and common in TrueType subsets).
logging.getLogger("fontTools").setLevel(logging.ERROR)


def archival_copy(source: Path, target: Path, work: Path) -> ArchivalCopy:
    """Write a PDF/A-2b copy of `source` to `target` when one can be made faithfully.

    Returns how it was made; when `pdfa` is False nothing usable is at `target`.
    """
    reason = _pikepdf_copy(source, target)
    if reason is None:
        return ArchivalCopy(pdfa=True, method="pikepdf")
    ghostscript = shutil.which("gs")
    if ghostscript is None:
        return ArchivalCopy(pdfa=False, method="none", reason=f"{reason}; Ghostscript is not installed")
    source_words = _words(source)
    for extra in _GHOSTSCRIPT_ATTEMPTS:
        failure = _ghostscript_copy(ghostscript, source, target, work, extra)
        if failure is None:
            if _kept(source_words, _words(target)) >= MIN_WORDS_KEPT:
                return ArchivalCopy(pdfa=True, method="ghostscript" + (" legacy" if extra else ""))
            failure = "Ghostscript's copy lost the text layer"
        reason = f"{reason}; {failure}"
    target.unlink(missing_ok=True)
    return ArchivalCopy(pdfa=False, method="none", reason=reason)


def is_pdfa2(path: Path) -> bool:
    """The file declares PDF/A-2 in its XMP and pikepdf's validator approves it."""
    with pikepdf.open(path) as pdf:
        declared = pdf.open_metadata().get("pdfaid:part") == "2"
    return declared and pikepdf.pdfa.validate_written(path, FLAVOUR).passed


def _pikepdf_copy(source: Path, target: Path) -> str | None:
    """Structure-only conversion; None on success, else why not (the validator's first finding)."""
    try:
        with pikepdf.open(source) as pdf:
            for page in pdf.pages:
                # Page transitions (presentation effects) mean nothing in an archive and are a key
                # the validator does not check; dropping them changes no page content.
                if "/Trans" in page.obj:
                    del page.obj["/Trans"]
            report = pikepdf.pdfa.save(pdf, target, FLAVOUR)
    except pikepdf.pdfa.PdfaError as error:
        return f"not PDF/A by structure alone ({str(error).splitlines()[0]})"
    except pikepdf.PdfError as error:
        return f"PDF could not be read ({type(error).__name__})"
    return None if report.passed else "pikepdf did not approve its copy"


def _ghostscript_copy(ghostscript: str, source: Path, target: Path, work: Path,
                      extra: list[str]) -> str | None:
    """Ghostscript pdfwrite to PDF/A-2 in sRGB; None when pikepdf's validator approves the result."""
    work.mkdir(parents=True, exist_ok=True)
    profile = work / "srgb.icc"
    if not profile.exists():
        profile.write_bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    definition = work / "pdfa_def.ps"
    definition.write_text(_PDFA_DEF.replace("@ICC@", str(profile)), encoding="ascii")
    command = [ghostscript, "-q", "-dBATCH", "-dNOPAUSE", "-dSAFER", f"--permit-file-read={work}/",
               *extra, "-dPDFA=2", "-dPDFACompatibilityPolicy=1", "-sColorConversionStrategy=RGB",
               "-sDEVICE=pdfwrite", "-dPassThroughJPEGImages=true", f"-sOutputFile={target}",
               str(definition), str(source)]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=GHOSTSCRIPT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return "Ghostscript timed out"
    except subprocess.CalledProcessError as error:
        return f"Ghostscript failed (exit {error.returncode})"
    report = pikepdf.pdfa.validate_written(target, FLAVOUR)
    return None if report.passed else "Ghostscript's copy is not approved as PDF/A-2b"


def _words(path: Path) -> Counter[str]:
    """The words of a PDF's text layer, marks kept (what copy-paste and search will see)."""
    document = pdfium.PdfDocument(path)
    try:
        words: Counter[str] = Counter()
        for page in document:
            textpage = page.get_textpage()
            words.update(nfc(textpage.get_text_range()).casefold().split())
            textpage.close()
            page.close()
        return words
    finally:
        document.close()


def _kept(source: Counter[str], copy: Counter[str]) -> float:
    total = sum(source.values())
    return 1.0 if total == 0 else sum((source & copy).values()) / total


# The PDF/A definition file Ghostscript reads before the document: an sRGB output intent.
_PDFA_DEF = """%!
/ICCProfile (@ICC@) def
[/_objdef {icc_PDFA} /type /stream /OBJ pdfmark
[{icc_PDFA} << /N 3 >> /PUT pdfmark
[{icc_PDFA} ICCProfile (r) file /PUT pdfmark
[/_objdef {OutputIntent_PDFA} /type /dict /OBJ pdfmark
[{OutputIntent_PDFA} << /Type /OutputIntent /S /GTS_PDFA1 /DestOutputProfile {icc_PDFA}
  /OutputConditionIdentifier (sRGB) >> /PUT pdfmark
[{Catalog} << /OutputIntents [ {OutputIntent_PDFA} ] >> /PUT pdfmark
"""
