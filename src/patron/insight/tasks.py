"""Background work of the insight app, run by `patron worker`."""

from __future__ import annotations

from django_tasks import task

from .services import ScoringFailed, do_score


@task()
def score_parties(model_name: str | None = None) -> dict:
    """Score every party; scheduled after each import."""
    try:
        run = do_score(model_name)
    except ScoringFailed as exc:
        return {"status": "failed", "message": str(exc)}
    return {"status": "done", "run": run.pk, "parties_scored": run.parties_scored}
