"""Fixtures of the training tests: the training stack (stack.py) and the gateway's database."""

from tests.training.stack import database, make_stack, stack

__all__ = ["database", "make_stack", "stack"]
