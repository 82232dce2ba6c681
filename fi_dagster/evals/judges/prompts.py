"""Renders judge prompts from the Jinja2 templates in ``evals/templates/<name>/``.

Each template has a ``system.j2`` (the rubric and the rules) and a ``user.j2`` (the
trace content, inside ``<<<NAME ... >>>`` blocks). Content is fenced before rendering
so nothing inside a trace can close its block and pose as instructions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from jinja2 import Environment, PackageLoader, StrictUndefined


def fence(text: str) -> str:
    """Text that cannot open or close a ``<<< >>>`` data block."""
    return text.replace("<<<", "< < <").replace(">>>", "> > >")


class PromptRenderer:
    def __init__(self, environment: Environment | None = None) -> None:
        self._env = environment or Environment(
            loader=PackageLoader("fi_dagster.evals", "templates"),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            autoescape=False,
        )

    def messages(self, template: str, variables: Mapping[str, str]) -> list[dict[str, str]]:
        """Chat messages for one judge request: the system rubric, then the fenced data."""
        fenced = {key: fence(value) for key, value in variables.items()}
        system = self._env.get_template(f"{template}/system.j2").render()
        user = self._env.get_template(f"{template}/user.j2").render(**fenced)
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def template_hash(self, template: str) -> str:
        """sha256 of the template's files and the shared includes: a new wording, a new hash."""
        names = sorted(
            n
            for n in self._env.list_templates(extensions=["j2"])
            if n.startswith(f"{template}/") or "/" not in n
        )
        digest = hashlib.sha256()
        for name in names:
            source, _, _ = self._env.loader.get_source(self._env, name)  # type: ignore[union-attr]
            digest.update(f"{name}\0{source}\0".encode())
        return digest.hexdigest()
