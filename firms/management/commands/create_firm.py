"""Platform command: create a firm and its first administrator."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from firms.choices import Role
from firms.selectors import firm_id_by_slug
from firms.services.members import firm_create, member_create
from firms.services.setup import firm_defaults_seed
from firms.services.tenancy import firm_scope


class Command(BaseCommand):
    help = (
        "Create a firm (tenant), its firm administrator and its default set-up (the simulated "
        "custodian, drift and compliance rules, routing tiers, email templates)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("admin_email")
        parser.add_argument("--slug")
        parser.add_argument("--password", help="initial password (otherwise use password reset)")

    def handle(self, name, admin_email, slug=None, password=None, **options):
        slug = slug or slugify(name)
        if firm_id_by_slug(slug) is not None:
            raise CommandError(f"A firm with slug {slug!r} already exists")
        if get_user_model().objects.filter(username__iexact=admin_email.strip()).exists():
            raise CommandError(
                f"{admin_email} already has a staff sign-in; "
                "the administrator needs an email of their own"
            )
        firm = firm_create(name=name, slug=slug)
        with firm_scope(firm):
            member = member_create(
                firm=firm, email=admin_email, role=Role.FIRM_ADMIN, password=password
            )
            member.user.is_staff = True
            member.user.save(update_fields=["is_staff"])
            seeded = firm_defaults_seed(firm_id=firm.pk)
        self.stdout.write(
            self.style.SUCCESS(f"Created firm {name} ({slug}) with administrator {admin_email}")
        )
        self.stdout.write(
            "Defaults: " + ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in seeded.items())
        )
