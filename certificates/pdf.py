"""The certificate as one A4 page of real text (searchable, readable aloud), with a
QR code drawn from segno's matrix as rectangles (ReportLab's own QR widget costs
about three times the whole page)."""

import io
from dataclasses import dataclass
from datetime import datetime

import segno
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core.formatting import date_text, local

from .codes import code_display
from .credentials import ISSUER_NAME, CompetencyLine

TITLE = "Attestation d'autonomie — Majorité prête"
INK = HexColor("#1b2a4a")
MUTED = HexColor("#4a5568")
MARGIN = 20 * mm


@dataclass(frozen=True)
class CertificatePage:
    code: str
    holder: str  # first name and last initial
    issued_at: datetime
    epci_name: str
    framework_version: int
    competencies: list[CompetencyLine]
    verification_url: str


def _qr_rectangles(matrix) -> list[tuple[int, int, int, int]]:
    """The dark modules as few rectangles (column, row, width, height): runs along
    each row, a run stretched down while the next rows repeat it."""
    done = []
    open_runs: dict[tuple[int, int], int] = {}  # (start, end) -> first row
    for row_number, row in enumerate(matrix):
        runs = set()
        start = None
        for column, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                runs.add((start, column))
                start = None
        for run in open_runs.keys() - runs:
            first = open_runs.pop(run)
            done.append((run[0], first, run[1] - run[0], row_number - first))
        for run in runs - open_runs.keys():
            open_runs[run] = row_number
    for (start, end), first in open_runs.items():
        done.append((start, first, end - start, row_number + 1 - first))
    return done


def _qr_draw(canvas: Canvas, data: str, *, x: float, y: float, size: float) -> None:
    """Dark modules as rectangles in module units (short, exact coordinates in the
    page's content); a 4-module quiet zone."""
    matrix = segno.make(data, error="m").matrix
    module = size / (len(matrix) + 8)
    canvas.saveState()
    # Origin at the matrix's top left corner, one unit per module, rows downwards.
    canvas.translate(x + 4 * module, y + size - 4 * module)
    canvas.scale(module, -module)
    canvas.setFillColor(INK)
    # Whole numbers need none of ReportLab's float formatting (the costliest part
    # of drawing the code): the rectangles (`re`) are written as they are, then
    # filled (`f`).
    canvas.addLiteral(
        " ".join(f"{c} {r} {w} {h} re" for c, r, w, h in _qr_rectangles(matrix)) + " f"
    )
    canvas.restoreState()


def certificate_pdf(page: CertificatePage) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, lang="fr-FR", pageCompression=1)
    canvas.setTitle(f"{TITLE} — {page.holder}")
    canvas.setAuthor(ISSUER_NAME)
    canvas.setSubject(f"Code de vérification {code_display(page.code)}")
    canvas.setCreator(ISSUER_NAME)
    width, height = A4
    y = height - MARGIN - 10 * mm

    canvas.setFillColor(INK)
    canvas.setFont("Helvetica-Bold", 22)
    canvas.drawString(MARGIN, y, "Attestation d'autonomie")
    y -= 9 * mm
    canvas.setFont("Helvetica", 14)
    canvas.drawString(MARGIN, y, "Majorité prête")
    y -= 16 * mm

    canvas.setFont("Helvetica", 12)
    canvas.drawString(MARGIN, y, "Délivrée à")
    y -= 8 * mm
    canvas.setFont("Helvetica-Bold", 18)
    canvas.drawString(MARGIN, y, page.holder)
    y -= 9 * mm
    canvas.setFont("Helvetica", 12)
    issued_on = date_text(local(page.issued_at).date())
    canvas.drawString(MARGIN, y, f"le {issued_on}")
    y -= 6 * mm
    canvas.drawString(MARGIN, y, f"Territoire : {page.epci_name}")
    y -= 12 * mm

    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawString(
        MARGIN,
        y,
        f"Compétences acquises (référentiel, version {page.framework_version})",
    )
    y -= 7 * mm
    canvas.setFont("Helvetica", 10)
    for line in page.competencies:
        text = f"•  {line.label}"
        if line.in_person:
            text += " — validée en personne"
        canvas.drawString(MARGIN + 2 * mm, y, text[:110])
        y -= 5.5 * mm

    qr_size = 38 * mm
    bottom = MARGIN
    _qr_draw(
        canvas,
        page.verification_url,
        x=width - MARGIN - qr_size,
        y=bottom,
        size=qr_size,
    )
    canvas.setFillColor(INK)
    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawString(MARGIN, bottom + 28 * mm, "Code de vérification")
    canvas.setFont("Courier-Bold", 16)
    canvas.drawString(MARGIN, bottom + 20 * mm, code_display(page.code))
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", 9)
    canvas.drawString(
        MARGIN, bottom + 13 * mm, "À vérifier sans compte, avec le code ou le QR code :"
    )
    canvas.drawString(MARGIN, bottom + 8 * mm, page.verification_url)
    canvas.drawString(
        MARGIN,
        bottom,
        f"Émise par {ISSUER_NAME}, signée électroniquement (Open Badges 3.0).",
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
