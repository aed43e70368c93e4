"""What the command prints: JSON for scripts, or tables for people."""

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table


class Output:
    def __init__(self, *, as_json: bool) -> None:
        self.as_json = as_json
        self.console = Console()
        self.errors = Console(stderr=True)

    def record(self, value: Any) -> None:
        """One answer, whole: the JSON itself, or pretty-printed."""
        if self.as_json:
            print(json.dumps(value, indent=2, default=str))
        else:
            self.console.print_json(data=value, default=str)

    def table(self, rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str) -> None:
        if self.as_json:
            print(json.dumps(list(rows), indent=2, default=str))
            return
        table = Table(title=title)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(_cell(row.get(column)) for column in columns))
        self.console.print(table)

    def note(self, message: str) -> None:
        """A line for people, on stderr: stdout holds only results, for pipes and scripts."""
        self.errors.print(message, highlight=False)

    def error(self, message: str) -> None:
        self.errors.print(f"[red]error:[/red] {message}", highlight=False)


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key} {count}" for key, count in value.items() if count)
    return "" if value is None else str(value)
