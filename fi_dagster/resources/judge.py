"""The LLM judge: OpenAI-compatible when a key is in the environment, else the offline heuristic."""

import dagster as dg

from fi_dagster.config import JudgeConfig
from fi_dagster.evals.judges import Judge, build_judge
from fi_dagster.settings import JudgeSecrets


class JudgeResource(dg.ConfigurableResource):
    """Key from ``OPENAI_API_KEY`` only; ``model``/``base_url`` fall back to ``FI_JUDGE_*``.

    Pace, retries, budget caps and redaction come from ``evaluation.judge`` in the YAML
    configuration, passed in by the asset.
    """

    model: str | None = None
    base_url: str | None = None
    offline: bool = False

    def judge(self, config: JudgeConfig | None = None) -> Judge:
        secrets = JudgeSecrets.from_env()
        return build_judge(
            api_key=None if self.offline else secrets.api_key,
            base_url=self.base_url or secrets.base_url,
            model=self.model or secrets.model,
            config=config,
        )
