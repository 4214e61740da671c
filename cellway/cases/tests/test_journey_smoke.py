from cellway.cases.models import CaseEvent
from cellway.cases.stages import Stage
from cellway.outcomes.models import FollowUpAssessment


def test_a_case_walks_from_inquiry_to_follow_up_through_the_services(case_at):
    case = case_at(Stage.FOLLOW_UP)

    assert case.stage == Stage.FOLLOW_UP
    moves = list(CaseEvent.objects.filter(case=case, kind="stage").order_by("at", "id").values_list("to_stage", flat=True))
    assert moves == ["triage", "review", "quoted", "accepted", "cleared", "scheduled", "deposit_paid", "paid",
                     "arrived", "in_treatment", "treated", "follow_up"]
    assert sorted(FollowUpAssessment.objects.filter(case=case).values_list("months_after", flat=True)) == [1, 3, 6, 12]
