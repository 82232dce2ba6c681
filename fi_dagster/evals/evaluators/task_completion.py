"""TaskCompletion: did an agent's trajectory accomplish what the user asked?"""

from __future__ import annotations

from fi_dagster.evals.evaluators.base import Assessment, Finding, JudgeTask
from fi_dagster.evals.evaluators.trajectory import (
    error_summary,
    render_trajectory,
    tool_argument_errors,
)
from fi_dagster.evals.judges.base import JudgeRequest
from fi_dagster.evals.trace_view import Span, Trace


class TaskCompletion:
    """One judgement per AGENT root span, over the whole trace."""

    name = "TaskCompletion"
    version = "1"
    default_threshold = 0.5
    template = "task_completion"

    def assess(self, trace: Trace) -> list[Assessment]:
        roots = [s for s in trace.spans if s.span_kind == "AGENT" and s.parent_span_id is None]
        return [self._assess_agent(trace, root) for root in roots]

    def _assess_agent(self, trace: Trace, root: Span) -> Assessment:
        request = root.request()
        if not request:
            return Finding.skipped(root, "the agent's request was not captured")
        variables = {
            "request": request,
            "trajectory": render_trajectory(trace),
            "final_answer": final_answer(trace, root),
            "error_spans": error_summary(trace),
            "tool_argument_errors": ", ".join(tool_argument_errors(trace)),
        }
        request = JudgeRequest(self.name, self.template, variables, self.version)
        return JudgeTask(root, request)


def final_answer(trace: Trace, root: Span) -> str:
    """The root's answer, else the last LLM answer in the trace (empty if none)."""
    if root.answer():
        return root.answer()
    answers = [s.answer() for s in trace.of_kind("LLM") if s.answer()]
    return answers[-1] if answers else ""
