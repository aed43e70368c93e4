from tests.faults.conftest import make_fault_stack

__all__ = ["make_fault_stack"]
