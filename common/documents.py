"""Issued documents: PDFs rendered once, numbered without gaps, stored byte for byte, verifiable by anyone.

The 附件2 deposit notice (deposits) is the first kind, clue letters (clues) the next; common knows no kind's
words. An owning app, in its AppConfig.ready:

    register_document_kind("deposits.notice", label="农民工工资保证金缴纳通知书", render=notice_render)

where `notice_render(document) -> (template_name, context)` reads its own record through `document.target`.
Its issuing service, inside its transaction:

    n = next_document_number(unit=unit, kind="deposits.notice", year=year)        # row lock: no gap, no twin
    document = document_issue(kind=…, unit=unit, number=f"…〔{year}〕第{n}号", n=n, year=year,
                              addressee=contractor.name, target=notice, actor=user)

After the commit a worker renders version 1 (common.tasks.document_render) and stores it with its SHA-256;
`document_pdf_bytes` / `document_response` serve those bytes for ever (rendering then, once, under a row lock
if the worker hasn't yet); `document_rerender` adds a version with a reason. Each PDF carries the QR code and
short code of /verify/<code>/ (templates/documents/_verify_box.html, `verify` in the context).

Rendering fetches nothing from outside (document_url_fetcher): `data:` URIs and the app's own static files,
found through django.contrib.staticfiles — never the network, never an arbitrary file. Fonts are named
explicitly (static/css/pdf.css): Noto Serif/Sans CJK SC (fonts-noto-cjk) and FandolFang for 仿宋
(scripts/install-system-deps.sh --fandol-fonts).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import mimetypes
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.db import connection, transaction
from django.db.models import F
from django.http import FileResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from common import audit
from common.jobs import JobFailed, JobOutcome, JobRun, job_start, register_job_kind
from common.models import DocumentSequence, DocumentVersion, IssuedDocument, Job

logger = logging.getLogger(__name__)

audit.register_actions(
    {
        "document.issued": "签发文书",
        "document.rerendered": "重新生成文书",
        "document.status_changed": "文书状态变更",
    }
)

# ------------------------------------------------------------------------------------------ rendering

# The base URL documents render against: `{% static 'css/pdf.css' %}` ("/static/css/pdf.css") resolves to it,
# and the fetcher maps exactly that origin's static paths to the app's files. `.invalid` never resolves
# (RFC 2606), so even a fetcher bug could not reach a real host with it.
INTERNAL_BASE_URL = "https://documents.invalid/"


class DocumentError(Exception):
    """A document could not be rendered or read; the message is Chinese and safe to show."""


class DocumentResourceRefused(ValueError):
    """The fetcher refused a URL: outside `data:` and the app's own static files."""


def _weasyprint():
    # Imported on first use (≈1 s): every process loads this module, only the ones that render need it.
    # Its progress logger says "Step 1 … Step 7" at INFO for every PDF; its warnings (a CSS value it ignored)
    # stay on the "weasyprint" logger.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    return weasyprint, FatalURLFetchingError, URLFetcher, URLFetcherResponse


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def static_file_for_url(url: str, *, base_url: str = INTERNAL_BASE_URL) -> Path | None:
    """The app's own static file a document URL names, or None. Only `base_url`'s origin + STATIC_URL,
    no `..`, and only what the staticfiles finders (or the collected, local STATIC_ROOT) hold."""
    parts = urlsplit(url)
    if (parts.scheme.lower(), parts.netloc.lower()) != _origin(base_url) or parts.query:
        return None
    prefix = urlsplit(urljoin(base_url, staticfiles_storage.base_url or settings.STATIC_URL)).path
    path = unquote(parts.path)
    if not prefix.endswith("/") or not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    segments = relative.split("/")
    if not relative or "\\" in relative or "\x00" in relative or any(s in ("", ".", "..") for s in segments):
        return None
    try:
        found = finders.find(relative)
        if not found and staticfiles_storage.exists(relative):
            found = staticfiles_storage.path(relative)  # collected (e.g. hashed) names, production
    except (SuspiciousFileOperation, NotImplementedError, ValueError):
        return None
    if isinstance(found, list):  # find(all=True) shape, never asked for here
        found = found[0] if found else None
    return Path(found) if found and Path(found).is_file() else None


def _make_fetcher_class():
    _, _, URLFetcher, URLFetcherResponse = _weasyprint()

    class _Fetcher(URLFetcher):
        """WeasyPrint 70 wants a URLFetcher subclass (a plain function fails). `fail_on_errors`: a refused
        or missing resource stops the rendering instead of printing an official document without its
        stylesheet or seal."""

        def __init__(self, *, base_url: str = INTERNAL_BASE_URL):
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=True)
            self.base_url = base_url

        def fetch(self, url, headers=None):
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)
            path = static_file_for_url(url, base_url=self.base_url)
            if path is None:
                logger.warning("document rendering refused to fetch %s", url[:200])
                raise DocumentResourceRefused(f"文书生成不允许读取该资源：{url[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    return _Fetcher


_fetcher_class = None


def document_url_fetcher(*, base_url: str = INTERNAL_BASE_URL):
    """The fetcher every rendering uses (a weasyprint.urls.URLFetcher subclass)."""
    global _fetcher_class
    if _fetcher_class is None:
        _fetcher_class = _make_fetcher_class()
    return _fetcher_class(base_url=base_url)


class _MissingGlyphs(logging.Handler):
    """Collects WeasyPrint's ".notdef glyph rendered for …" warnings: a character no named font has, which
    would print as an empty box (tofu) on an official document."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        message = record.getMessage()
        if ".notdef" in message:
            self.messages.append(message)


_FONTS = threading.local()


def _font_config():
    """One WeasyPrint FontConfiguration per thread (Pango's font map is not shared across threads, e.g.
    runserver's). A new one per render (WeasyPrint's default) kept ~7 MB of fonts per PDF alive: 100 notices
    in one print job peaked at 700 MB; reused, the process stays near 200–270 MB and a render takes 0.09 s
    instead of 0.11 s (bench/notice_bench.py). Only @font-face rules would add to it, and the PDF styles have
    none (static/css/pdf.css names installed fonts)."""
    config = getattr(_FONTS, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _FONTS.config = FontConfiguration()
    return config


def render_pdf(template_name: str, context: dict, *, base_url: str | None = None) -> bytes:
    """Render a Django template to PDF bytes. The template extends "documents/base_pdf.html" (A4, the CJK font
    families of static/css/pdf.css); relative and `{% static %}` URLs resolve against `base_url`, and only
    the app's own static files and `data:` URIs are ever read (document_url_fetcher). A character no font
    has is logged as an error (the PDF would show an empty box there)."""
    weasyprint, FatalURLFetchingError, _, _ = _weasyprint()
    base = base_url or INTERNAL_BASE_URL
    html = render_to_string(template_name, context)
    missing = _MissingGlyphs()
    weasyprint_logger = logging.getLogger("weasyprint")
    weasyprint_logger.addHandler(missing)
    try:
        pdf = weasyprint.HTML(
            string=html, base_url=base, url_fetcher=document_url_fetcher(base_url=base)
        ).write_pdf(font_config=_font_config())
    except FatalURLFetchingError as exc:  # a BaseException: turn it into an ordinary, catchable error
        cause = exc.__cause__
        raise DocumentError(str(cause) if cause else "文书生成失败：模板引用了不允许的资源") from exc
    finally:
        weasyprint_logger.removeHandler(missing)
    if missing.messages:
        logger.error(
            "%s: characters without a glyph in any font: %s", template_name, "; ".join(missing.messages)
        )
    return pdf


def qr_svg_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG `data:` URI for <img src> (vector in the PDF; segno, error level M)."""
    import segno

    return segno.make(text, error="m", micro=False).svg_data_uri(scale=4, border=0)


# ------------------------------------------------------------------------------------------- kinds


@dataclasses.dataclass(frozen=True)
class DocumentKind:
    kind: str
    label: str  # Chinese, e.g. 农民工工资保证金缴纳通知书; shown on the verification page
    render: Callable[[IssuedDocument], tuple[str, dict]]
    statuses: dict[str, str]  # code → Chinese label, the common ones included
    void_statuses: frozenset[str]  # the verification page says "已作废" instead of "真实有效"


STATUS_ISSUED = "issued"
STATUS_VOID = "void"
BASE_STATUSES = {STATUS_ISSUED: "已签发", STATUS_VOID: "已作废"}

_KINDS: dict[str, DocumentKind] = {}


def register_document_kind(
    kind: str,
    *,
    label: str,
    render: Callable[[IssuedDocument], tuple[str, dict]],
    statuses: dict[str, str] | None = None,
    void_statuses: Iterable[str] = (),
) -> None:
    """An owning app's kind of document (in its AppConfig.ready). `render(document)` returns the template
    and context of its PDF; `statuses` adds the kind's own status labels (e.g. {"received": "已签收"})."""
    _KINDS[kind] = DocumentKind(
        kind=kind,
        label=label,
        render=render,
        statuses={**BASE_STATUSES, **(statuses or {})},
        void_statuses=frozenset({STATUS_VOID, *void_statuses}),
    )


def document_kind(kind: str) -> DocumentKind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise ValueError(f"document kind {kind!r} is not registered") from None


def document_kind_label(document: IssuedDocument) -> str:
    registered = _KINDS.get(document.kind)
    return registered.label if registered else "文书"


def document_status_label(document: IssuedDocument) -> str:
    registered = _KINDS.get(document.kind)
    statuses = registered.statuses if registered else BASE_STATUSES
    return statuses.get(document.status, document.status)


def document_is_void(document: IssuedDocument) -> bool:
    registered = _KINDS.get(document.kind)
    return document.status in (registered.void_statuses if registered else {STATUS_VOID})


# ----------------------------------------------------------------------------------------- numbering


def _require_transaction(name: str) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError(f"{name} must be called inside the issuing service's transaction.atomic()")


def next_document_number(*, unit, kind: str, year: int) -> int:
    """The next number of `kind` issued by `unit` in `year`: 1, 2, 3 … never reused, never skipped.

    Call it inside the transaction that issues the document. The sequence row stays locked until that
    transaction ends: a second clerk issuing at the same moment waits and gets the next number, and if the
    issue rolls back its increment does too (no gap). PostgreSQL: `SELECT … FOR UPDATE`; SQLite has a single
    writer anyway (IMMEDIATE transactions). IssuedDocument's unique constraints are the backstop."""
    return reserve_document_numbers(unit=unit, kind=kind, year=year, count=1)[0]


def reserve_document_numbers(*, unit, kind: str, year: int, count: int) -> range:
    """`count` consecutive numbers at once (a sweep issuing a batch of letters), under the same lock as
    next_document_number: one sequence UPDATE for the batch."""
    _require_transaction("next_document_number")
    # Two first-of-the-year issues race to create the row: get_or_create retries the get when its insert
    # hits the unique constraint (inside its own savepoint), so both end up locking the same row.
    DocumentSequence.objects.get_or_create(unit=unit, kind=kind, year=year)
    sequence = DocumentSequence.objects.select_for_update().get(unit=unit, kind=kind, year=year)
    first = sequence.last_number + 1
    sequence.last_number += count
    sequence.save(update_fields=["last_number"])
    return range(first, sequence.last_number + 1)


# ------------------------------------------------------------------------------------------- issuing

# Crockford's base32 without the letters people misread (I, L, O, U): 32^10 ≈ 10^15 codes.
VERIFY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VERIFY_CODE_LENGTH = 10


def _new_verify_code() -> str:
    while True:
        code = "".join(secrets.choice(VERIFY_ALPHABET) for _ in range(VERIFY_CODE_LENGTH))
        if not IssuedDocument.objects.filter(verify_code=code).exists():
            return code


def normalize_verify_code(text: str) -> str:
    """What a person typed (lower case, spaces, the dash of the printed form, O for 0…) → the stored code."""
    code = re.sub(r"[\s\-]", "", text or "").upper().translate(str.maketrans("OIL", "011"))
    return code if len(code) == VERIFY_CODE_LENGTH and all(c in VERIFY_ALPHABET for c in code) else ""


def display_verify_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}" if len(code) == VERIFY_CODE_LENGTH else code


def verify_base_url() -> str:
    base = settings.DOCUMENT_VERIFY_BASE_URL or next(iter(settings.CSRF_TRUSTED_ORIGINS), "")
    return (base or "http://127.0.0.1:8000").rstrip("/")


def verify_url(document: IssuedDocument) -> str:
    return verify_base_url() + reverse("common:document_verify", args=[document.verify_code])


def verify_context(document: IssuedDocument) -> dict:
    """What templates/documents/_verify_box.html prints: QR code, short code, where to check it."""
    url = verify_url(document)
    return {
        "code": display_verify_code(document.verify_code),
        "url": url,
        "qr": qr_svg_data_uri(url),
        "lookup_url": verify_base_url() + reverse("common:document_verify_lookup"),
    }


def document_issue(
    *, kind: str, unit, number: str, n: int, year: int, addressee: str, target, actor
) -> IssuedDocument:
    """Record an issued document (inside the caller's issuing transaction, after next_document_number) and
    render its PDF once that transaction commits — a rolled-back issue leaves no file and no task."""
    _require_transaction("document_issue")
    document_kind(kind)
    document = IssuedDocument.objects.create(
        kind=kind,
        unit=unit,
        number=number,
        sequence_number=n,
        year=year,
        addressee=addressee,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        issued_at=timezone.now(),
        issued_by=actor if getattr(actor, "pk", None) else None,
        verify_code=_new_verify_code(),
        current_version=1,
    )
    DocumentVersion.objects.create(
        document=document, version=1, reason="签发", rendered_by=document.issued_by
    )
    audit.log_action(document, action="document.issued", actor=actor, data={"kind": kind, "number": number})
    document_id = document.pk
    transaction.on_commit(lambda: _enqueue_render(document_id, 1))
    return document


@dataclasses.dataclass(frozen=True)
class DocumentSpec:
    """One document of a batch issue (documents_issue_many): its number, addressee and the record it is about."""

    kind: str
    number: str
    n: int
    addressee: str
    target: object


def documents_issue_many(*, unit, year: int, specs: list[DocumentSpec], actor=None, render: bool = True):
    """Record a batch of issued documents in a few statements (inside the caller's transaction, after
    reserve_document_numbers) — what document_issue does for one: the rows, version 1, the action log, the
    renders queued after commit (`render=False` when the caller's own task renders them). The unique
    constraints on the number and the verification code are the backstop: a clash rolls the batch back."""
    _require_transaction("documents_issue_many")
    now = timezone.now()
    issued_by = actor if getattr(actor, "pk", None) else None
    documents = IssuedDocument.objects.bulk_create(
        IssuedDocument(
            kind=document_kind(spec.kind).kind,
            unit=unit,
            number=spec.number,
            sequence_number=spec.n,
            year=year,
            addressee=spec.addressee,
            content_type=ContentType.objects.get_for_model(spec.target),
            object_id=spec.target.pk,
            issued_at=now,
            issued_by=issued_by,
            # Random codes of 10^15: no check-then-insert per code; the unique constraint catches the rare clash.
            verify_code="".join(secrets.choice(VERIFY_ALPHABET) for _ in range(VERIFY_CODE_LENGTH)),
            current_version=1,
        )
        for spec in specs
    )
    DocumentVersion.objects.bulk_create(
        DocumentVersion(document=d, version=1, reason="签发", rendered_by=issued_by) for d in documents
    )
    audit.log_actions(
        [(d, "document.issued", "", {"kind": d.kind, "number": d.number}) for d in documents], actor=actor
    )
    if render:
        ids = [d.pk for d in documents]
        transaction.on_commit(lambda: [_enqueue_render(pk, 1) for pk in ids])
    return documents


def _enqueue_render(document_id: int, version: int) -> None:
    from common.tasks import document_render  # common.tasks imports this module

    try:
        document_render.delay(document_id, version)
    except Exception:
        # The issue is committed; the first download renders the PDF instead (document_pdf_bytes).
        logger.exception("could not queue the rendering of document %s v%s", document_id, version)


def document_set_status(
    *, document: IssuedDocument, status: str, actor=None, note: str = ""
) -> IssuedDocument:
    """The owning app's service moves its document's status (shown on the verification page)."""
    _require_transaction("document_set_status")
    if status not in document_kind(document.kind).statuses:
        raise ValueError(f"status {status!r} is not registered for {document.kind!r}")
    old = document.status
    document.status = status
    document.save(update_fields=["status"])
    audit.log_action(
        document, action="document.status_changed", actor=actor, note=note, data={"from": old, "to": status}
    )
    return document


# ------------------------------------------------------------------------------------- stored files


def files_root() -> Path:
    return Path(settings.DOCUMENT_FILES_ROOT)


def _store(document: IssuedDocument, version: int, pdf: bytes) -> str:
    """Write the PDF under DOCUMENT_FILES_ROOT (0600, random name, flushed to disk before the row points at
    it); returns the path relative to the root."""
    kind = re.sub(r"[^A-Za-z0-9_.-]", "_", document.kind)
    directory = files_root() / kind / str(document.year)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"{document.pk}-v{version}-{secrets.token_hex(8)}.pdf"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pdf)
        out.flush()
        os.fsync(out.fileno())
    return str(path.relative_to(files_root()))


def _render_document(document: IssuedDocument) -> bytes:
    template_name, context = document_kind(document.kind).render(document)
    return render_pdf(template_name, {**context, "document": document, "verify": verify_context(document)})


def document_render_version(*, document_id: int, version: int) -> DocumentVersion:
    """Render and store one version unless it already is (the body of common.tasks.document_render, and of a
    download that came first). Under the version row's lock: two at once render it once, same bytes after."""
    with transaction.atomic():
        row = (
            DocumentVersion.objects.select_for_update(of=("self",))
            .select_related("document", "document__unit")
            .get(document_id=document_id, version=version)
        )
        if row.is_rendered:
            return row
        pdf = _render_document(row.document)
        row.file = _store(row.document, version, pdf)
        row.sha256 = hashlib.sha256(pdf).hexdigest()
        row.size = len(pdf)
        row.rendered_at = timezone.now()
        row.save(update_fields=["file", "sha256", "size", "rendered_at"])
    return row


def document_current_version(document: IssuedDocument) -> DocumentVersion:
    return DocumentVersion.objects.get(document_id=document.pk, version=F("document__current_version"))


def _read(row: DocumentVersion) -> bytes:
    path = files_root() / row.file
    try:
        data = path.read_bytes()
    except OSError:
        logger.error("document %s v%s: file %s is missing", row.document_id, row.version, path)
        raise DocumentError("文书文件缺失，请联系管理员（可由管理员注明原因后重新生成）。") from None
    if hashlib.sha256(data).hexdigest() != row.sha256:
        logger.error(
            "document %s v%s: file %s does not match its SHA-256", row.document_id, row.version, path
        )
        raise DocumentError("文书文件校验失败，请联系管理员。")
    return data


def document_pdf_bytes(document: IssuedDocument) -> bytes:
    """The stored PDF of the current version, byte for byte as first rendered (checked against its SHA-256).
    Rendered here, once, if the worker hasn't got to it yet."""
    row = document_current_version(document)
    if not row.is_rendered:
        row = document_render_version(document_id=document.pk, version=row.version)
    return _read(row)


def document_response(document: IssuedDocument, *, filename: str, inline: bool = False) -> FileResponse:
    """A view's answer with the stored PDF: a download (attachment) or shown in the browser (inline)."""
    data = document_pdf_bytes(document)
    response = FileResponse(
        io.BytesIO(data), as_attachment=not inline, filename=filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@transaction.atomic
def document_rerender(*, document: IssuedDocument, actor, reason: str) -> DocumentVersion:
    """A new version, rendered from today's template and data, becomes current; every older one is kept.
    Rendered here rather than by the worker: whoever asks sees a failure at once, and then nothing changed."""
    reason = (reason or "").strip()
    if not reason:
        from django.core.exceptions import ValidationError

        raise ValidationError({"reason": "请填写重新生成的原因"})
    locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
    version = locked.current_version + 1
    DocumentVersion.objects.create(
        document=locked,
        version=version,
        reason=reason[:200],
        rendered_by=actor if getattr(actor, "pk", None) else None,
    )
    row = document_render_version(document_id=locked.pk, version=version)
    locked.current_version = version
    locked.save(update_fields=["current_version"])
    audit.log_action(
        locked,
        action="document.rerendered",
        actor=actor,
        note=reason,
        data={"version": version, "sha256": row.sha256},
    )
    document.current_version = version
    return row


# ------------------------------------------------------------------------------------------ selectors


def document_for_verify_code(text: str) -> IssuedDocument | None:
    code = normalize_verify_code(text)
    if not code:
        return None
    return IssuedDocument.objects.select_related("unit").filter(verify_code=code).first()


def documents_for_target(target) -> list[IssuedDocument]:
    return list(
        IssuedDocument.objects.filter(
            content_type=ContentType.objects.get_for_model(target), object_id=target.pk
        ).select_related("unit")
    )


def documents_visible_to(user, queryset=None):
    """Documents are their issuing unit's: its clerks, and HRSS, leaders and admins (common.access)."""
    from common.access import visible_to

    return visible_to(user, IssuedDocument.objects.all() if queryset is None else queryset, unit_field="unit")


# ---------------------------------------------------------------------------------------------- batch


def documents_merge_pdf(documents: Iterable[IssuedDocument], progress: Callable | None = None) -> bytes:
    """The stored PDFs of `documents`, in order, as one PDF (printing many notices at once)."""
    from pypdf import PdfReader, PdfWriter

    documents = list(documents)
    writer = PdfWriter()
    for done, document in enumerate(documents, start=1):
        writer.append(PdfReader(io.BytesIO(document_pdf_bytes(document))))
        if progress is not None:
            progress(done, len(documents))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PRINT_JOB_KIND = "common.documents_print"
PRINT_MAX_DOCUMENTS = 500


def documents_print_start(*, user, documents: Iterable[IssuedDocument], filename: str) -> Job:
    """Start the background job that prints `documents` (already scoped by the caller's view) as one PDF."""
    ids = [document.pk for document in documents]
    return job_start(kind=PRINT_JOB_KIND, user=user, params={"document_ids": ids, "filename": filename})


def _print_job(run: JobRun) -> JobOutcome:
    ids = [int(i) for i in run.params.get("document_ids") or []]
    if not ids:
        raise JobFailed("未选择要打印的文书。")
    if len(ids) > PRINT_MAX_DOCUMENTS:
        raise JobFailed(f"一次最多合并打印 {PRINT_MAX_DOCUMENTS} 份文书，请分批选择。")
    # Checked again here: the job runs later, as its user, and its params are only primary keys.
    found = {d.pk: d for d in documents_visible_to(run.user, IssuedDocument.objects.filter(pk__in=ids))}
    if len(found) != len(set(ids)):
        raise JobFailed("所选文书中有不存在或无权查看的文书，未生成。请重新选择。")
    run.progress(0, len(ids))
    pdf = documents_merge_pdf([found[i] for i in ids], progress=run.progress)
    filename = str(run.params.get("filename") or "文书合并打印.pdf")
    with run.result_file(filename if filename.lower().endswith(".pdf") else f"{filename}.pdf") as out:
        out.write(pdf)
    return JobOutcome(message=f"已合并 {len(ids)} 份文书，可下载打印。")


register_job_kind(PRINT_JOB_KIND, _print_job, label="文书合并打印")
