# Russian is written in Cyrillic, whose letters ruff takes for look-alikes of Latin ones.
# ruff: noqa: RUF001
"""The demo merchant's voice of the customer, seeded through the real services (a finishing
step of `seed_demo`, registered in `feedback.apps`).

- "After your visit": the NPS survey with one optional question (the coffee, 1-5), 20 points
  for answering, three hours after a purchase, one invitation per member per 30 days, the
  café's review link for promoters.
- The last 120 days of the members' purchases are invited through `invite_for_purchase` at
  the purchase's moment (sampling and the cooldown decide who). Invitations of the past are
  recorded as sent when they were due (they went out before the demo existed); those due from
  the last day on go through `send_due_invitations` and the campaigns' sender, into
  sent-mail/.
- Two invitations in five are answered with `answer_survey` a few hours after they went
  out: scores and comments from `texts.COMMENTS` in English, Romanian and Russian (some
  answers have no comment), each analysed by the built-in analyser, the incentive paid once.
- Every detractor's answer or negative comment opens its case (`open_case_for_answer`). The
  cases older than a week were answered by the manager (a reply, for some a recovery voucher
  or points) and resolved a day after they opened; the nightly won-back check then judges
  those resolved 30 days ago from the members' real purchases since. The last week's cases
  (and at least the two newest) are open, some overdue.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from campaigns.messaging.send import send_due_messages
from feedback.cases.services import (
    check_won_back,
    give_recovery,
    open_case_for_answer,
    reply,
    resolve,
)
from feedback.demo.texts import COMMENTS
from feedback.models import Case, CaseNote, Invitation, InvitationStatus, NpsGroup
from feedback.surveys.answering import answer_survey
from feedback.surveys.editor import QuestionDraft, SurveyDraft, save_feedback_settings, save_survey
from feedback.surveys.invitations import invite_for_purchase
from feedback.surveys.links import survey_token
from feedback.surveys.sending import send_due_invitations
from loyalty.analytics.rollups import rebuild
from loyalty.clock import local_today
from loyalty.models import Merchant, Purchase, User
from loyalty.points.purchases import record_purchase
from rewards.models import Reward

HISTORY_DAYS = 120
ANSWER_SHARE = 0.4
NO_COMMENT_SHARE = 0.3
REVIEW_URL = "https://www.example.com/cafe-aroma/reviews"

REPLIES = {
    "en": "Thank you for telling us, and we are sorry. We have talked it through with the team; "
    "we would love to see you again.",
    "ro": "Vă mulțumim că ne-ați spus și ne pare rău. Am discutat cu echipa; ne-ar plăcea să vă "
    "revedem.",
    "ru": "Спасибо, что рассказали, и простите нас. Мы обсудили это с командой и будем рады "
    "увидеть вас снова.",
}


def seed_feedback(merchant: Merchant, stdout=None) -> None:
    now = timezone.now()
    rng = random.Random(20261203)  # noqa: S311 - the same demo every time, not a secret
    manager = User.objects.get(email="manager@example.com")
    survey = save_survey(merchant=merchant, actor=manager, draft=_draft())
    save_feedback_settings(
        merchant=merchant, actor=manager, review_url=REVIEW_URL, case_due_hours=24
    )
    invitations = _invite(merchant, now)
    _mark_past_invitations_sent(invitations, now)
    answers = _answer(merchant, invitations, rng, now)
    cases = [open_case_for_answer(answer=a, now=a.created_at) for a in answers]
    cases = [case for case in cases if case is not None]
    resolved = _follow_up(merchant, cases, manager, rng, now)
    won_back = check_won_back(now=now)
    if not Case.objects.for_merchant(merchant).filter(won_back=True).exists():
        won_back += _one_comes_back(merchant, now)
    # The recent invitations go out now, through the campaigns' queue and sender.
    send_due_invitations(now=now)
    send_due_messages()
    # The incentives are points issued on their days: the statistics of those days again.
    rebuild(merchant, since=local_today(merchant, now - timedelta(days=HISTORY_DAYS)))
    if stdout is not None:
        stdout.write(
            f"  feedback: the survey {survey.name!r}, {len(invitations)} invitations, "
            f"{len(answers)} answers, {len(cases)} cases ({resolved} resolved, "
            f"{won_back} won back)"
        )


def _draft() -> SurveyDraft:
    coffee = {
        "en": "How was your coffee today?",
        "ro": "Cum a fost cafeaua de azi?",
        "ru": "Как вам сегодняшний кофе?",
    }
    return SurveyDraft(
        name="After your visit",
        incentive_points=20,
        questions=[QuestionDraft(kind="rating", text=coffee)],
    )


def _invite(merchant: Merchant, now: datetime) -> list[Invitation]:
    since = now - timedelta(days=HISTORY_DAYS)
    purchases = (
        Purchase.objects.for_merchant(merchant)
        .filter(member__isnull=False, occurred_at__gte=since, reversed_at__isnull=True)
        .order_by("occurred_at", "pk")
        .values_list("pk", "occurred_at")
    )
    invited = []
    for purchase_id, occurred_at in purchases:
        invitation = invite_for_purchase(purchase_id=purchase_id, now=occurred_at)
        if invitation is not None and invitation.purchase_id == purchase_id:
            invited.append(invitation)
    return invited


def _mark_past_invitations_sent(invitations: list[Invitation], now: datetime) -> None:
    """The invitations due before the last day went out then (before the demo existed)."""
    for invitation in invitations:
        if invitation.send_at < now - timedelta(days=1):
            invitation.status, invitation.sent_at = InvitationStatus.SENT, invitation.send_at
            invitation.channel = "email" if invitation.member.email else "sms"
    Invitation.objects.bulk_update(  # the status of rows this step created
        [i for i in invitations if i.status == InvitationStatus.SENT],
        ["status", "sent_at", "channel"],
    )


def _answer(merchant: Merchant, invitations, rng: random.Random, now: datetime) -> list:
    by_group: dict[str, list[tuple[str, int, str]]] = {}
    for language, score, comment in COMMENTS:
        by_group.setdefault(_nps_group(score), []).append((language, score, comment))
    answers = []
    coffee = invitations[0].survey.questions.first() if invitations else None
    for invitation in invitations:
        if invitation.status != InvitationStatus.SENT or rng.random() > ANSWER_SHARE:
            continue
        # Most customers of a café are happy: 60 % promoters, 25 % passives, 15 % detractors.
        roll = rng.random()
        group = "promoter" if roll < 0.6 else "passive" if roll < 0.85 else "detractor"
        language, score, comment = rng.choice(by_group[group])
        if rng.random() < NO_COMMENT_SHARE:
            comment = ""
        at = invitation.sent_at + timedelta(minutes=rng.randint(5, 36 * 60))
        result = answer_survey(
            merchant=merchant,
            token=survey_token(invitation),
            score=score,
            comment=comment,
            extra={str(coffee.pk): rng.choice([3, 4, 5, 5])} if coffee else None,
            now=min(at, now),
        )
        if result.created:
            answers.append(result.answer)
    return answers


def _nps_group(score: int) -> str:
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def _follow_up(merchant: Merchant, cases, manager: User, rng: random.Random, now) -> int:
    """The manager answered and resolved the cases older than a week (but the two newest),
    a day after each opened (the services write at the present moment; the demo moves those
    rows back)."""
    rewards = list(Reward.objects.for_merchant(merchant).order_by("points_cost")[:1])
    resolved = 0
    newest = {case.pk for case in sorted(cases, key=lambda c: c.opened_at)[-2:]}
    for case in cases:
        if case.opened_at > now - timedelta(days=7) or case.pk in newest:
            continue  # the manager has yet to answer these
        language = case.answer.language or "en"
        if rng.random() < 0.5:
            if rewards and rng.random() < 0.5:
                give_recovery(case=case, actor=manager, reward=rewards[0])
            else:
                give_recovery(case=case, actor=manager, points=100)
        reply(case=case, text=REPLIES.get(language, REPLIES["en"]), actor=manager)
        resolve(case=case, actor=manager)
        answered = case.opened_at + timedelta(hours=rng.randint(2, 30))
        CaseNote.objects.filter(case=case).update(created_at=answered)
        Case.objects.filter(pk=case.pk).update(told_at=answered, resolved_at=answered)
        resolved += 1
    return resolved


def _one_comes_back(merchant: Merchant, now: datetime) -> int:
    """Should no unhappy customer have come back by themselves, one does: a visit a week after
    their case was resolved, through the points engine."""
    case = (
        Case.objects.for_merchant(merchant)
        .filter(won_back=False, member__isnull=False, answer__group=NpsGroup.DETRACTOR)
        .select_related("member", "shop")
        .order_by("resolved_at")
        .first()
    )
    if case is None or case.shop is None:
        return 0
    at = case.resolved_at + timedelta(days=7)
    record_purchase(
        shop=case.shop,
        member=case.member,
        external_id=f"DEMO-BACK-{case.pk}",
        amount=Decimal("8.40"),
        occurred_at=at,
        now=at,
    )
    Case.objects.filter(pk=case.pk).update(won_back=None, won_back_checked_at=None)
    return check_won_back(now=now)
