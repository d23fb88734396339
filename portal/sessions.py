"""How a portal session came to be (stored with a signature) and the client's sign-in user."""
from firms.roles import Role

AUTH_KEY = "portal_auth_method"


def client_user_ensure(*, client):
    """The client's user, created (no usable password) the first time they open a link."""
    if client.user_id is not None:
        return client.user
    from firms.services import member_create

    member = member_create(firm=client.firm, email=client.email, role=Role.CLIENT, name=client.name)
    client.user = member.user
    client.save(update_fields=["user"])
    return member.user
