"""n8n expressions (`={{ … }}`) and JavaScript code, evaluated in V8 (mini-racer)."""

from relayflow.engine.expressions.evaluator import V8Evaluator

__all__ = ["V8Evaluator"]
