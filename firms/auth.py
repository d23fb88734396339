from allauth.account.adapter import DefaultAccountAdapter


class FirmAccountAdapter(DefaultAccountAdapter):
    """Firms create their users; nobody signs up on their own."""

    def is_open_for_signup(self, request):
        return False
