"""Platform command: issue an API token for a member; prints the key once (only its hash is
kept)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from firms.services.api_tokens import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token for the user with this email and print it (it is not stored in clear)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, email, **options):
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with email {email!r}")
        self.stdout.write(api_token_create(user))
