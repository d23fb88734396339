"""The tenant (Firm), its members, and the append-only audit log."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django_scopes import ScopedManager

from firms.choices import Role


def time_zone_validate(value: str) -> None:
    """An IANA time zone name the server knows."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name (e.g. America/New_York).")


def firm_zone(firm):
    """The firm's time zone (a ZoneInfo) for showing times; America/New_York if unset."""
    name = getattr(firm, "time_zone", "") or "America/New_York"
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("America/New_York")


class Firm(models.Model):
    """A tenant: one advisory firm. Every firm-owned row points here."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    require_mfa_for_staff = models.BooleanField(
        default=False, help_text="Staff must set up an authenticator app before using the product."
    )
    brand_color = models.CharField(max_length=7, default="#1f4e79")
    time_zone = models.CharField(
        max_length=64,
        default="America/New_York",
        db_default="America/New_York",
        validators=[time_zone_validate],
        help_text="IANA name (e.g. America/Chicago): staff pages, PDFs and evidence show times "
        "in it; storage stays UTC.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class FirmOwned(models.Model):
    """Base of every tenant-owned model.

    The default manager is django-scopes' ScopedManager: any query made with no active firm
    scope raises. PostgreSQL row-level security (firms.services.db_security) backs it up: every
    concrete subclass gets ENABLE + FORCE RLS and a policy on the firm id set per scope.
    """

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager(firm="firm")

    class Meta:
        abstract = True


class Membership(FirmOwned):
    """A user's one firm and role. A client user's Client record points back at the user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    objects = ScopedManager(firm="firm")
    # Used only by firms.services.tenancy.membership_for_user, before any firm is known; RLS still
    # limits it to the user's own row (policy clause on app.user_id).
    resolver = models.Manager()

    class Meta:
        indexes = [models.Index(fields=["firm", "role"])]

    def __str__(self):
        return f"{self.display_name} ({self.get_role_display()})"

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.email

    @property
    def is_staff_role(self) -> bool:
        return self.role != Role.CLIENT


class AuditEntry(FirmOwned):
    """One line of the audit trail. The database refuses UPDATE, DELETE and TRUNCATE on this
    table (triggers, and the app role holds only INSERT and SELECT); each entry carries the
    SHA-256 of its predecessor in the firm's chain, so an edit by the owner is detectable."""

    seq = models.BigIntegerField()
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=200, blank=True)
    event = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # 1: plain SHA-256 (entries written before the keyed hash arrived); 2: HMAC-SHA256 with
    # AUDIT_HMAC_KEY, a key the database does not hold. Once a firm's chain has a version-2
    # entry, every later one must be version 2 (firms.services.audit.audit_verify).
    version = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "seq"], name="audit_seq_unique_per_firm")
        ]
        indexes = [models.Index(fields=["firm", "event", "created_at"])]
        ordering = ["seq"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"#{self.seq} {self.event}"


class AuditHead(FirmOwned):
    """A published, signed head of a firm's audit chain (firms.services.audit): the chain must
    still hold entry `seq` with this `hash`, and at least `count` entries. Append-only; the
    database refuses a head whose seq is below the firm's last one (trigger)."""

    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    count = models.BigIntegerField()
    published_at = models.DateTimeField()
    signature = models.CharField(max_length=64)  # HMAC-SHA256 of the four fields above

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "seq"], name="audit_head_seq_unique_per_firm")
        ]
        ordering = ["seq"]

    def __str__(self):
        return f"head #{self.seq} ({self.published_at:%Y-%m-%d})"


class ApiToken(models.Model):
    """An API token, stored as its SHA-256 only: the database never holds a
    key that could be replayed. The key is shown once, when created (firms.services.api_tokens)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(
        max_length=8, help_text="The key's first characters, to tell tokens apart."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # db_default: rows written by SQL (the migration that hashed DRF's tokens) get them too.
    name = models.CharField(
        max_length=100, blank=True, db_default="", help_text="What the token is for."
    )
    # The role the token acts with (the role matrix limits it as it limits a member holding
    # it); empty: the member's own role. Never more than the member's own role allows.
    role = models.CharField(max_length=32, choices=Role.choices, blank=True, db_default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.prefix}… ({self.user})"


class Invitation(FirmOwned):
    """An emailed invitation to join the firm: staff with a role, or a client linked to their
    client record. The email carries a signed, expiring token; only its SHA-256 is stored
    (firms.services.invitations). Accepting sets a password and creates the member."""

    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices)
    client = models.ForeignKey(
        "portfolios.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["firm", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="client", client__isnull=False)
                | (~models.Q(role="client") & models.Q(client__isnull=True)),
                name="invitation_client_iff_client_role",
            )
        ]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()})"

    def status_at(self, now) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        return "pending"
