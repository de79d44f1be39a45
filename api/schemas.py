"""The API's shapes (OpenAPI 3.1 through django-ninja). Field names are camelCase (DIGG's
profile); the open data's records keep the open-data files' field names (docs/open-data.md)."""

import datetime
from typing import Any

from ninja import Field, Schema


class ProblemOut(Schema):
    type: str = Field(examples=["urn:skoldigistod:api:problem:not-found"])
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


class ReadinessRecord(Schema):
    round: str
    round_opens: datetime.date
    round_closes: datetime.date
    round_published: datetime.date
    breakdown: str
    group_code: str
    group_name: str
    group_members: str
    measure: str
    indicator_code: str
    indicator_question: str
    answer_code: str
    answer_label: str
    organisers: int | None
    base: int | None
    share_percent: float | None
    mean: float | None
    suppressed: bool
    suppression_reason: str


class FundingRecord(Schema):
    agreement: str
    year: int
    allocated_sek: float
    budgeted_sek: float
    spent_sek: float
    remaining_sek: float


class Page(Schema):
    """Kolada's shape: how many in all, this page's values, and where the next page is."""

    count: int = Field(description="Number of values in the whole list")
    nextPage: str | None = Field(description="Address of the next page; null on the last")
    nextPageToken: str | None = Field(description="pageToken for the next page")


class ReadinessPage(Page):
    values: list[ReadinessRecord]


class FundingPage(Page):
    values: list[FundingRecord]


class PublishedRound(Schema):
    code: str
    name: str
    opens: datetime.date
    closes: datetime.date
    published: datetime.date


class PublishedRounds(Schema):
    count: int
    values: list[PublishedRound]


class SchoolUnitOut(Schema):
    code: str
    name: str
    status: str
    unitType: str
    schoolTypes: list[str]
    municipalityCode: str | None
    startDate: datetime.date | None
    endDate: datetime.date | None


class SchoolUnitPage(Page):
    values: list[SchoolUnitOut]


class OrganiserOut(Schema):
    organisationNumber: str
    name: str
    organiserType: str
    status: str
    countyCode: str | None
    municipalityCodes: list[str]
    pupils: int | None
    updated: datetime.datetime


class OrganiserPage(Page):
    values: list[OrganiserOut]


class MemberOut(Schema):
    name: str
    role: str
    memberSince: datetime.datetime


class MemberPage(Page):
    values: list[MemberOut]


class IndicatorOut(Schema):
    code: str
    area: str
    question: str
    helpText: str
    answerType: str
    options: list[dict[str, str]] = Field(description="[{value, label}] for choice questions")
    required: bool
    minValue: int | None
    maxValue: int | None
    initiative: int
    tags: list[str]


class FrameworkOut(Schema):
    name: str
    round: str
    indicators: list[IndicatorOut]


class Answer(Schema):
    value: Any = Field(
        None,
        description="As the form takes it: an option's value, a list of them, a whole number, "
        "or text; null when not answered",
    )
    comment: str = ""


class ProgressOut(Schema):
    answered: int
    total: int
    requiredLeft: int


class VersionRef(Schema):
    submission: int | None = Field(description="1, 2, … for submissions; null for a draft")
    kind: str
    created: datetime.datetime
    createdBy: str
    answers: dict[str, Answer]


class AssessmentOut(Schema):
    organisationNumber: str
    round: str
    state: str
    version: int = Field(description="Send it back in If-Match to save or submit")
    editable: bool
    progress: ProgressOut
    draft: VersionRef | None
    current: VersionRef | None
    returnedComment: str


class DraftIn(Schema):
    answers: dict[str, Any] = Field(
        description="Every answer of the draft by indicator code: {value, comment}",
        examples=[{"idp": {"value": "own", "comment": ""}}],
    )


class SubmissionOut(Schema):
    submission: int
    version: int
    submitted: datetime.datetime


class VersionSummary(Schema):
    submission: int | None
    kind: str
    created: datetime.datetime
    createdBy: str


class VersionList(Schema):
    count: int
    values: list[VersionSummary]


class DiffRow(Schema):
    indicatorCode: str
    old: str
    new: str
    oldComment: str
    newComment: str


class DiffOut(Schema):
    fromSubmission: int
    toSubmission: int
    values: list[DiffRow]


class PlanRow(Schema):
    indicatorCode: str
    question: str
    answer: str
    comment: str
    digitalNationalTests: bool


class PlanOut(Schema):
    basedOn: int | None = Field(description="The submission the plan is made from, or null")
    values: list[PlanRow]


class RoundOut(Schema):
    code: str
    name: str
    opens: datetime.date
    closes: datetime.date
    status: str
    published: datetime.datetime | None
    organisers: int | None = None
    submitted: int | None = None
    inProgress: int | None = None
    notStarted: int | None = None


class RoundList(Schema):
    count: int
    values: list[RoundOut]


class ReminderOut(Schema):
    organisationNumber: str
    sent: datetime.datetime
    recipients: int


class ReminderStatus(Schema):
    round: str
    reminders: int
    mail: dict[str, int] = Field(description="Messages by delivery state (queued, sent, …)")
    values: list[ReminderOut]


class MilestoneOut(Schema):
    title: str
    due: datetime.date
    completed: datetime.date | None


class CostOut(Schema):
    incurred: datetime.date
    amountSek: float
    category: str


class ActivityOut(Schema):
    id: int
    agreement: str
    title: str
    status: str
    plannedStart: datetime.date
    plannedEnd: datetime.date
    milestones: list[MilestoneOut]
    costs: list[CostOut]


class ActivityPage(Page):
    values: list[ActivityOut]
