"""plait's grammar: text inside Argo strings → AST, and a safe evaluator over that AST.

Parses templates (`{{…}}` / `<<…>>` tags), expr-lang expressions, govaluate `when`
conditions and DAG `depends`. Knows nothing about YAML or the compiler; lark is imported
only when a string actually needs it.
"""

from plait.grammar.ast import RESULTS, RefUse, iter_refs, unparse
from plait.grammar.evaluate import (
                              EvaluationError,
                              evaluate_condition,
                              evaluate_depends,
                              evaluate_expression,
                              nest,
                              render_template,
)
from plait.grammar.parse import (
                              GrammarError,
                              parse_condition,
                              parse_depends,
                              parse_expression,
                              parse_template,
)

__all__ = ["EvaluationError", "evaluate_condition", "evaluate_depends", "evaluate_expression",
           "nest", "render_template", "GrammarError", "RESULTS", "RefUse", "iter_refs", "parse_condition",
           "parse_depends", "parse_expression", "parse_template", "unparse"]
