"""People and keys (a firm administrator's pages) and the public invitation page."""

from django.urls import path

from . import views_people as v

app_name = "people"
urlpatterns = [
    path("firm/people/", v.people, name="home"),
    path(
        "firm/people/invitations/<int:pk>/revoke/",
        v.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("firm/people/members/<int:pk>/remove/", v.member_remove_view, name="member_remove"),
    path("firm/api-tokens/", v.api_tokens, name="tokens"),
    path("firm/api-tokens/<int:pk>/revoke/", v.api_token_revoke_view, name="token_revoke"),
    path("invite/<str:token>/", v.invite_accept, name="invite_accept"),
]
