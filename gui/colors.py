"""One colour per actor, stable for a run and readable on light and dark themes."""

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")


class ActorColors:
    def __init__(self):
        self._known: dict[str, str] = {"main": "#555555"}

    def __call__(self, actor: str) -> str:
        if actor not in self._known:
            self._known[actor] = PALETTE[(len(self._known) - 1) % len(PALETTE)]
        return self._known[actor]

    def reset(self) -> None:
        self.__init__()
