"""The pages of background jobs (common.jobs): a job's progress page, its JSON status for the page's polling
script (static/js/jobs.js), the result download, and the user's recent jobs ("我的导出与导入").

A job belongs to the user who started it: anyone else gets 404 for every URL here, as for a forged record id.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from common.jobs import job_label, job_result_path, job_status, jobs_for_user
from common.models import Job, JobStatus


def _without_session_renewal(view):
    """Polling must not write the session row. SESSION_SAVE_EVERY_REQUEST renews the 30-minute idle logout on
    every request, i.e. one UPDATE a second: on SQLite (`make run`) that waits for the write lock an import's
    transaction holds, so the progress would freeze until the import ends; and a page left polling would
    keep a shared office PC logged in for ever. The session is still read (login_required), never saved."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        session = getattr(request, "session", None)
        if session is not None:
            session.save = lambda must_create=False: None
        return response

    return wrapped


def _own_job(request, pk: int) -> Job:
    return get_object_or_404(Job.objects.select_related("user"), pk=pk, user=request.user)


@login_required
def job_list(request):
    rows = [(job, job_status(job)) for job in jobs_for_user(request.user)]
    return render(request, "common/job_list.html", {"rows": rows})


@never_cache
@login_required
@_without_session_renewal
def job_detail(request, pk: int):
    job = _own_job(request, pk)
    status = job_status(job)  # marks a stale job failed on this very instance
    # The page that watched the job run downloads its file once (jobs.js, or <noscript> meta refresh).
    auto_download = status["download_url"] if request.GET.get("from") == "running" else None
    return render(
        request,
        "common/job.html",
        {
            "job": job,
            "label": job_label(job),
            "status": status,
            "result": job.result or {},
            "auto_download": auto_download,
        },
    )


@never_cache
@login_required
@_without_session_renewal
def job_status_json(request, pk: int):
    return JsonResponse(job_status(_own_job(request, pk)), json_dumps_params={"ensure_ascii": False})


@login_required
def job_download(request, pk: int):
    job = get_object_or_404(Job, pk=pk, user=request.user, status=JobStatus.DONE)
    path = job_result_path(job)
    if path is None:
        messages.error(request, "文件已超过保留期被删除（结果文件保留7天），请重新提交。")
        return redirect(job.get_absolute_url())
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.result_name or path.name)
