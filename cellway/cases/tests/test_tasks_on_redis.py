"""The same notification tasks run on Redis queues (RQ) when Redis is configured."""

from __future__ import annotations

import pytest

from cellway.cases import services as cases
from cellway.cases.stages import Stage

RQ = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_assignment_email_is_queued_on_redis_and_sent_by_a_worker(staff, case_at, mailoutbox, settings):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    settings.TASKS = RQ
    queue = django_rq.get_queue("default")
    queue.empty()
    case = case_at(Stage.TRIAGE)

    cases.assign_case(case=case, specialist=staff["sofia"], by=staff["liam"], reason="MS expertise")

    assert queue.count == 1  # enqueued after commit, not yet sent
    assert not [m for m in mailoutbox if staff["sofia"].email in m.to]
    django_rq.get_worker("default", worker_class=SimpleWorker, job_class=Job).work(burst=True)
    sent = [m for m in mailoutbox if staff["sofia"].email in m.to]
    assert len(sent) == 1 and case.code in sent[0].subject
    assert queue.count == 0
