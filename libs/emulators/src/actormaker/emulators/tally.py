"""What an emulator counts per endpoint or model, so a test can prove nothing was sent twice."""

from collections import Counter


class Tally:
    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = names
        self._counts: dict[str, Counter[str]] = {}

    def note(self, where: str, stat: str) -> None:
        """Count one `stat` (a job submitted, a request answered...) at `where`."""
        self._counts.setdefault(where, Counter())[stat] += 1

    def clear(self) -> None:
        self._counts.clear()

    def snapshot(self) -> dict[str, dict[str, int]]:
        """Per endpoint or model, every counted name (zero when none was seen)."""
        return {
            where: {name: counts[name] for name in self._names}
            for where, counts in self._counts.items()
        }
