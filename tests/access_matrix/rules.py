"""The declared access rules: one (or more) per URL pattern, each with an expectation per role.

Outcomes: OK (200), REDIRECT (302 anywhere but a login page), LOGIN (302 to the portal's login
page with ?next=<this URL>), ADMIN_LOGIN (302 to the admin's login with ?next=), FORBIDDEN
(403), NOT_FOUND (404), NOT_ALLOWED (405). In rules about one principal's objects (`scoped`),
a pair (own, other) gives the outcome against principal A's object and against B's: the
organiser roles of the matrix are members of A only.

POST-only endpoints are sent an empty or harmless POST aimed at an object the service refuses to
change (see world.py), so a request that is let through answers with its redirect and nothing
is written; the test checks the database afterwards. The one exception is marked `mutates`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

OK = "200"
REDIRECT = "302"
LOGIN = "302 to login"
ADMIN_LOGIN = "302 to admin login"
FORBIDDEN = "403"
NOT_FOUND = "404"
NOT_ALLOWED = "405"

ROLES = ("anonymous", "reader_a", "editor_a", "staff", "lead", "government", "admin")
ORGANISER_ROLES = ("reader_a", "editor_a")


@dataclass(frozen=True)
class Rule:
    name: str  # URL name, or for the admin a label of the group
    expect: dict
    args: Callable = lambda w, owner: {}
    method: str = "get"
    data: dict = field(default_factory=dict)
    scoped: bool = False  # the object belongs to a principal: tried against A's and B's
    variant: str = ""  # a second rule for the same URL, e.g. an invalid token
    mutates: bool = False  # an allowed request changes data: a fresh object per cell
    gone: Callable | None = None  # for `mutates`: did the request remove the object?
    covers: str = ""  # admin groups: regular expression over the pattern keys
    path: Callable | None = None  # admin groups: the representative path
    names_principal: bool = False  # the page may name the principal (e.g. to a token holder)
    creates: str = ""  # a model an allowed request adds a row to (a job), and nothing else

    @property
    def label(self) -> str:
        return f"{self.name} ({self.variant})" if self.variant else self.name

    def expected(self, role: str, owner: str | None) -> str:
        value = self.expect[role]
        if isinstance(value, tuple):
            return value[0] if owner == "A" else value[1]
        return value


def expect(
    *,
    anonymous=LOGIN,
    organiser=FORBIDDEN,
    reader=None,
    editor=None,
    government=FORBIDDEN,
    staff=OK,
    lead=None,
    admin=None,
) -> dict:
    """Organiser roles default to `organiser`; programme lead and administrator to `staff`."""
    return {
        "anonymous": anonymous,
        "reader_a": organiser if reader is None else reader,
        "editor_a": organiser if editor is None else editor,
        "staff": staff,
        "lead": staff if lead is None else lead,
        "government": government,
        "admin": staff if admin is None else admin,
    }


EVERYONE = dict.fromkeys(ROLES, OK)
LOGGED_IN = expect(organiser=OK, government=OK)
STAFF_ONLY = expect()  # staff, lead and administrator; organisers and the Government 403
STAFF_POST = expect(staff=REDIRECT)  # let through, refused by the service, redirected
PROGRAMME_READ = expect(government=OK)  # view_programme / view_aggregates
PRINCIPAL_VIEW = expect(organiser=(OK, NOT_FOUND), government=NOT_FOUND)
PRINCIPAL_EDIT = expect(reader=(FORBIDDEN, NOT_FOUND), editor=(OK, NOT_FOUND), government=NOT_FOUND)
# An organiser's own answers: members and programme staff; the Government never (403).
ANSWERS_VIEW = expect(organiser=(OK, NOT_FOUND))
OWNER_ONLY = expect(organiser=NOT_FOUND, government=NOT_FOUND, staff=NOT_FOUND)


def pk(key):
    return lambda w, owner: {"pk": w.objects[key].pk}


def owned_pk(key):
    return lambda w, owner: {"pk": w.objects[key][owner].pk}


def principal_pk(w, owner):
    return {"pk": w.principals[owner].pk}


def assessment(w, owner, **extra):
    return {"principal_pk": w.principals[owner].pk, "round_pk": w.objects["open_round"].pk, **extra}


def api_args(name):
    """Path parameters of an API v1 URL: the principal's organisation number, the round's code."""

    def args(w, owner):
        from django.utils.text import slugify

        found = {}
        if name.startswith(("organiser-", "assessment")) or name == "organiser":
            found["organisation_number"] = w.principals[owner].organisation_number
        if name.startswith(("assessment", "round-")) or name == "round":
            found["round_code"] = slugify(w.objects["open_round"].name)
        return found

    return args


def report_section(key):
    return lambda w, owner: {"pk": w.objects[key].pk, "section_pk": w.objects["section"].pk}


def _fresh_membership(w, owner):
    from tests.principals.factories import MembershipFactory

    membership = MembershipFactory(principal=w.principals[owner], role="reader")
    return {"pk": membership.pk}


def _membership_gone(kwargs) -> bool:
    from principals.models import Membership

    return not Membership.objects.filter(pk=kwargs["pk"]).exists()


RULES = [
    # ---------------------------------------------------------------- accounts
    Rule("login", expect(anonymous=OK, organiser=REDIRECT, government=REDIRECT, staff=REDIRECT)),
    Rule("logout", dict.fromkeys(ROLES, REDIRECT), method="post"),
    Rule("password_change", LOGGED_IN),
    Rule("password_change_done", LOGGED_IN),
    Rule("password_reset", EVERYONE),
    Rule("password_reset_done", EVERYONE),
    # An unknown link shows the "invalid link" page to anyone.
    Rule(
        "password_reset_confirm",
        EVERYONE,
        args=lambda w, owner: {"uidb64": "MQ", "token": "fel-lank"},
    ),
    Rule("password_reset_complete", EVERYONE),
    Rule("twofactor", LOGGED_IN),
    Rule("twofactor-setup", LOGGED_IN),
    # Without a confirmed device there is nothing to verify: on to the setup page.
    Rule(
        "twofactor-verify",
        expect(organiser=REDIRECT, government=REDIRECT, staff=REDIRECT),
    ),
    Rule("twofactor-disable", LOGGED_IN, method="post"),  # an empty code: the form again
    # No role here needs two steps (the setting is off) and no one has a device: the e-mailed
    # code is not needed before setup, and there is no lost device to replace.
    Rule(
        "twofactor-email",
        expect(organiser=REDIRECT, government=REDIRECT, staff=REDIRECT),
    ),
    Rule(
        "twofactor-recover",
        expect(organiser=REDIRECT, government=REDIRECT, staff=REDIRECT),
    ),
    Rule("set-language", dict.fromkeys(ROLES, REDIRECT), method="post"),
    # ---------------------------------------------------------------- portal
    Rule("portal:start", expect(organiser=REDIRECT, government=REDIRECT, staff=REDIRECT)),
    Rule("portal:staff-home", STAFF_ONLY),
    Rule("portal:government-home", PROGRAMME_READ),
    Rule("portal:accessibility", EVERYONE),
    Rule("portal:healthz", EVERYONE),
    Rule("portal:job-list", LOGGED_IN),
    # A job and its file are its owner's only; the matrix's job belongs to someone else.
    Rule(
        "portal:job-detail",
        expect(organiser=NOT_FOUND, government=NOT_FOUND, staff=NOT_FOUND),
        args=pk("job"),
    ),
    Rule(
        "portal:job-state",
        expect(organiser=NOT_FOUND, government=NOT_FOUND, staff=NOT_FOUND),
        args=pk("job"),
    ),
    Rule(
        "portal:job-file",
        expect(organiser=NOT_FOUND, government=NOT_FOUND, staff=NOT_FOUND),
        args=pk("job"),
    ),
    # ---------------------------------------------------------------- principals
    Rule("principals:home", expect(organiser=REDIRECT, government=OK)),
    Rule("principals:principal-list", STAFF_ONLY),
    Rule("principals:principal-export", STAFF_ONLY),
    Rule("principals:principal-detail", PRINCIPAL_VIEW, args=principal_pk, scoped=True),
    Rule("principals:principal-update", PRINCIPAL_EDIT, args=principal_pk, scoped=True),
    Rule("principals:invitation-create", STAFF_ONLY, args=principal_pk, scoped=True),
    Rule(
        "principals:invitation-resend",
        STAFF_POST,
        args=owned_pk("revoked_invitation"),
        method="post",
        scoped=True,
    ),
    Rule(
        "principals:invitation-revoke",
        STAFF_POST,
        args=owned_pk("revoked_invitation"),
        method="post",
        scoped=True,
    ),
    Rule(
        "principals:membership-delete",
        expect(staff=REDIRECT),
        args=_fresh_membership,
        method="post",
        scoped=True,
        mutates=True,
        gone=_membership_gone,
    ),
    # The link in the e-mail is the credential: anyone holding it sees the acceptance page.
    Rule(
        "principals:invitation-accept",
        EVERYONE,
        args=lambda w, owner: {"token": w.tokens[owner]},
        scoped=True,
        names_principal=True,
    ),
    Rule(
        "principals:invitation-accept",
        dict.fromkeys(ROLES, NOT_FOUND),
        args=lambda w, owner: {"token": "okand-lank"},
        variant="unknown token",
    ),
    Rule("principals:import-upload", STAFF_ONLY),
    # An upload is seen and applied only by the person who uploaded it (here: staff).
    Rule(
        "principals:import-detail",
        expect(lead=NOT_FOUND, admin=NOT_FOUND),
        args=pk("import_batch"),
    ),
    Rule(
        "principals:import-apply",
        expect(staff=REDIRECT, lead=NOT_FOUND, admin=NOT_FOUND),
        args=pk("import_batch"),
        method="post",
    ),
    # ---------------------------------------------------------------- agreement
    Rule("agreement:agreement-list", PROGRAMME_READ),
    Rule("agreement:agreement-create", STAFF_ONLY),
    Rule("agreement:agreement-detail", PROGRAMME_READ, args=pk("agreement")),
    Rule("agreement:agreement-update", STAFF_ONLY, args=pk("agreement")),
    Rule("agreement:agreement-delete", STAFF_ONLY, args=pk("agreement")),
    Rule(
        "agreement:fundingyear-create",
        STAFF_ONLY,
        args=lambda w, owner: {"agreement_pk": w.objects["agreement"].pk},
    ),
    Rule("agreement:fundingyear-update", STAFF_ONLY, args=pk("funding_year")),
    Rule("agreement:fundingyear-delete", STAFF_ONLY, args=pk("funding_year")),
    Rule(
        "agreement:commitment-create",
        STAFF_ONLY,
        args=lambda w, owner: {"agreement_pk": w.objects["agreement"].pk},
    ),
    Rule("agreement:commitment-update", STAFF_ONLY, args=pk("commitment")),
    Rule("agreement:commitment-delete", STAFF_ONLY, args=pk("commitment")),
    Rule(
        "agreement:activity-create",
        STAFF_ONLY,
        args=lambda w, owner: {"agreement_pk": w.objects["agreement"].pk},
    ),
    Rule("agreement:initiative-list", PROGRAMME_READ),
    Rule("agreement:initiative-create", STAFF_ONLY),
    Rule("agreement:initiative-detail", PROGRAMME_READ, args=pk("initiative")),
    Rule("agreement:initiative-update", STAFF_ONLY, args=pk("initiative")),
    Rule("agreement:partner-list", PROGRAMME_READ),
    Rule("agreement:partner-create", STAFF_ONLY),
    Rule("agreement:partner-detail", PROGRAMME_READ, args=pk("partner")),
    Rule("agreement:partner-update", STAFF_ONLY, args=pk("partner")),
    Rule("agreement:partner-delete", STAFF_ONLY, args=pk("partner")),
    Rule("agreement:activity-list", PROGRAMME_READ),
    Rule("agreement:activity-detail", PROGRAMME_READ, args=pk("activity")),
    Rule("agreement:activity-update", STAFF_ONLY, args=pk("activity")),
    Rule("agreement:activity-delete", STAFF_ONLY, args=pk("activity")),
    # "Restore" on an activity that is not archived: let through, nothing to do.
    Rule(
        "agreement:activity-archive",
        STAFF_POST,
        args=pk("activity"),
        method="post",
        data={"restore": "1"},
    ),
    Rule(
        "agreement:milestone-create",
        STAFF_ONLY,
        args=lambda w, owner: {"activity_pk": w.objects["activity"].pk},
    ),
    Rule("agreement:milestone-update", STAFF_ONLY, args=pk("milestone")),
    Rule("agreement:milestone-delete", STAFF_ONLY, args=pk("milestone")),
    Rule(
        "agreement:deliverable-create",
        STAFF_ONLY,
        args=lambda w, owner: {"activity_pk": w.objects["activity"].pk},
    ),
    Rule("agreement:deliverable-update", STAFF_ONLY, args=pk("deliverable")),
    Rule("agreement:deliverable-delete", STAFF_ONLY, args=pk("deliverable")),
    Rule(
        "agreement:cost-create",
        STAFF_ONLY,
        args=lambda w, owner: {"activity_pk": w.objects["activity"].pk},
    ),
    Rule("agreement:cost-update", STAFF_ONLY, args=pk("cost")),
    Rule("agreement:cost-delete", STAFF_ONLY, args=pk("cost")),
    Rule(
        "agreement:progressupdate-create",
        STAFF_ONLY,
        args=lambda w, owner: {"activity_pk": w.objects["activity"].pk},
    ),
    # ---------------------------------------------------------------- readiness
    Rule("readiness:round-list", STAFF_ONLY),
    Rule("readiness:round-create", STAFF_ONLY),
    Rule("readiness:round-detail", STAFF_ONLY, args=pk("open_round")),
    # A closed round: reminders and closing are refused with a message.
    Rule("readiness:round-remind", STAFF_POST, args=pk("closed_round"), method="post"),
    Rule("readiness:round-close", STAFF_POST, args=pk("closed_round"), method="post"),
    Rule("readiness:round-extend", STAFF_POST, args=pk("open_round"), method="post"),
    # An open round cannot be opened again.
    Rule("readiness:round-open", STAFF_POST, args=pk("open_round"), method="post"),
    Rule("readiness:framework-list", STAFF_ONLY),
    Rule("readiness:framework-detail", STAFF_ONLY, args=pk("framework")),
    Rule("readiness:framework-copy", STAFF_POST, args=pk("framework"), method="post"),
    # Already published: refused with a message.
    Rule("readiness:framework-publish", STAFF_POST, args=pk("framework"), method="post"),
    Rule(
        "readiness:indicator-edit",
        STAFF_ONLY,
        args=lambda w, owner: {"pk": w.objects["draft_indicator"].pk},
    ),
    Rule("readiness:assessment-detail", ANSWERS_VIEW, args=assessment, scoped=True),
    # Only the organiser's own editors fill in; programme staff read and return.
    Rule(
        "readiness:assessment-edit",
        expect(reader=(FORBIDDEN, NOT_FOUND), editor=(OK, NOT_FOUND), staff=FORBIDDEN),
        args=assessment,
        scoped=True,
    ),
    Rule(
        "readiness:assessment-review",
        expect(reader=(FORBIDDEN, NOT_FOUND), editor=(OK, NOT_FOUND), staff=FORBIDDEN),
        args=assessment,
        scoped=True,
    ),
    Rule(
        "readiness:assessment-receipt",
        ANSWERS_VIEW,
        args=lambda w, owner: assessment(w, owner, number=1),
        scoped=True,
    ),
    Rule("readiness:assessment-history", ANSWERS_VIEW, args=assessment, scoped=True),
    Rule("readiness:assessment-action-plan", ANSWERS_VIEW, args=assessment, scoped=True),
    Rule("readiness:assessment-export-csv", ANSWERS_VIEW, args=assessment, scoped=True),
    # Starts a job that makes the PDF (the job page is its owner's only: portal rules).
    Rule(
        "readiness:assessment-export-pdf",
        expect(organiser=(REDIRECT, NOT_FOUND), staff=REDIRECT),
        args=assessment,
        method="post",
        scoped=True,
        creates="portal.Job",
    ),
    # Without a comment the return is refused; the round permission is checked first.
    Rule("readiness:assessment-return", STAFF_POST, args=assessment, method="post", scoped=True),
    # ---------------------------------------------------------------- reporting: dashboards
    Rule("reporting:readiness-dashboard", PROGRAMME_READ),
    Rule(
        "reporting:readiness-export",
        PROGRAMME_READ,
        args=lambda w, owner: {"table": "sammanfattning", "fmt": "csv"},
    ),
    # The confirmation page; the round is published already, so a POST would change nothing.
    Rule("reporting:round-publish", STAFF_ONLY, args=pk("closed_round")),
    Rule("reporting:programme-dashboard", PROGRAMME_READ),
    Rule(
        "reporting:programme-export",
        PROGRAMME_READ,
        args=lambda w, owner: {"table": "ar", "fmt": "csv"},
    ),
    Rule("reporting:opendata", EVERYONE),
    Rule("reporting:opendata-readiness", EVERYONE, args=lambda w, owner: {"fmt": "json"}),
    Rule("reporting:opendata-programme", EVERYONE, args=lambda w, owner: {"fmt": "csv"}),
    Rule("reporting:opendata-schema", EVERYONE),
    # ---------------------------------------------------------------- api: keys and v1
    # The key pages are session pages: an organiser's editors and programme staff. Revoking an
    # already revoked key is refused by the service and redirects. The API itself ignores the
    # session: without a key it answers 401 (tests/api/test_access.py walks it with keys).
    Rule("api:key-list", expect(organiser=FORBIDDEN, editor=OK)),
    Rule("api:key-create", expect(organiser=FORBIDDEN, editor=OK)),
    Rule(
        "api:key-revoke",
        expect(editor=(REDIRECT, NOT_FOUND), staff=REDIRECT),
        args=owned_pk("revoked_api_key"),
        method="post",
        scoped=True,
    ),
    Rule("api:docs", EVERYONE),
    Rule("api:v1:api-root", dict.fromkeys(ROLES, NOT_FOUND)),
    Rule("api:not-found", dict.fromkeys(ROLES, NOT_FOUND)),
    Rule("api:v1:openapi-json", EVERYONE),
    Rule("api:v1:opendata-readiness", EVERYONE),
    Rule("api:v1:opendata-rounds", EVERYONE),
    Rule("api:v1:opendata-funding", EVERYONE),
    *(
        Rule(f"api:v1:{name}", dict.fromkeys(ROLES, "401"), args=api_args(name))
        for name in (
            "organiser",
            "organiser-school-units",
            "organiser-members",
            "assessment-framework",
            "assessment",
            "assessment-versions",
            "assessment-diff",
            "assessment-action-plan",
            "organisers",
            "rounds",
            "round",
            "round-reminders",
            "activities",
        )
    ),
    Rule(
        "api:v1:assessment-draft",
        dict.fromkeys(ROLES, NOT_ALLOWED),
        args=api_args("assessment-draft"),
    ),
    Rule(
        "api:v1:assessment-submission",
        dict.fromkeys(ROLES, "401"),
        args=api_args("assessment-submission"),
        method="post",
    ),
    # ---------------------------------------------------------------- reporting: final report
    Rule("reporting:report-list", STAFF_ONLY),
    # The agreement already has a report: starting it again returns the existing one.
    Rule(
        "reporting:report-create",
        STAFF_POST,
        args=lambda w, owner: {"agreement_pk": w.objects["agreement"].pk},
        method="post",
    ),
    Rule("reporting:report-detail", STAFF_ONLY, args=pk("report")),
    Rule("reporting:report-preview", STAFF_ONLY, args=pk("report")),
    Rule("reporting:report-pdf", STAFF_ONLY, args=pk("submitted_report")),
    Rule("reporting:report-xlsx", STAFF_ONLY, args=pk("report")),
    Rule("reporting:report-transition", STAFF_POST, args=pk("report"), method="post"),
    # Approving and submitting is the programme lead's (no version: refused as stale).
    Rule(
        "reporting:report-submit",
        expect(staff=FORBIDDEN, lead=REDIRECT, admin=REDIRECT),
        args=pk("report"),
        method="post",
    ),
    Rule("reporting:report-compare", STAFF_ONLY, args=pk("submitted_report")),
    Rule(
        "reporting:submitted-download",
        STAFF_ONLY,
        args=lambda w, owner: {"pk": w.objects["submitted_report"].pk, "kind": "json"},
    ),
    # The submitted report's archival package: made already (world.py), so a request is
    # refused; a download is recorded as an event.
    Rule("reporting:archive-start", STAFF_POST, args=pk("submitted_report"), method="post"),
    Rule(
        "reporting:archive-download",
        STAFF_ONLY,
        args=pk("submitted_report"),
        creates="portal.AuditEvent",
    ),
    Rule("reporting:section-create", STAFF_POST, args=pk("report"), method="post"),
    Rule("reporting:section-update", STAFF_ONLY, args=report_section("report")),
    # The last fixed section: moving it down and removing it are refused.
    Rule("reporting:section-move", STAFF_POST, args=report_section("report"), method="post"),
    Rule("reporting:section-delete", STAFF_POST, args=report_section("report"), method="post"),
    # ---------------------------------------------------------------- federated login
    Rule("federation:discovery", EVERYONE),
    # Out of the portal; without a SAML login there is no single logout to continue to.
    Rule("federation:logout", dict.fromkeys(ROLES, REDIRECT), method="post"),
    Rule("federation:account", LOGGED_IN),
    Rule(
        "federation:link-start",
        expect(organiser=REDIRECT, government=REDIRECT, staff=REDIRECT),
        method="post",
    ),
    # A user's own identities, rules and requests only: the matrix has none (404).
    Rule(
        "federation:unlink",
        expect(organiser=NOT_FOUND, government=NOT_FOUND, staff=NOT_FOUND),
        args=lambda w, owner: {"pk": 999999},
        method="post",
    ),
    Rule(
        "federation:access-request-create",
        expect(organiser=NOT_FOUND, government=NOT_FOUND, staff=NOT_FOUND),
        args=lambda w, owner: {"pk": 999999},
        method="post",
    ),
    Rule(
        "federation:invitation-accept",
        expect(organiser=NOT_FOUND, government=NOT_FOUND, staff=NOT_FOUND),
        args=lambda w, owner: {"token": "fel-lank"},
    ),
    Rule("federation:access-requests", STAFF_ONLY),
    Rule(
        "federation:access-request-decide",
        expect(staff=NOT_FOUND),
        args=lambda w, owner: {"pk": 999999},
        method="post",
    ),
    # The SAML endpoints: without a chosen IdP, on to the list of login services.
    Rule("saml2_login", dict.fromkeys(ROLES, REDIRECT)),
    Rule("saml2_acs", dict.fromkeys(ROLES, NOT_ALLOWED)),
    Rule("saml2_ls", dict.fromkeys(ROLES, NOT_FOUND)),
    Rule("saml2_ls_post", dict.fromkeys(ROLES, NOT_FOUND)),
    Rule("saml2_metadata", EVERYONE),
    # e-legitimation (OIDC): off in the matrix (no broker configured), so nothing is there.
    Rule("eid:login", dict.fromkeys(ROLES, NOT_FOUND)),
    Rule("eid:callback", dict.fromkeys(ROLES, NOT_FOUND)),
    Rule(
        "eid:link-start",
        expect(organiser=NOT_FOUND, government=NOT_FOUND, staff=NOT_FOUND),
        method="post",
    ),
    # Staff compare self-assessed login answers with the federations' metadata (read only).
    Rule("reporting:idp-comparison", STAFF_ONLY),
]


# ---------------------------------------------------------------- the Django admin, by group

ADMIN_ONLY = {**dict.fromkeys(ROLES, ADMIN_LOGIN), "admin": OK}


def _admin(name, **kwargs):
    from django.urls import reverse

    return lambda w: reverse(f"admin:{name}", kwargs=kwargs or None)


def _agreement_admin(suffix):
    from django.urls import reverse

    return lambda w: reverse(
        f"admin:agreement_agreement_{suffix}", args=[w.objects["agreement"].pk]
    )


def _view_on_site(w):
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    agreement = w.objects["agreement"]
    content_type = ContentType.objects.get_for_model(agreement)
    return reverse("admin:view_on_site", args=[content_type.pk, agreement.pk])


def _device_admin(view):
    from django.urls import reverse

    return lambda w: reverse(
        f"admin:otp_totp_totpdevice_{view}", args=[w.objects["totp_device"].pk]
    )


def _agreement_redirect(w):
    from django.urls import reverse

    return reverse("admin:agreement_agreement_changelist") + f"{w.objects['agreement'].pk}/"


def _unknown_admin_page(w):
    from django.urls import reverse

    return reverse("admin:index") + "finns-inte/"


ADMIN_RULES = [
    Rule("admin index", ADMIN_ONLY, covers=r"admin:index", path=_admin("index")),
    # Logged-in users without admin rights see the login form with a notice; admins go on.
    Rule(
        "admin login",
        {**dict.fromkeys(ROLES, OK), "admin": REDIRECT},
        covers=r"admin:login",
        path=_admin("login"),
    ),
    Rule(
        "admin logout",
        dict.fromkeys(ROLES, REDIRECT),
        method="post",
        covers=r"admin:logout",
        path=_admin("logout"),
    ),
    Rule(
        "admin password change",
        ADMIN_ONLY,
        covers=r"admin:password_change",
        path=_admin("password_change"),
    ),
    Rule(
        "admin password change done",
        ADMIN_ONLY,
        covers=r"admin:password_change_done",
        path=_admin("password_change_done"),
    ),
    # Without a field to complete, even an administrator's request is refused.
    Rule(
        "admin autocomplete",
        {**ADMIN_ONLY, "admin": FORBIDDEN},
        covers=r"admin:autocomplete",
        path=_admin("autocomplete"),
    ),
    Rule("admin jsi18n", ADMIN_ONLY, covers=r"admin:jsi18n", path=_admin("jsi18n")),
    Rule(
        "admin view on site",
        {**ADMIN_ONLY, "admin": REDIRECT},
        covers=r"admin:view_on_site",
        path=_view_on_site,
    ),
    Rule(
        "admin app index",
        ADMIN_ONLY,
        covers=r"admin:app_list",
        path=_admin("app_list", app_label="agreement"),
    ),
    Rule(
        "admin changelists",
        ADMIN_ONLY,
        covers=r"admin:\w+_changelist",
        path=_admin("agreement_agreement_changelist"),
    ),
    Rule(
        "admin add forms",
        ADMIN_ONLY,
        covers=r"admin:\w+_add",
        path=_admin("agreement_agreement_add"),
    ),
    Rule(
        "admin change forms",
        ADMIN_ONLY,
        covers=r"admin:(?!password_change$)\w+_change",
        path=_agreement_admin("change"),
    ),
    Rule(
        "admin delete confirmations",
        ADMIN_ONLY,
        covers=r"admin:\w+_delete",
        path=_agreement_admin("delete"),
    ),
    Rule(
        "admin history",
        ADMIN_ONLY,
        covers=r"admin:\w+_history",
        path=_agreement_admin("history"),
    ),
    Rule(
        "admin object redirects",
        {**ADMIN_ONLY, "admin": REDIRECT},
        covers=r"route:[\w/]+/<path:object_id>/",
        path=_agreement_redirect,
    ),
    # OTP_ADMIN_HIDE_SENSITIVE_DATA: a device's secret is never shown, not even to an admin.
    Rule(
        "admin two-step device config",
        {**ADMIN_ONLY, "admin": FORBIDDEN},
        covers=r"admin:otp_totp_totpdevice_config",
        path=_device_admin("config"),
    ),
    Rule(
        "admin two-step device QR code",
        {**ADMIN_ONLY, "admin": FORBIDDEN},
        covers=r"admin:otp_totp_totpdevice_qrcode",
        path=_device_admin("qrcode"),
    ),
    Rule(
        "admin unknown pages",
        {**ADMIN_ONLY, "admin": NOT_FOUND},
        covers=r"route:.*\(\?P<url>\.\*\)\$",
        path=_unknown_admin_page,
    ),
]
