"""The model server: MariaDB's connection count and its two refusals.

As MariaDB does for an account without CONNECTION ADMIN: a connect is
counted when the server accepts it, unless the count is already past
``max_connections`` (the one extra slot is for admins: refused at accept);
once authenticated, it is refused when the count is over ``max_connections``,
its own slot included. A refused connect and a closed connection are counted
out a moment later (``free_delay``): so a connect that follows a close at
once can be refused (the close race), and two connects racing for the last
slot can both be refused.
"""

from __future__ import annotations

__all__ = ["ModelServer"]


class ModelServer:
    def __init__(self, max_connections: int, foreign: int) -> None:
        self.max_connections = max_connections
        self.count = foreign  # connections counted, foreign ones included
        self.peak = foreign
        self.refused = 0
        self.refused_at: list[float] = []  # when each refusal was answered
        self.trace: list[tuple[float, int]] = [(0.0, foreign)]  # (time, count) at each change

    def _counted(self, now: float) -> None:
        if self.trace[-1][0] == now:
            self.trace[-1] = (now, self.count)
        else:
            self.trace.append((now, self.count))

    def accept(self, now: float) -> bool:
        """A connect arrives: counted, or (False) refused at once."""
        if self.count > self.max_connections:
            self._refuse(now)
            return False
        self.count += 1
        self.peak = max(self.peak, self.count)
        self._counted(now)
        return True

    def authenticated(self, now: float) -> bool:
        """An accepted connect is checked: admitted, or (False) refused; a refused one
        is still counted until :meth:`leave`."""
        if self.count > self.max_connections:
            self._refuse(now)
            return False
        return True

    def _refuse(self, now: float) -> None:
        self.refused += 1
        self.refused_at.append(now)

    def leave(self, now: float) -> None:
        """A closed or refused connection is counted out."""
        self.count -= 1
        self._counted(now)
