"""School organisers (huvudmän), their school units and their users' memberships."""

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.concurrency import VersionedModel

from .orgnr import validate as validate_orgnr


class County(models.Model):
    code = models.CharField(_("county code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    code = models.CharField(_("municipality code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)
    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="municipalities"
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Pupil size bands: the same bands as Skolfederation's membership fees. (key, label, lowest,
# highest), both inclusive; the last band holds the organisers whose number is not known.
SIZE_BANDS: list[tuple[str, Any, int | None, int | None]] = [
    ("upto-100", _("Up to 100 pupils"), 0, 100),
    ("101-500", _("101–500 pupils"), 101, 500),
    ("501-5000", _("501–5 000 pupils"), 501, 5000),
    ("over-5000", _("More than 5 000 pupils"), 5001, None),
    ("unknown", _("Number of pupils not known"), None, None),
]


def size_band_of(pupils: int | None) -> str:
    """The key of the size band a number of pupils falls in."""
    for key, _label, low, high in SIZE_BANDS:
        if low is None:
            if pupils is None:
                return key
        elif pupils is not None and pupils >= low and (high is None or pupils <= high):
            return key
    return "unknown"


class PrincipalQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Principal.Status.ACTIVE)

    def public(self):
        return self.filter(organiser_type__in=Principal.PUBLIC_TYPES)


class Principal(VersionedModel):
    class OrganiserType(models.TextChoices):
        KOMMUN = "KOMMUN", _("Municipality")
        REGION = "REGION", _("Region")
        STAT = "STAT", _("The State")
        SAME = "SAME", _("Sami School Board")
        ENSKILD = "ENSKILD", _("Independent organiser")
        SPECIAL = "SPECIAL", _("Special organiser")
        KOMMFORB = "KOMMFORB", _("Association of local authorities")
        HMANUTL = "HMANUTL", _("Organiser abroad")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")

    PUBLIC_TYPES = (
        OrganiserType.KOMMUN,
        OrganiserType.REGION,
        OrganiserType.STAT,
        OrganiserType.SAME,
        OrganiserType.KOMMFORB,
    )

    organisation_number = models.CharField(
        _("organisation number"), max_length=11, unique=True, validators=[validate_orgnr]
    )
    name = models.CharField(_("name"), max_length=255)
    organiser_type = models.CharField(
        _("organiser type"), max_length=10, choices=OrganiserType.choices, db_index=True
    )
    municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("municipalities"), blank=True, related_name="principals"
    )
    county = models.ForeignKey(
        County,
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="principals",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    pupils = models.PositiveIntegerField(_("number of pupils"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    may_be_named = models.BooleanField(
        _("agrees to be named in reports"),
        default=False,
        help_text=_("Private organisers are only counted in public reports unless they agree."),
    )
    is_demo = models.BooleanField(_("demonstration data"), default=False)
    source = models.CharField(_("source"), max_length=100, blank=True)
    last_imported_at = models.DateTimeField(_("last imported"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PrincipalQuerySet.as_manager()

    class Meta:
        verbose_name = _("school organiser")
        verbose_name_plural = _("school organisers")
        ordering = ["name"]
        # Lists of organisers are sorted by name and show a page at a time.
        indexes = [models.Index(fields=["name"], name="principal_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.organiser_type in self.PUBLIC_TYPES


class SchoolUnit(models.Model):
    class Status(models.TextChoices):
        AKTIV = "AKTIV", _("Active")
        VILANDE = "VILANDE", _("Dormant")
        UPPHORT = "UPPHORT", _("Closed")
        PLANERAD = "PLANERAD", _("Planned")

    class UnitType(models.TextChoices):
        SKOLENHET = "SKOLENHET", _("School unit")
        CENTRAL = "CENTRAL", _("Central unit")
        UTLAND = "UTLAND", _("School abroad")

    class SchoolType(models.TextChoices):
        FKLASS = "FKLASS", _("Preschool class")
        FTH = "FTH", _("Leisure-time centre")
        OPPFTH = "OPPFTH", _("Open leisure-time activity")
        GR = "GR", _("Compulsory school")
        GRAN = "GRAN", _("Compulsory school for pupils with intellectual disabilities")
        SP = "SP", _("Special school")
        SAM = "SAM", _("Sami school")
        GY = "GY", _("Upper secondary school")
        GYAN = "GYAN", _("Upper secondary school for pupils with intellectual disabilities")
        VUX = "VUX", _("Adult education")

    code = models.CharField(_("school unit code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.AKTIV
    )
    unit_type = models.CharField(
        _("unit type"), max_length=10, choices=UnitType.choices, default=UnitType.SKOLENHET
    )
    school_types = models.JSONField(_("school types"), default=list, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="school_units",
    )
    principal = models.ForeignKey(
        Principal,
        verbose_name=_("school organiser"),
        on_delete=models.PROTECT,
        related_name="school_units",
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    in_register = models.BooleanField(
        _("in Skolverket's register"),
        default=True,
        help_text=_("Cleared when a full import no longer lists the unit; it is never deleted."),
    )
    source = models.CharField(_("source"), max_length=100, blank=True)
    last_imported_at = models.DateTimeField(_("last imported"), null=True, blank=True)

    class Meta:
        verbose_name = _("school unit")
        verbose_name_plural = _("school units")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def school_type_labels(self) -> list[str]:
        labels = dict(self.SchoolType.choices)
        return [str(labels.get(code, code)) for code in self.school_types]


class Membership(models.Model):
    """A user's link to a principal. Editors change the organiser's data; readers only read."""

    class Role(models.TextChoices):
        EDITOR = "editor", _("Editor")
        READER = "reader", _("Reader")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    principal = models.ForeignKey(
        Principal,
        verbose_name=_("school organiser"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.READER)
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "principal"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.principal} ({self.get_role_display()})"


INVITATION_VALID_DAYS = 7


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def usable(self):
        return self.pending().filter(expires_at__gt=timezone.now())

    def by_token(self, token: str):
        return self.filter(token_hash=hash_token(token))


class Invitation(models.Model):
    """An e-mailed, single-use link to become a member of a principal. Only the hash is kept."""

    email = models.EmailField(_("e-mail"))
    principal = models.ForeignKey(
        Principal,
        verbose_name=_("school organiser"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.READER
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.principal}"

    def new_token(self) -> str:
        """Give the invitation a fresh token and expiry; returns the token to e-mail."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.sent_at = timezone.now()
        self.expires_at = self.sent_at + timedelta(days=INVITATION_VALID_DAYS)
        return token

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class ImportBatch(models.Model):
    """An uploaded register file kept in the database between the dry run and the confirmation,
    so every app server and worker reads the same file; a worker checks it and applies it."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        PLANNED = "planned", _("Checked, not yet imported")
        APPLIED = "applied", _("Imported")
        FAILED = "failed", _("Not imported")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    full = models.BooleanField(_("full import"), default=False)
    skip_invalid = models.BooleanField(_("skip invalid records"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    report = models.JSONField(_("report"), default=dict)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_at = models.DateTimeField(_("imported"), null=True, blank=True)
    # The latest background job for the file (its check, then its import): the page shows it,
    # and a second confirmation is refused while it is queued or running.
    job = models.ForeignKey(
        "portal.Job",
        verbose_name=_("latest job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d %H:%M})"
