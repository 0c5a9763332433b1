"""Write a survey's inspection report as it would be now: DIR/report.pdf, DIR/report.html, DIR/report.json."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inspection.core.errors import InspectionError
from inspection.report_render import render_report
from surveys.models import Survey


class Command(BaseCommand):
    help = "Write a survey's inspection report (report.pdf, report.html, report.json) into a folder."

    def add_arguments(self, parser):
        parser.add_argument("survey_id", type=int)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--tolerance-m", type=float, default=None,
                            help="how far apart a defect may be from last time's and still match (default 5)")

    def handle(self, *args, survey_id, out, tolerance_m, **options):
        survey = Survey.objects.filter(pk=survey_id).first()
        if survey is None:
            raise CommandError(f"no survey {survey_id}")
        try:
            rendered = render_report(survey, generated_at=timezone.now().isoformat(timespec="seconds"),
                                     tolerance_m=tolerance_m)
        except InspectionError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(rendered.json_text)
        (out / "report.html").write_text(rendered.html)
        (out / "report.pdf").write_bytes(rendered.pdf)
        self.stdout.write(f"{len(rendered.document['defects'])} defects: {out}/report.pdf, report.html, report.json")
