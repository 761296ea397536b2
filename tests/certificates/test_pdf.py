"""The PDF as a reader and a phone see it: real text, A4, metadata, and a QR code
that a phone's scanner decodes to the verification page."""

import io

import pypdf
import pypdfium2
import zxingcpp
from reportlab.lib.pagesizes import A4

from certificates import services
from certificates.codes import code_display
from certificates.credentials import verification_url


def _issued(learner):
    return services.certificate_issue(learner_id=learner.pk).certificate


def test_the_pdf_reads_as_text(ready_learner, framework, epci):
    certificate = _issued(ready_learner)
    reader = pypdf.PdfReader(io.BytesIO(bytes(certificate.pdf)))
    (page,) = reader.pages
    assert [round(float(side)) for side in page.mediabox[2:]] == [
        round(A4[0]),
        round(A4[1]),
    ]
    text = page.extract_text()
    assert "Attestation d'autonomie" in text
    assert "Majorité prête" in text
    assert "Camille D." in text
    assert "Durand" not in text  # the last initial only
    assert code_display(certificate.code) in text
    assert epci.name in text
    for competency in framework.competencies.all():
        assert competency.label in text
    assert "Savoir faire la démarche n°3 — validée en personne" in text
    assert "n°1 — validée" not in text
    assert (
        reader.metadata.title == "Attestation d'autonomie — Majorité prête — Camille D."
    )
    assert reader.metadata.author == "Majorité prête"
    assert reader.trailer["/Root"]["/Lang"] == "fr-FR"


def test_the_qr_code_decodes_to_the_verification_page(ready_learner):
    certificate = _issued(ready_learner)
    document = pypdfium2.PdfDocument(bytes(certificate.pdf))
    image = document[0].render(scale=3).to_pil()
    (barcode,) = zxingcpp.read_barcodes(image)
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.text == verification_url(certificate.code)
    assert barcode.text.endswith(f"/certificats/verifier/{certificate.code}/")


def test_a_rebuilt_pdf_says_the_same(ready_learner):
    certificate = _issued(ready_learner)
    before = pypdf.PdfReader(io.BytesIO(bytes(certificate.pdf))).pages[0].extract_text()
    rebuilt = services.certificate_documents_rebuild(certificate_id=certificate.pk)
    after = pypdf.PdfReader(io.BytesIO(bytes(rebuilt.pdf))).pages[0].extract_text()
    assert after == before
