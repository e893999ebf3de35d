"""The distribution view (``d``): one layer's pre-activations, f' over them, dead and saturated shares.

    DistributionScreen(layer=None)

It shows the layer under the main screen's layer cursor; with no cursor on the chart it shows layer
1 (the input side, where a vanishing gradient ends up) and says so. ``[`` ``]`` / ``,`` ``.`` (and
``{`` ``}``, Home/End) move the layer and move the main screen's cursor with it; ``m`` switches the
mode (expected: the mean-field Gaussian; sampled: the real network's values; chain: one value).
Sampled values are computed on the app's runner (latest request wins, nothing for a closed view),
expected and chain ones inline (they take milliseconds). The drawing is
:mod:`gradtui.render.distribution`.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from gradtui.engine import MODES, Config
from gradtui.engine.distribution import LayerDistribution, layer_distribution
from gradtui.render.distribution import distribution_readout, render_distribution
from gradtui.render.text import message_block

from .controls import cycle, with_mode
from .theme import themed
from .theory_views import _AnsiView
from .view_request import RequestView

__all__ = ["DistributionScreen"]

_LAYER = Binding.Group("layer", compact=True)
_LAYER_HELP = "show the layer one toward the input / output (the main cursor follows)"


class DistributionScreen(RequestView):
    """Histogram of one layer's pre-activations ẑ_l with f'(ẑ) and the dead/saturated regions."""

    HELP_TITLE = "distribution"
    DEFAULT_CSS = """
    DistributionScreen { layout: vertical; }
    DistributionScreen #distribution-readout { height: auto; max-height: 5; padding: 0 1; }
    """
    BINDINGS = [
        Binding("left_square_bracket,comma", "layer(-1)", "layer", key_display="[", group=_LAYER,
                id="distribution.layer.down", tooltip=_LAYER_HELP),
        Binding("right_square_bracket,full_stop", "layer(1)", "layer", key_display="]",
                group=_LAYER, id="distribution.layer.up", tooltip=_LAYER_HELP),
        Binding("left_curly_bracket,less_than_sign", "layer(-10)", "layer -10", show=False,
                id="distribution.layer.down10", tooltip="move ten layers"),
        Binding("right_curly_bracket,greater_than_sign", "layer(10)", "layer +10", show=False,
                id="distribution.layer.up10", tooltip="move ten layers"),
        Binding("home", "layer_end(0)", "layer 1", show=False, id="distribution.layer.first",
                tooltip="layer 1 (input side) / layer L (output side)"),
        Binding("end", "layer_end(1)", "layer L", show=False, id="distribution.layer.last",
                tooltip="layer 1 (input side) / layer L (output side)"),
        Binding("m", "mode", "mode", id="distribution.mode",
                tooltip="mode: expected (the mean-field Gaussian) → sampled (the real values) → chain"),
        Binding("escape,q,d", "close", "back", key_display="esc", id="distribution.close",
                tooltip="back to the main screen (its cursor stays on this layer)"),
    ]

    def __init__(self, layer: int | None = None, ascii: bool = False) -> None:
        super().__init__()
        self.ascii = ascii
        #: True when the main screen had no layer cursor and layer 1 was chosen for it
        self.defaulted = layer is None
        self.layer_no = layer or 1
        self.dist: LayerDistribution | None = None
        self.message: str | None = None
        self._wanted: tuple[Config, int] | None = None

    @property
    def config(self) -> Config:
        return self.app.config

    @property
    def color(self) -> bool:
        return not getattr(self.app, "no_color", False)

    @property
    def settled(self) -> bool:
        """The distribution on screen is the current config's and layer's (for tests)."""
        return self.dist is not None and (self.dist.config, self.dist.layer) == self._key()

    def _key(self) -> tuple[Config, int]:
        return self.config, min(self.layer_no, self.config.depth)

    def compose(self) -> ComposeResult:
        yield _AnsiView(self._draw, id="distribution-view")
        yield Static("", id="distribution-readout")
        yield Footer()

    def on_mount(self) -> None:
        self.follow_config(self._request)
        self.call_after_refresh(self._request)

    # -- computing ------------------------------------------------------------------------------
    def _request(self) -> None:
        self.layer_no = min(self.layer_no, self.config.depth)
        key = self._key()
        cached = self.cached(("distribution", key))
        if cached is not None:
            self._wanted = key
            self._done(cached)
        elif key != self._wanted:
            self._wanted = key
            config, layer = key
            self.submit_cached(
                "distribution",
                lambda ticket: layer_distribution(config, layer, lambda: ticket.stopped),
                self._done, entries=_entries, failed=self._failed, inline=config.mode != "sampled",
            )
        self._refresh()

    def _done(self, dist: LayerDistribution | None) -> None:
        if dist is not None and (dist.config, dist.layer) == self._wanted:
            self.dist, self.message = dist, None
            self._refresh()

    def _failed(self, error: BaseException) -> None:
        self.message = f"distribution failed: {error}"
        self._refresh()

    # -- keys -----------------------------------------------------------------------------------
    def action_layer(self, delta: int) -> None:
        self._move(min(self.config.depth, max(1, self.layer_no + delta)))

    def action_layer_end(self, last: int) -> None:
        self._move(self.config.depth if last else 1)

    def _move(self, layer: int) -> None:
        self.defaulted = False
        if layer != self.layer_no:
            self.layer_no = layer
            self._request()
        if hasattr(self.app, "cursor"):  # the main screen's inspector follows
            self.app.cursor = layer
        self._refresh()

    def action_mode(self) -> None:
        new, note = with_mode(self.config, cycle(self.config.mode, MODES, +1))
        self.app.change_config(new, note)

    def action_close(self) -> None:
        if self.is_current:
            self.dismiss(None)

    # -- drawing --------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return not self.settled

    def _refresh(self) -> None:
        found = self.widgets("#distribution-view", "#distribution-readout")
        if found is None:
            return
        view, out = found
        view.refresh()
        if self.message:
            out.update(themed(self.app, Text(self.message, style="bold red")))
        elif self.dist is not None:
            text = distribution_readout(self.dist, ascii=self.ascii)
            if self.defaulted:
                hint = "no layer cursor on the chart: layer 1 (input side) shown; [ ] move"
                text += "\n" + hint
            out.update(Text(text))

    def _draw(self, width: int, height: int) -> str:
        if self.dist is None:
            dots = "..." if self.ascii else "…"
            return message_block(f"layer {self.layer_no}: computing{dots}", width, height)
        return render_distribution(self.dist, width, height, color=self.color, ascii=self.ascii,
                                   busy=self.busy)


def _entries(dist: LayerDistribution | None) -> list[tuple[tuple, LayerDistribution | None]]:
    """The runner-cache entry of a computed distribution (none for a stopped one)."""
    return [] if dist is None else [(("distribution", (dist.config, dist.layer)), dist)]
