"""Judges: who decides a score when a rule cannot (an LLM, or offline heuristics)."""

from fi_dagster.evals.judges.base import Judge, JudgeIdentity, JudgeRequest, JudgeVerdict
from fi_dagster.evals.judges.factory import build_judge, judge_from_env
from fi_dagster.evals.judges.heuristic import HeuristicJudge

__all__ = [
    "HeuristicJudge",
    "Judge",
    "JudgeIdentity",
    "JudgeRequest",
    "JudgeVerdict",
    "build_judge",
    "judge_from_env",
]
