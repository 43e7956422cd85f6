"""Rule sets as data: one per academic year, composed from `rules/base.yaml` and `rules/years/*.yaml`.

The package splits the work: `expressions` compiles and confines the predicates, `model` holds the frozen
rule sets, `loader` reads and validates the files.  Only `loader.load` and `loader.read_files` touch files.
"""

from .expressions import SYMBOL_TYPES, ExpressionError, Predicate, compile_predicate
from .loader import default_rules_dir, load, parse_files, read_files
from .model import ECHELONS_DOWN, Ceilings, Condition, DistanceBand, Gate, Messages, Rates, RuleBook, RuleSet

__all__ = [
    "ECHELONS_DOWN",
    "SYMBOL_TYPES",
    "Ceilings",
    "Condition",
    "DistanceBand",
    "ExpressionError",
    "Gate",
    "Messages",
    "Predicate",
    "Rates",
    "RuleBook",
    "RuleSet",
    "compile_predicate",
    "default_rules_dir",
    "load",
    "parse_files",
    "read_files",
]
