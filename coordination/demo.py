"""Loads the demo data: agencies, people, departments and about fifty items walked through the real services.

Every item is created and moved through the workflow by the demo users themselves, so its history reads as it
would in use. Dates are relative to the day the demo is built around (today unless told otherwise), and every
service is called with that day's office hours as its clock, so a demo built around any day tells the same story.
Rows that already exist are left alone: a second run changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Liaison, OrgUnit
from coordination import demo_content, services
from coordination.calendar import JAPAN, get_calendar, japan_today
from coordination.models import (
    ActionItem,
    Concurrence,
    Department,
    DepartmentMember,
    ExtensionRequest,
    Initiative,
    Meeting,
    ProgressUpdate,
    Reminder,
)
from coordination.queue import queueing_suspended
from coordination.reminders.sweep import reminders_record
from users.backends import DEMO_PASSWORD
from users.models import User

# code, English name, Japanese name, parent code, units as (English, Japanese, [sub-units])
AGENCIES = [
    (
        "MOD",
        "Ministry of Defense",
        "防衛省",
        None,
        [
            ("Bureau of Defense Policy", "防衛政策局", [("International Policy Division", "国際政策課")]),
            ("Joint Staff", "統合幕僚監部", []),
        ],
    ),
    (
        "ATLA",
        "Acquisition, Technology & Logistics Agency",
        "防衛装備庁",
        "MOD",
        [
            ("Department of International Cooperation", "装備政策部国際装備課", []),
        ],
    ),
    (
        "MOFA",
        "Ministry of Foreign Affairs",
        "外務省",
        None,
        [
            (
                "Foreign Policy Bureau",
                "総合外交政策局",
                [
                    ("International Peace and Security Cooperation Division", "安全保障協力室"),
                ],
            ),
            ("International Legal Affairs Bureau", "国際法局", []),
        ],
    ),
    (
        "MLIT",
        "Ministry of Land, Infrastructure, Transport and Tourism",
        "国土交通省",
        None,
        [
            ("Policy Bureau", "総合政策局", []),
        ],
    ),
    (
        "JCG",
        "Japan Coast Guard",
        "海上保安庁",
        "MLIT",
        [
            ("Guard and Rescue Department", "警備救難部", []),
            ("International Cooperation Office", "国際協力室", []),
        ],
    ),
    (
        "MIC",
        "Ministry of Internal Affairs and Communications",
        "総務省",
        None,
        [
            ("Cybersecurity Division", "サイバーセキュリティ統括官室", []),
        ],
    ),
    (
        "MHLW",
        "Ministry of Health, Labour and Welfare",
        "厚生労働省",
        None,
        [
            ("Health Security Office", "健康危機管理・災害対策室", []),
        ],
    ),
    (
        "METI",
        "Ministry of Economy, Trade and Industry",
        "経済産業省",
        None,
        [
            ("Trade Control Department", "貿易管理部", []),
            ("Economic Security Office", "経済安全保障室", []),
        ],
    ),
    (
        "MOF",
        "Ministry of Finance",
        "財務省",
        None,
        [
            ("Budget Bureau", "主計局", []),
        ],
    ),
]

# Where each primary liaison sits (the seeds place MOFA's and MOD's liaisons in these divisions).
LIAISON_UNITS = {
    "MOD": "International Policy Division",
    "MOFA": "International Peace and Security Cooperation Division",
}
ALTERNATES = ["MOD", "MOFA"]

PRIORITY = {
    "low": ActionItem.Priority.LOW,
    "normal": ActionItem.Priority.NORMAL,
    "high": ActionItem.Priority.HIGH,
    "urgent": ActionItem.Priority.URGENT,
}

# The transitions that bring a new item to each status, and after which step progress updates are posted.
WALKS = {
    "draft": [],
    "assigned": ["assign"],
    "acknowledged": ["assign", "acknowledge"],
    "in_progress": ["assign", "acknowledge", "start"],
    "blocked": ["assign", "acknowledge", "start", "block"],
    "submitted": ["assign", "acknowledge", "start", "submit"],
    "closed": ["assign", "acknowledge", "start", "submit", "close"],
    "cancelled": ["assign", "acknowledge", "start", "cancel"],
    "declined": ["assign", "decline"],  # back with the coordinators, in the review queue
}


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1


def _user(username: str, *, first: str, last: str, report: SeedReport, staff=True, superuser=False, lang="ja"):
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:  # the password set before the first save: a new account, not a password change on the record
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.invalid",
            is_staff=staff,
            is_superuser=superuser,
            preferred_language=lang,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
    report.count("users", created)
    return user


def _business_datetime(today: datetime.date, days_ago: int, *, hour: int = 10) -> datetime.datetime:
    """A moment `days_ago` business days before `today`, during office hours in Japan."""
    day = get_calendar().add_business_days(today, -days_ago)
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=JAPAN)


def demo_clock(today: datetime.date) -> datetime.datetime:
    """The moment the demo's people act at: now when the demo is built around today, else 10:00 that day in Japan."""
    now = timezone.now()
    if japan_today(now) == today:
        return now
    return datetime.datetime.combine(today, datetime.time(10, 0), tzinfo=JAPAN)


def seed_organisations(report: SeedReport) -> dict[str, Agency]:
    agencies = {}
    for code, name_en, name_ja, parent, units in AGENCIES:
        agency, created = Agency.objects.get_or_create(
            code=code,
            defaults={"name_en": name_en, "name_ja": name_ja, "parent": agencies.get(parent) if parent else None},
        )
        report.count("agencies", created)
        agencies[code] = agency
        for unit_en, unit_ja, children in units:
            unit, created = OrgUnit.objects.get_or_create(
                agency=agency, parent=None, name_en=unit_en, defaults={"name_ja": unit_ja}
            )
            report.count("org units", created)
            for child_en, child_ja in children:
                _child, created = OrgUnit.objects.get_or_create(
                    agency=agency, parent=unit, name_en=child_en, defaults={"name_ja": child_ja}
                )
                report.count("org units", created)
    return agencies


def seed_people(agencies: dict[str, Agency], report: SeedReport, *, today: datetime.date) -> dict[str, User]:
    people = {
        "admin": _user("admin", first="System", last="Administrator", superuser=True, lang="en", report=report),
        "coordinator": _user("coordinator", first="Aoi", last="Sato", report=report),
        "director": _user("director", first="Kenji", last="Takahashi", report=report),
        "stratcom-coordinator": _user("stratcom-coordinator", first="Mika", last="Ito", lang="en", report=report),
    }
    departments = {}
    for spec in demo_content.DEPARTMENTS:
        department, created = Department.objects.get_or_create(
            code=spec["code"], defaults={"name_en": spec["name_en"], "name_ja": spec["name_ja"]}
        )
        report.count("departments", created)
        departments[spec["code"]] = department
    for username, code, role in [
        ("coordinator", "NSS-SC", DepartmentMember.Role.COORDINATOR),
        ("director", "NSS-SC", DepartmentMember.Role.DIRECTOR),
        ("stratcom-coordinator", "NSS-STRATCOM", DepartmentMember.Role.COORDINATOR),
    ]:
        _member, created = DepartmentMember.objects.get_or_create(
            department=departments[code], user=people[username], defaults={"role": role}
        )
        report.count("department members", created)
    start = today - datetime.timedelta(days=365)
    for code, agency in agencies.items():
        for suffix, role in [("liaison", Liaison.Role.PRIMARY), ("alternate", Liaison.Role.ALTERNATE)]:
            if role == Liaison.Role.ALTERNATE and code not in ALTERNATES:
                continue
            username = f"{code.lower()}-{suffix}"
            user = _user(username, first=code, last=role.label, lang="en" if code == "MOFA" else "ja", report=report)
            people[username] = user
            unit = OrgUnit.objects.filter(agency=agency, name_en=LIAISON_UNITS.get(code, "")).first()
            _term, created = Liaison.objects.get_or_create(
                user=user, agency=agency, defaults={"role": role, "start_date": start, "org_unit": unit}
            )
            report.count("liaison terms", created)
    return people


def seed_initiatives_and_meetings(report: SeedReport, *, today: datetime.date) -> tuple[dict, dict]:
    initiatives, meetings = {}, {}
    for spec in demo_content.INITIATIVES:
        initiative, created = Initiative.objects.get_or_create(
            code=spec["code"],
            defaults={
                "department": Department.objects.get(code=spec["department"]),
                "title_en": spec["title_en"],
                "title_ja": spec["title_ja"],
                "description": spec["description"],
            },
        )
        report.count("initiatives", created)
        initiatives[spec["code"]] = initiative
    for spec in demo_content.MEETINGS:
        department = Department.objects.get(code=spec["department"])
        meeting, created = Meeting.objects.get_or_create(
            department=department,
            title=spec["title"],
            defaults={
                "title_ja": spec["title_ja"],
                "held_on": today - datetime.timedelta(days=spec["days_ago"]),
                "notes": spec["notes"],
            },
        )
        if created:
            meeting.agencies.set(Agency.objects.filter(code__in=spec["agencies"]))
        report.count("meetings", created)
        meetings[spec["key"]] = meeting
    return initiatives, meetings


def _coordinator_for(department_code: str, people) -> User:
    return people["stratcom-coordinator" if department_code == "NSS-STRATCOM" else "coordinator"]


def seed_item(
    spec: dict, *, people, agencies, initiatives, meetings, items, report: SeedReport, today: datetime.date
) -> ActionItem:
    """Create one demo item and walk it through the workflow as its people would."""
    department = Department.objects.get(code=spec["department"])
    external_id = f"demo-{spec['key']}"
    existing = ActionItem.objects.filter(department=department, external_id=external_id).first()
    if existing:
        return existing
    coordinator = _coordinator_for(spec["department"], people)
    lead = people[f"{spec['lead'].lower()}-liaison"]
    calendar = get_calendar()
    now = demo_clock(today)
    item = services.action_item_create(
        now=now,
        actor=coordinator,
        department=department,
        title=spec["title"],
        title_ja=spec["title_ja"],
        lead_agency=agencies[spec["lead"]],
        due_date=calendar.add_business_days(today, spec["due_in"]),
        supporting_agencies=[agencies[code] for code in spec["supporting"]],
        dependencies=[items[key] for key in spec["depends_on"]],
        description=spec["description"],
        initiative=initiatives[spec["initiative"]],
        meeting=meetings.get(spec["meeting"]) if spec["meeting"] else None,
        priority=PRIORITY[spec["priority"]],
        marking=spec["marking"],
        parent=items[spec["parent"]] if spec["parent"] else None,
        external_id=external_id,
    )
    report.count("action items", True)
    reasons = {
        "block": spec.get("block_reason") or "Waiting on another agency's input.",
        "cancel": spec.get("cancel_reason") or "No longer needed.",
        "decline": spec.get("decline_reason") or "Not within our remit.",
    }
    for step in WALKS[spec["status"]]:
        if step in ("block", "submit", "cancel"):
            _seed_progress(item, spec, lead, now=now)
        if step == "close":
            _seed_concurrences(item, spec, people, now=now)
        actor = coordinator if step in ("assign", "close", "cancel") else lead
        override = "" if step != "close" or _all_concur(spec) else "Demo: closed on the director's instruction."
        item = services.action_item_transition(
            actor=actor, item=item, name=step, reason=reasons.get(step, ""), override_reason=override, now=now
        )
    if spec["status"] in ("in_progress", "acknowledged"):
        _seed_progress(item, spec, lead, now=now)
    if spec["status"] not in ("closed",):
        _seed_concurrences(item, spec, people, now=now)
    _seed_extension(item, spec, lead, coordinator, now=now)
    _backdate(item, spec, now=now)
    return item


def _all_concur(spec) -> bool:
    return all(state == "concur" for state in spec["concurrence"].values())


def _seed_progress(item: ActionItem, spec: dict, lead: User, *, now: datetime.datetime) -> None:
    item.refresh_from_db()
    if item.updates.exists() or item.status not in ("acknowledged", "in_progress", "blocked"):
        return
    for update in spec["updates"]:
        posted = services.progress_update_create(
            actor=lead, item=item, text=update["text"], percent_complete=update["percent"], now=now
        )
        at = _business_datetime(japan_today(now), update["days_ago"], hour=15)
        ProgressUpdate.objects.filter(pk=posted.pk).update(created_at=at)
        ActionItem.objects.filter(pk=item.pk).update(last_progress_at=at)
    if spec["status"] not in ("submitted", "closed"):
        ActionItem.objects.filter(pk=item.pk).update(percent_complete=spec["percent"])


def _seed_concurrences(item: ActionItem, spec: dict, people, *, now: datetime.datetime) -> None:
    item.refresh_from_db()
    if item.status not in (*ActionItem.ACTIVE_STATUSES, ActionItem.Status.SUBMITTED):
        return
    for code, state in spec["concurrence"].items():
        if state == Concurrence.State.PENDING:
            continue
        comment = spec.get("non_concur_comment", "") if state == Concurrence.State.NON_CONCUR else ""
        services.concurrence_record(
            actor=people[f"{code.lower()}-liaison"],
            item=item,
            agency=Agency.objects.get(code=code),
            state=state,
            comment=comment or "",
            now=now,
        )


def _seed_extension(item: ActionItem, spec: dict, lead: User, coordinator: User, *, now: datetime.datetime) -> None:
    extension = spec.get("extension")
    item.refresh_from_db()
    if not extension or item.status not in ActionItem.ACTIVE_STATUSES:
        return
    request = services.extension_request_create(
        actor=lead,
        item=item,
        requested_due_date=get_calendar().add_business_days(item.due_date, extension["extra_days"]),
        reason=extension["reason"],
        now=now,
    )
    # Asked on the day the demo is built around, not on the machine's clock: the review reminders count from it.
    ExtensionRequest.objects.filter(pk=request.pk).update(created_at=now)
    if extension["state"] == ExtensionRequest.State.APPROVED:
        services.extension_request_decide(actor=coordinator, extension_request=request, approve=True, now=now)
    elif extension["state"] == ExtensionRequest.State.DENIED:
        services.extension_request_decide(
            actor=coordinator,
            extension_request=request,
            approve=False,
            comment="The ministerial meeting date cannot move; report what is ready by the current due date.",
            now=now,
        )


def _backdate(item: ActionItem, spec: dict, *, now: datetime.datetime) -> None:
    """Make the timestamps tell the story the content describes (assigned some business days ago, ...)."""
    days = spec.get("assigned_days_ago")
    if days is None:
        return
    assigned = _business_datetime(japan_today(now), days, hour=9)
    fields = {"assigned_at": assigned}
    item.refresh_from_db()
    if item.acknowledged_at:
        fields["acknowledged_at"] = min(assigned + datetime.timedelta(hours=3), now)
    ActionItem.objects.filter(pk=item.pk).update(**fields)


@transaction.atomic
def seed_demo(*, today: datetime.date | None = None) -> SeedReport:
    """Load the demo data built around `today` (Japan's today by default); refused where the demo password is
    refused (production settings)."""
    if settings.REFUSE_DEMO_PASSWORD:
        raise ImproperlyConfigured("seed_demo is for development: these settings refuse the demo password.")
    today = today or japan_today()
    report = SeedReport()
    last_before = Reminder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    agencies = seed_organisations(report)
    people = seed_people(agencies, report, today=today)
    initiatives, meetings = seed_initiatives_and_meetings(report, today=today)
    items: dict[str, ActionItem] = {}
    with queueing_suspended():
        for spec in demo_content.ACTION_ITEMS:
            items[spec["key"]] = seed_item(
                spec,
                people=people,
                agencies=agencies,
                initiatives=initiatives,
                meetings=meetings,
                items=items,
                report=report,
                today=today,
            )
        # What the rules sent on the business day before the demo's (overdue items escalated to their coordinators,
        # and so on), so the console's review queue shows escalations from the start; the demo's own day is left
        # for the sweep to find.
        previous = get_calendar().add_business_days(today, -1)
        reminders_record(at=datetime.datetime.combine(previous, datetime.time(9, 0), tzinfo=JAPAN))
    # The walk through the services recorded the notices people would have had at the time, and the sweep above
    # what was due the day before; they belong to the story, not to today's mail, so they count as already sent.
    Reminder.objects.filter(pk__gt=last_before, state=Reminder.State.PENDING).update(
        state=Reminder.State.SENT, sent_at=demo_clock(today), message_id="demo-data"
    )
    return report
