from datetime import UTC, date, datetime, timedelta

import pytest

from dispatch.domain.after_action import LoggedEvent
from dispatch.domain.evaluation import InvalidPeriod, evaluate, period_bounds, summarize

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def ev(kind, minutes, org=1, assignment=None, incident=10, drill=False, **data):
    return LoggedEvent(kind, T0 + timedelta(minutes=minutes), None, assignment, org, data, incident, drill)


def accepted_and_done(assignment, start, org=1, head_count=4, people=None, drill=False, incident=10):
    """Offered at start, accepted 2 min later, on site 20 min after that, done 2 h on."""
    done = {} if people is None else {"people": people}
    return [
        ev("offer.made", start, org, assignment, incident, drill),
        ev("offer.accepted", start + 2, org, assignment, incident, drill, head_count=head_count),
        ev("assignment.en_route", start + 5, org, assignment, incident, drill),
        ev("assignment.on_site", start + 22, org, assignment, incident, drill),
        ev("assignment.completed", start + 142, org, assignment, incident, drill, **done),
    ]


def test_an_organization_that_answered_everything_scores_its_answers_and_hours():
    log = [
        *accepted_and_done(1, 0, people=3),
        ev("offer.made", 30, assignment=2),
        ev("offer.declined", 34, assignment=2, reason="人手不足"),
        ev("offer.made", 40, assignment=3),
        ev("offer.expired", 50, assignment=3),
    ]
    card = evaluate(log)[1]
    assert (card.real.offers, card.real.accepted, card.real.declined, card.real.expired) == (3, 1, 1, 1)
    assert card.real.accepted_share == 1 / 3
    assert card.real.answer_s == [120.0, 240.0]
    assert card.real.median_answer_s == 120.0  # nearest rank: the lower of two
    assert card.real.median_arrive_s == 20 * 60
    assert (card.real.completed, card.real.completed_share, card.real.people) == (1, 1.0, 3)
    assert card.real.hours == 3 * 2  # three people who came, two hours on site
    assert card.real.incidents == {10}


def test_people_default_to_the_accepted_head_count_when_the_leader_said_nothing():
    card = evaluate(accepted_and_done(1, 0, head_count=4))[1]
    assert card.real.people == 4 and card.real.hours == 8


def test_hours_the_leader_logged_replace_the_estimate_from_time_on_site():
    log = accepted_and_done(1, 0)
    log.insert(4, ev("assignment.progress", 60, assignment=1, percent=50, people=4, hours=5))
    log.insert(5, ev("assignment.progress", 100, assignment=1, percent=90, people=2, hours=1.5))
    assert evaluate(log)[1].real.hours == 6.5


def test_drills_are_kept_apart_from_real_incidents():
    log = [
        *accepted_and_done(1, 0),
        *accepted_and_done(2, 200, drill=True, incident=20),
        *accepted_and_done(3, 400, drill=True, incident=21),
    ]
    card = evaluate(log)[1]
    assert card.real.offers == 1 and card.drill.offers == 2
    assert card.drill.incidents == {20, 21}
    assert card.real.incidents == {10}


def test_training_and_upheld_complaints_count_outside_incidents():
    log = [
        ev("training.attended", 0, incident=None, hours=4, member_id=7),
        ev("training.attended", 0, incident=None, hours=4, member_id=8),
        ev("complaint.upheld", 10, incident=None, complaint_id=3),
        ev("complaint.filed", 5, incident=None, complaint_id=3),
    ]
    card = evaluate(log)[1]
    assert card.training_hours == 8 and card.upheld_complaints == 1
    assert card.real.offers == 0 and card.real.accepted_share is None and card.real.median_answer_s is None


def test_answers_to_offers_made_before_the_period_are_not_counted():
    card = evaluate([ev("offer.accepted", 1, assignment=9, head_count=2), ev("assignment.completed", 90, assignment=9)])[1]
    assert (card.real.offers, card.real.accepted, card.real.completed) == (0, 0, 0)


def test_organizations_named_but_without_events_get_an_empty_card():
    cards = evaluate([*accepted_and_done(1, 0, org=5)], organization_ids=[5, 6])
    assert set(cards) == {5, 6}
    assert cards[6].real.offers == 0


def test_a_subdistrict_summary_pools_its_organizations():
    log = [*accepted_and_done(1, 0, org=1), *accepted_and_done(2, 0, org=2, drill=True, incident=20)]
    log += [ev("offer.made", 0, org=3, assignment=3), ev("offer.declined", 10, org=3, assignment=3)]
    summary = summarize(evaluate(log, organization_ids=[1, 2, 3, 4]).values())
    assert (summary.organizations, summary.taking_part) == (4, 2)
    assert (summary.real.offers, summary.real.accepted, summary.drill.accepted) == (2, 1, 1)
    assert sorted(summary.real.answer_s) == [120.0, 600.0]
    assert summary.drill.incidents == {20}


@pytest.mark.parametrize(
    ("label", "bounds"),
    [
        ("2026", (date(2026, 1, 1), date(2027, 1, 1))),
        ("2026-H2", (date(2026, 7, 1), date(2027, 1, 1))),
        ("2026-Q4", (date(2026, 10, 1), date(2027, 1, 1))),
        ("2026-Q1", (date(2026, 1, 1), date(2026, 4, 1))),
        ("2026-07", (date(2026, 7, 1), date(2026, 8, 1))),
        ("2026-12", (date(2026, 12, 1), date(2027, 1, 1))),
    ],
)
def test_a_period_is_a_year_half_quarter_or_month(label, bounds):
    assert period_bounds(label) == bounds


@pytest.mark.parametrize(
    "label", ["26", "2026-Q5", "2026-13", "2026-00", "2026 Q1", "last year", "", "0000", "9999-12", "٢٠٢٦", "2026-７"]
)
def test_other_period_labels_are_refused(label):
    with pytest.raises(InvalidPeriod):
        period_bounds(label)


def standby(kind, minutes, warning=30, org=1, **data):
    """A standby event as dispatch/services/plans/standby.py writes it: no incident, never a drill."""
    return ev(kind, minutes, org, incident=None, warning_id=warning, **data)


def test_a_standby_poll_answered_counts_its_time_and_the_people_last_said_ready():
    log = [
        standby("standby.asked", 0, poll_id=7),
        standby("standby.asked_again", 10, poll_id=7),  # the same poll: not a new one, and the clock runs from 0
        standby("standby.answered", 12, ready=5, via="sms"),
        standby("standby.answered", 40, ready=3, via="phone"),  # changed its mind: 3, not 8 and not 5
        standby("standby.asked", 60, warning=31, poll_id=8),
    ]
    card = evaluate(log)[1]
    assert (card.standby.polls, card.standby.answered, card.standby.ready) == (2, 1, 3)
    assert card.standby.answer_s == [12 * 60.0]
    assert card.standby.answered_share == 0.5 and card.standby.median_answer_s == 720.0
    assert card.real.offers == 0 and card.drill.offers == 0  # standby is neither an incident nor a drill


def test_an_answered_poll_counts_like_an_answered_offer_in_the_answered_share():
    log = [
        *accepted_and_done(1, 0),
        ev("offer.made", 30, assignment=2),
        ev("offer.expired", 50, assignment=2),
        standby("standby.asked", 60),
        standby("standby.answered", 65, ready=0),  # "none of us can go" is an answer too
        standby("standby.asked", 70, warning=31),
    ]
    card = evaluate(log)[1]
    assert card.answered_share == 2 / 4  # the accepted offer and the poll, of two offers and two polls
    assert card.real.accepted_share == 1 / 2  # the offers' own figures as before
    assert card.figures()["answered_share"] == 0.5
    assert card.figures()["standby"] == {"polls": 2, "answered": 1, "answered_share": 0.5, "median_answer_s": 300.0, "ready": 0}


def test_without_standby_the_figures_are_the_offers_alone():
    card = evaluate([*accepted_and_done(1, 0), ev("offer.made", 30, assignment=2), ev("offer.declined", 31, assignment=2)])[1]
    assert card.answered_share == 1.0 and card.real.accepted_share == 0.5
    assert card.figures()["standby"] == {"polls": 0, "answered": 0, "answered_share": None, "median_answer_s": None, "ready": 0}
    assert evaluate([], organization_ids=[1])[1].answered_share is None


def test_answers_to_polls_asked_before_the_period_are_not_counted():
    log = [
        standby("standby.asked_again", 0),  # its first ask lies before the period
        standby("standby.answered", 2, ready=4),
        standby("standby.answered", 3, warning=None, ready=2),  # names no warning: no poll to answer
    ]
    card = evaluate(log)[1]
    assert (card.standby.polls, card.standby.answered, card.standby.ready, card.standby.answer_s) == (0, 0, 0, [])


def test_each_team_and_warning_is_its_own_poll():
    log = [
        standby("standby.asked", 0, org=1),
        standby("standby.asked", 0, org=2),
        standby("standby.asked", 1, org=1, warning=31),
        standby("standby.answered", 5, org=2, ready=6),  # one SMS answers every warning standing: one event each
        standby("standby.answered", 9, org=1, warning=31, ready=2),
        standby("standby.answered", 9, org=1, ready=2),
    ]
    cards = evaluate(log)
    assert (cards[1].standby.polls, cards[1].standby.answered, cards[1].standby.ready) == (2, 2, 4)
    assert cards[1].standby.answer_s == [8 * 60.0, 9 * 60.0]  # in the order the answers came
    assert (cards[2].standby.polls, cards[2].standby.ready, cards[2].standby.answer_s) == (1, 6, [300.0])


def test_a_subdistrict_summary_pools_its_organizations_standby():
    log = [
        standby("standby.asked", 0, org=1),
        standby("standby.answered", 4, org=1, ready=3),
        standby("standby.asked", 0, org=2),
        standby("standby.answered", 10, org=2, ready=5),
        standby("standby.asked", 0, org=3),
        ev("offer.made", 0, org=3, assignment=3),
        ev("offer.declined", 2, org=3, assignment=3),
    ]
    summary = summarize(evaluate(log, organization_ids=[1, 2, 3, 4]).values())
    assert (summary.standby.polls, summary.standby.answered, summary.standby.ready) == (3, 2, 8)
    assert sorted(summary.standby.answer_s) == [240.0, 600.0]
    assert summary.answered_share == 3 / 4  # two polls and one offer answered, of three polls and an offer
    assert summary.taking_part == 0  # answering is not taking part: no work accepted, no training
    assert summary.figures()["standby"]["answered_share"] == 0.667


def test_a_poll_that_rode_on_an_earlier_question_is_not_counted_again():
    """A team with a question open is not texted for a new warning; its one SMS answer counts for both polls."""
    cards = evaluate([
        standby("standby.asked", 0, poll_id=7),
        standby("standby.asked", 5, warning=31, poll_id=8, shared_poll_id=7),  # no SMS: asked through poll 7's
        standby("standby.asked", 6, warning=32, poll_id=9, shared_poll_id=7),
        standby("standby.answered", 10, ready=20, via="sms"),  # one answer, one event for every open poll
        standby("standby.answered", 10, warning=31, ready=20, via="sms"),
        standby("standby.answered", 10, warning=32, ready=20, via="sms"),
        standby("standby.answered", 30, warning=32, ready=15, via="phone"),
    ])  # fmt: skip
    assert cards[1].figures()["standby"] == {
        "polls": 1, "answered": 1, "answered_share": 1.0, "median_answer_s": 600.0, "ready": 20,
    }  # fmt: skip


def test_a_shared_poll_stays_none_of_its_own_when_it_is_asked_again():
    cards = evaluate([
        standby("standby.asked", 0, warning=31, poll_id=8, shared_poll_id=7),  # poll 7 was asked before the period
        standby("standby.asked", 2, warning=31, poll_id=8),  # an ask repeated is the same poll
        standby("standby.answered", 4, warning=31, ready=6),
    ])  # fmt: skip
    assert (cards[1].standby.polls, cards[1].standby.answered, cards[1].standby.ready) == (0, 0, 0)
