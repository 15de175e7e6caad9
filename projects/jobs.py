"""The ledger's background jobs (common.jobs), registered in ProjectsConfig.ready:

- `projects.ledger_export` — P5 export of a selection larger than EXPORT_DIRECT_MAX_ROWS (a smaller one streams
  straight from projects.views.ledger_export). Params: the ledger's filter query string; the viewer is the job's
  user, so unit scoping and phone masking are the page's own.
- `projects.ledger_import` — P5 bulk push from an uploaded 附件1 workbook, all rows or none.

Handlers read the job's params and call the filter set, the export and the import service; nothing else.
"""

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from common.jobs import JobFailed, JobOutcome, JobRun
from projects.filters import ledger_filterset
from projects.ledger_export import export_ledger
from projects.services import project_ledger_import

# Up to this many rows the export streams in the request (about a second); above it, it becomes a job.
EXPORT_DIRECT_MAX_ROWS = 500


def ledger_export_filename() -> str:
    return f"中站区在建工程项目信息推送台账_{timezone.localdate():%Y%m%d}.xlsx"


def filter_refusal(filterset) -> str:
    """Never hand out a file that silently ignores a filter the clerk believes is applied."""
    return "筛选条件有误，未导出：" + "；".join(e for errs in filterset.errors.values() for e in errs)


def ledger_export_job(run: JobRun) -> JobOutcome:
    query = run.params.get("query", "")
    filterset = ledger_filterset(QueryDict(query), user=run.user)
    if not filterset.is_valid():
        raise JobFailed(filter_refusal(filterset))
    projects = filterset.qs
    total = projects.count()
    run.progress(0, total)
    with run.result_file(ledger_export_filename()) as out:
        export_ledger(projects, out, viewer=run.user, progress=run.progress)
    ledger = reverse("projects:ledger") + (f"?{query}" if query else "")
    run.progress(total)
    return JobOutcome(
        message=f"导出完成：共 {total} 个项目。",
        links=[{"url": ledger, "label": "返回台账"}],
        data={"count": total},
    )


def import_success_message(count: int, late: int) -> tuple[str, str]:
    """(message, level): a late push is recorded against the unit (P6), so it is a warning, not a success."""
    text = f"导入成功：共 {count} 个项目已推送至人社局。"
    if late:
        return text + f"其中 {late} 个项目超过推送截止日期，已按逾期推送记入单位推送时效（P6）。", "warning"
    return text, "success"


def ledger_import_job(run: JobRun) -> JobOutcome:
    with run.open_upload() as upload:
        result = project_ledger_import(user=run.user, upload=upload, progress=run.progress)
    if not result.ok:
        return JobOutcome(
            ok=False,
            message=f"未导入：发现 {len(result.errors)} 处错误，请修改后重新上传",
            errors=[{"row": e.row, "column": e.column, "message": e.message} for e in result.errors],
            links=[{"url": reverse("projects:import"), "label": "重新上传"}],
        )
    message, level = import_success_message(len(result.projects), result.late_count)
    return JobOutcome(
        message=message,
        level=level,
        links=[{"url": reverse("projects:ledger"), "label": "查看台账"}],
        data={"count": len(result.projects), "late_count": result.late_count},
    )
