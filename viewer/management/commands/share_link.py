"""share_link create (--site ID | --survey ID) --expires-in DURATION [--passcode TEXT] [--purpose TEXT] [--by USER]
share_link revoke LINK [--by USER]   (LINK: the id, the token or the whole URL)
share_link list"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from surveys.models import Site, Survey
from viewer import services
from viewer.models import ShareLink
from viewer.selectors import link_state
from viewer.views import share_url


class Command(BaseCommand):
    help = "Make, revoke and list share links (read-only views of a site or a survey for people without an account)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a link and print it")
        which = create.add_mutually_exclusive_group(required=True)
        which.add_argument("--site", type=int)
        which.add_argument("--survey", type=int)
        create.add_argument("--expires-in", required=True, help="e.g. 36h, 14d, 2w")
        create.add_argument("--passcode", default="")
        create.add_argument("--purpose", default="")
        create.add_argument("--by", default="", help="the officer or planner it is made for (default: the first "
                                                      "active superuser)")
        revoke = sub.add_parser("revoke", help="revoke a link at once")
        revoke.add_argument("link", help="its id, token or URL")
        revoke.add_argument("--by", default="")
        sub.add_parser("list", help="every link with its state")

    def _user(self, username: str):
        users = get_user_model().objects
        user = (users.filter(username=username).first() if username
                else users.filter(is_superuser=True, is_active=True).order_by("pk").first())
        if user is None:
            raise CommandError(f"no user {username!r}" if username else "no superuser: pass --by USERNAME")
        return user

    def handle(self, *args, **opts) -> None:
        action = opts["action"]
        if action == "list":
            for link in ShareLink.objects.select_related("created_by").order_by("pk"):
                self.stdout.write(f"{link.pk}\t{link_state(link)}\t{link.names}\t"
                                  f"until {timezone.localtime(link.expires_at):%Y-%m-%d %H:%M}\t"
                                  f"{'passcode' if link.passcode_hash else '-'}\t{link.created_by}\t{link.purpose}")
            return
        by = self._user(opts["by"])
        now = timezone.now()
        try:
            if action == "create":
                names = {}
                if opts["site"] is not None:
                    names["site"] = Site.objects.filter(pk=opts["site"]).first()
                    if names["site"] is None:
                        raise CommandError(f"no site {opts['site']}")
                else:
                    names["survey"] = Survey.objects.filter(pk=opts["survey"]).first()
                    if names["survey"] is None:
                        raise CommandError(f"no survey {opts['survey']}")
                link = services.share_link_create(
                    by=by, now=now, expires_in=services.parse_duration(opts["expires_in"]),
                    purpose=opts["purpose"] or "made with manage.py share_link", passcode=opts["passcode"], **names)
                self.stdout.write(share_url(link))
            else:
                ref = opts["link"].rstrip("/").rsplit("/", 1)[-1]
                link = (ShareLink.objects.filter(pk=int(ref)).first() if ref.isdigit()
                        else ShareLink.objects.filter(token=ref).first())
                if link is None:
                    raise CommandError(f"no share link {opts['link']!r}")
                services.share_link_revoke(link=link, by=by, now=now)
                self.stdout.write(f"revoked share link {link.pk}")
        except services.ShareLinkError as exc:
            raise CommandError(exc.message) from exc
