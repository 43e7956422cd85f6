"""The wheel carries the rule sets: `rules/` (the law as data, kept at the project's top level) is copied into the
built package as `aid_engine/rules/`, where `aid_engine.ruleset.default_rules_dir` finds it through
importlib.resources. Everything else is declared in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RULES = Path(__file__).resolve().parent / "rules"


class BuildWithRules(build_py):
    """build_py, then `rules/*.yaml` and `rules/years/*.yaml` into the built `aid_engine/rules/`."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "aid_engine" / "rules"
        if target.exists():
            shutil.rmtree(target)
        for source in [*sorted(RULES.glob("*.yaml")), *sorted(RULES.glob("years/*.yaml"))]:
            destination = target / source.relative_to(RULES)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)


setup(cmdclass={"build_py": BuildWithRules})
