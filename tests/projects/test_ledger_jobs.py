"""P5 ledger export and import as background jobs (issue 5 A4, B13): a large export and every import run in
a worker (eagerly here, after the commit) while the job page shows progress, then the file or the outcome."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from common.models import Job, JobStatus
from projects import jobs as project_jobs
from projects.filters import ledger_filterset
from projects.ledger_export import export_ledger
from projects.models import Project, ProjectStatus
from tests.factories import create_project
from tests.helpers import at

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAME, REMARKS = "B", "O"  # columns of the 附件1 layout


@pytest.fixture(autouse=True)
def _today(time_machine):
    # Mon 2026-11-02: after the factories' trigger (2026-09-01), within chinesecalendar's years.
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)


@pytest.fixture
def ledger(zhujian, jiaotong, units):
    """zhujian's unit: 4 municipal projects and 1 housing one; another unit's project they must never get."""
    street = units["李封街道办事处"]
    mine = [create_project(user=zhujian, street=street, serial=i, push=True) for i in range(1, 5)]
    mine.append(create_project(user=zhujian, street=street, serial=5, push=True, category="housing"))
    create_project(user=jiaotong, street=street, serial=9, push=True)
    return mine


def names_in(xlsx: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    names = [r[1] for r in wb.worksheets[0].iter_rows(min_row=4, values_only=True) if r[1]]
    wb.close()
    return names


def workbook_of(user, change) -> bytes:
    """The user's ledger exported, then edited as a clerk would in Excel."""
    out = io.BytesIO()
    export_ledger(ledger_filterset({}, user=user).qs, out, viewer=user)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    change(wb.worksheets[0])
    edited = io.BytesIO()
    wb.save(edited)
    return edited.getvalue()


def rename_all(ws):
    for row in range(4, ws.max_row + 1):
        if ws[f"{NAME}{row}"].value:
            ws[f"{NAME}{row}"] = ws[f"{NAME}{row}"].value + "（二期）"


# ------------------------------------------------------------------------------------------- export


@pytest.mark.django_db
def test_it_exports_a_selection_over_the_threshold_as_a_job_with_every_filtered_row(
    client, zhujian, ledger, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(project_jobs, "EXPORT_DIRECT_MAX_ROWS", 3)
    client.force_login(zhujian)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("projects:export"), {"category": "municipal"})

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.kind, job.user, job.params) == (
        "projects.ledger_export",
        zhujian,
        {"query": "category=municipal"},
    )
    assert job.status == JobStatus.DONE and job.message == "导出完成：共 4 个项目。"
    assert (job.progress_done, job.progress_total) == (4, 4)

    page = client.get(job.get_absolute_url(), {"from": "running"}).content.decode()
    download = reverse("common:job_download", args=[job.pk])
    assert "导出项目推送台账" in page and f'data-auto-download="{download}"' in page
    assert f'href="{reverse("projects:ledger")}?category=municipal"' in page  # back to the same selection
    response = client.get(download)
    assert response["Content-Type"] == XLSX and "attachment" in response["Content-Disposition"]
    assert sorted(names_in(b"".join(response.streaming_content))) == [f"测试项目{i}" for i in range(1, 5)]


@pytest.mark.django_db
def test_it_streams_a_small_export_directly(client, zhujian, ledger):
    client.force_login(zhujian)
    response = client.get(reverse("projects:export"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert len(names_in(b"".join(response.streaming_content))) == 5
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_it_starts_no_export_job_for_a_bad_filter(client, zhujian, ledger, monkeypatch):
    monkeypatch.setattr(project_jobs, "EXPORT_DIRECT_MAX_ROWS", 0)
    client.force_login(zhujian)
    response = client.get(reverse("projects:export"), {"date_from": "2026-10-01", "date_to": "2026-09-01"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("projects:ledger"))
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_it_fails_an_export_job_whose_filter_went_bad_without_writing_a_file(zhujian, ledger):
    """A job's query string is re-checked by the worker: a forged one is refused, not widened."""
    from common.jobs import job_start

    job = job_start(kind="projects.ledger_export", user=zhujian, params={"query": "date_from=2026-13-45"})
    from common.jobs import job_execute

    job_execute(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.message.startswith("筛选条件有误，未导出：")
    assert job.result_file == ""


# ------------------------------------------------------------------------------------------- import


def import_through_a_job(client, xlsx: bytes, capture) -> tuple[Job, str]:
    with capture(execute=True):
        response = client.post(
            reverse("projects:import"), {"file": SimpleUploadedFile("台账.xlsx", xlsx, content_type=XLSX)}
        )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    return job, client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_it_imports_as_a_job_and_shows_the_count_and_the_late_pushes(
    client, zhujian, ledger, django_capture_on_commit_callbacks
):
    client.force_login(zhujian)
    job, page = import_through_a_job(
        client, workbook_of(zhujian, rename_all), django_capture_on_commit_callbacks
    )

    assert job.kind == "projects.ledger_import" and job.status == JobStatus.DONE
    assert Project.objects.filter(name__endswith="（二期）", status=ProjectStatus.PUSHED).count() == 5
    # Triggered 2026-09-01, pushed 2026-11-02: past P1's deadline, so recorded late (P6) — a warning.
    assert (
        '<div class="msg msg-warning" role="status">导入成功：共 5 个项目已推送至人社局。'
        "其中 5 个项目超过推送截止日期，已按逾期推送记入单位推送时效（P6）。</div>"
    ) in page
    assert job.result["count"] == 5 and job.result["late_count"] == 5
    assert job.progress_total == 5 and job.progress_done == 5  # one step per row (checked and written)
    assert "批量导入项目台账" in page and "上传文件“台账.xlsx”" in page and "查看台账" in page
    assert job.upload_file == ""  # the upload (contacts' phones) is not kept once read


@pytest.mark.django_db
def test_it_imports_as_a_job_and_shows_every_row_error_saving_nothing(
    client, zhujian, ledger, django_capture_on_commit_callbacks
):
    client.force_login(zhujian)

    def change(ws):
        rename_all(ws)
        ws[f"{REMARKS}5"] = "=A1"

    job, page = import_through_a_job(client, workbook_of(zhujian, change), django_capture_on_commit_callbacks)

    assert job.status == JobStatus.FAILED and job.message == "未导入：发现 1 处错误，请修改后重新上传"
    assert "未导入：发现 1 处错误" in page and "<th>行号</th><th>列</th><th>错误说明</th>" in page
    (error,) = job.result["errors"]
    assert error["row"] == 5 and error["column"] == "备注（O列）" and "含公式" in error["message"]
    assert f'href="{reverse("projects:import")}"' in page and "重新上传" in page
    assert Project.objects.count() == 6


@pytest.mark.django_db
def test_it_starts_no_import_job_for_a_leader_or_without_a_file(client, leader, zhujian, ledger):
    client.force_login(leader)
    xlsx = workbook_of(zhujian, rename_all)
    response = client.post(reverse("projects:import"), {"file": SimpleUploadedFile("台账.xlsx", xlsx)})
    assert response.status_code == 403
    client.force_login(zhujian)
    response = client.post(reverse("projects:import"), {})
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()
    assert not Job.objects.exists()
