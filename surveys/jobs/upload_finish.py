"""Job kind "upload_finish": verify and store an upload whose bytes have all arrived but which was never
finished (the server died, or the request was cut, while the last chunk was being verified).

A tus HEAD or GET that finds such an upload queues this job instead of verifying a file of many GB inside
the request (`surveys.uploads.upload_queue_finish`); the client asks again (Retry-After). The last PATCH
and `manage.py cleanup_uploads` still finish an upload themselves. `params["upload_id"]` names it.
"""

from __future__ import annotations

from processing.models import Job
from processing.stages import Stage, StageContext

from .. import uploads
from ..models import Upload

KIND = uploads.UPLOAD_FINISH_KIND
LABEL = "Verify and store a complete upload"


def stages(job: Job) -> list[Stage]:
    return [Stage("verify", 1, verify)]


def verify(ctx: StageContext) -> None:
    upload = Upload.objects.filter(pk=ctx.job.params.get("upload_id")).first()
    if upload is None:
        ctx.log("the upload no longer exists: nothing to finish")
        return
    try:
        uploads.upload_recover(upload=upload)
    except uploads.OffsetConflict:
        ctx.log("another request is finishing this upload")
    except uploads.UploadError as exc:  # a refused file is an outcome, recorded on the upload, not a job fault
        ctx.log(f"refused: {exc.message}")
    upload.refresh_from_db()
    ctx.log(f"upload {upload.pk}: {upload.state}")
