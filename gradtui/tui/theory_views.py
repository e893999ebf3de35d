"""Theory views: the order/chaos phase map and the Jacobian spectrum, as screens of the app.

    PhaseMapScreen()   log10 gradient at layer 1 over (σ_w, σ_b), the χ₁ = 1 boundary, a cursor
    SpectrumScreen()   histogram of the input→output Jacobian's singular values (sampled network)

Both show the app's config (:class:`~gradtui.tui.host.ConfigApp`) and follow it; their own keys
←/→ (weight scale, ×2^¼ steps) and ↑/↓ (bias σ_b steps) change it. Escape closes them (q quits, as everywhere). The
numbers are computed on the app's runner (latest request wins, a result for a closed view is
dropped), so keys never wait.

The drawing is :mod:`gradtui.render.phase` and :mod:`gradtui.render.spectrum`; these screens lay it
out and keep it current.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Footer, Static

from gradtui.engine import Config, compute
from gradtui.engine.theory import (
    PhaseMap,
    Spectrum,
    cursor_of,
    jacobian_spectrum,
    spectrum_refusal,
    map_key_of,
    map_ranges,
    phase_map,
    theory_summary,
)
from gradtui.render.phase import phase_map_grid, phase_readout, render_phase_map
from gradtui.render.spectrum import render_spectrum, spectrum_readout
from gradtui.render.text import message_block

from .budget import confirm, spectrum_over_budget, spectrum_seconds, timed
from .host import ViewScreen
from .controls import BIAS_STDS, WEIGHT_SCALES, step_grid, with_mode

__all__ = ["PhaseMapScreen", "SpectrumScreen"]

#: the widest Jacobian the spectrum view computes (wider configs use a width-capped copy)
SPECTRUM_MAX_WIDTH = 256


def _readout_job(config: Config) -> tuple[Config, dict, float | None]:
    summary = theory_summary(config)
    cfg = with_mode(config, "expected")[0]
    try:
        lg = float(compute(cfg).log10_grad_first)
    except ValueError:
        lg = None
    return config, summary, lg


def _flat_map_text(config: Config) -> str:
    """What the phase map would show under batch norm: the same number in every cell."""
    from gradtui.engine.batchnorm import bn_lambda

    lam = bn_lambda(config.activation, config.batch)
    return (f"phase map: flat under batch norm. σ_w and σ_b drop out (each unit is normalised over "
            f"the batch), so every cell is the same: λ(B={config.batch}) = {lam:.4g}, a factor "
            f"×{lam ** 0.5:.3g} per plain layer. Change the batch size instead.")


class _AnsiView(Widget):
    """A block of ANSI text drawn by the owning screen at this widget's content size."""

    DEFAULT_CSS = "_AnsiView { height: 1fr; }"

    def __init__(self, draw, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._draw = draw

    def render(self) -> Text:
        width, height = self.content_size
        if width <= 0 or height <= 0:
            return Text("")
        try:
            ansi = self._draw(width, height)
        except Exception as error:  # a drawing bug must not take the app down
            return Text(f"view failed: {type(error).__name__}: {error}", style="bold")
        from .theme import themed_ansi

        return themed_ansi(self.app, ansi)


_WEIGHT = Binding.Group("weight", compact=True)
_BIAS = Binding.Group("bias", compact=True)
_WEIGHT_HELP = "weight scale σ_w down / up (×2^¼ steps): the app's setting"
_BIAS_HELP = "bias σ_b down / up: the app's setting"


class _TheoryScreen(ViewScreen):
    """What both views share: the config, the weight/bias keys, closing, and the readout line."""

    DEFAULT_CSS = """
    _TheoryScreen { layout: vertical; }
    _TheoryScreen .theory-readout { height: 2; padding: 0 1; }
    """

    #: a binding's tooltip is its line in the help (the two keys of a pair share it)
    BINDINGS = [
        Binding("left", "weight(-1)", "weight", key_display="←", group=_WEIGHT, id="theory.weight.down",
                tooltip=_WEIGHT_HELP),
        Binding("right", "weight(1)", "weight", key_display="→", group=_WEIGHT, id="theory.weight.up",
                tooltip=_WEIGHT_HELP),
        Binding("down", "bias(-1)", "bias σ_b", key_display="↓", group=_BIAS, id="theory.bias.down",
                tooltip=_BIAS_HELP),
        Binding("up", "bias(1)", "bias σ_b", key_display="↑", group=_BIAS, id="theory.bias.up",
                tooltip=_BIAS_HELP),
        Binding("escape", "close", "back", key_display="esc", id="theory.close",
                tooltip="back to the main screen (the bars keep the setting)"),
    ]

    def __init__(self, ascii: bool = False) -> None:
        super().__init__()
        self.ascii = ascii
        self.message: str | None = None

    @property
    def config(self) -> Config:
        """The app's config: the one every screen shows."""
        return self.app.config

    def on_mount(self) -> None:
        self.watch(self.app, "config", self._config_changed, init=False)
        self.call_after_refresh(self._request)

    def on_unmount(self) -> None:
        self.app.runner.cancel(self)  # nothing computed for this view is delivered any more

    def resumed(self) -> None:
        self._request()  # back from under the size guard or another view: maybe at a new size

    def _config_changed(self) -> None:
        """Follow the app's config: move the cursor at once, recompute only what must be."""
        self._request()

    def _failed(self, error: BaseException) -> None:
        self.message = f"{self.WHAT} failed: {error}"
        self._show_readout()

    @property
    def color(self) -> bool:
        try:
            return not self.app.no_color
        except Exception:
            return True

    # -- keys ---------------------------------------------------------------------------------
    def action_weight(self, direction: int) -> None:
        self._change(lambda c: c.replace(weight_scale=step_grid(c.weight_scale, WEIGHT_SCALES, direction)))

    def action_bias(self, direction: int) -> None:
        self._change(lambda c: c.replace(bias_std=step_grid(c.sigma_b, BIAS_STDS, direction)))

    def action_close(self) -> None:
        if self.is_current:  # a second close key typed ahead must not pop the main screen
            self.dismiss(None)

    def _change(self, make) -> None:
        try:
            new = make(self.config)
        except ValueError as error:
            self.message = str(error)
            self._show_readout()
            return
        if new == self.config:
            return
        self.message = None
        self.app.change_config(new)

    # -- to override ----------------------------------------------------------------------------
    def _request(self) -> None:
        raise NotImplementedError

    def _show_readout(self) -> None:
        raise NotImplementedError


class PhaseMapScreen(_TheoryScreen):
    """log10 gradient at layer 1 over (σ_w, σ_b) for the current activation and depth (expected mode).

    The map is recomputed (in a worker) only when what it depends on changes: activation, depth,
    skip, norm, the window size, or a cursor that leaves the map's range. Moving the cursor inside
    the map redraws instantly; the readout below it (χ₁, ξ, critical σ_w, the exact gradient at the
    cursor) comes from a second worker.
    """

    WHAT = "theory"
    HELP_TITLE = "phase map"

    def __init__(self, ascii: bool = False) -> None:
        super().__init__(ascii)
        self.map: PhaseMap | None = None
        self._wanted: tuple | None = None
        self._readout: tuple[Config, dict, float | None] | None = None

    def compose(self) -> ComposeResult:
        yield _AnsiView(self._draw, id="phase-view")
        yield Static("", id="phase-readout", classes="theory-readout")
        yield Footer()

    def on_resize(self) -> None:
        self.call_after_refresh(self._request)

    # -- state ----------------------------------------------------------------------------------
    @property
    def flat(self) -> bool:
        """Batch norm: σ_w and σ_b drop out, so the map would be one colour: it is not drawn."""
        return self.config.norm == "batch"

    @property
    def busy(self) -> bool:
        if self.flat:
            return False
        return self.map is None or self._wanted is not None and self.map.key() != self._wanted

    @property
    def settled(self) -> bool:
        """The map and the readout under it are the current config's (for tests and benchmarks)."""
        return not self.busy and self._readout is not None and self._readout[0] == self.config

    @property
    def cursor(self) -> tuple[int, int] | None:
        """The cell of the current (σ_w, σ_b) on the map on screen (None before the first map)."""
        if self.map is None:
            return None
        return cursor_of(self.config, self.map.x_range, self.map.y_max, self.map.shape)[0]

    def _request(self) -> None:
        view = self.query_one("#phase-view", _AnsiView)
        nx, ny = phase_map_grid(*view.content_size)
        if nx >= 8 and ny >= 3 and not self.flat:
            x_range, y_max = map_ranges(self.config)
            c = self.config
            key = map_key_of(c.activation, c.depth, c.residual, c.residual_scale, c.norm, x_range, y_max, (nx, ny))
            cached = self.app.runner.cache.get(("phase-map", key))
            if cached is not None:
                self.map = cached
            if self.map is None or self.map.key() != key:
                if key != self._wanted:
                    self._wanted = key
                    self.app.runner.submit(
                        "phase-map", lambda ticket: phase_map(c, nx, ny, x_range=x_range, y_max=y_max),
                        self._map_done, keep=self._keep_map, failed=self._failed, owner=self,
                        interrupt=True,
                    )
            else:
                self._wanted = key
        config = self.config
        self.app.runner.submit("phase-readout", lambda ticket: _readout_job(config),
                               self._readout_done, failed=self._failed, owner=self)
        view.refresh()
        self._show_readout()

    def _keep_map(self, pm: PhaseMap) -> None:
        self.app.runner.cache.put(("phase-map", pm.key()), pm)

    def _map_done(self, pm: PhaseMap) -> None:
        if pm.key() == self._wanted:
            self.map = pm
            self.query_one("#phase-view", _AnsiView).refresh()

    def _readout_done(self, readout: tuple[Config, dict, float | None]) -> None:
        if readout[0] == self.config:
            self._readout = readout
            self._show_readout()

    # -- drawing --------------------------------------------------------------------------------
    def _draw(self, width: int, height: int) -> str:
        if self.flat:
            return message_block(_flat_map_text(self.config), width, height, wrap=True)
        if self.map is None or self.map.shape != phase_map_grid(width, height):
            if self.map is None:
                return message_block("phase map: computing" + ("..." if self.ascii else "…"), width, height)
            return message_block("phase map: redrawing for the new size", width, height)
        return render_phase_map(self.map, width, height, config=self.config, color=self.color,
                                ascii=self.ascii, busy=self.busy)

    def _show_readout(self) -> None:
        try:
            out = self.query_one("#phase-readout", Static)
        except Exception:
            return
        if self.message:
            out.update(Text(self.message, style="bold red"))
        elif self._readout is not None and self._readout[0] == self.config:
            _, summary, lg = self._readout
            out.update(Text(phase_readout(summary, lg, self.config, ascii=self.ascii)))
        # while the readout is computing the previous one stays (no flicker on a held key)


# ---------------------------------------------------------------------------------------------
# Jacobian spectrum
# ---------------------------------------------------------------------------------------------
def spectrum_config(config: Config) -> tuple[Config, str | None]:
    """The sampled network the spectrum is of: ``config`` in sampled mode (clamped if it must be)."""
    return with_mode(config, "sampled")


def _spectrum_job(config: Config, stop=None) -> tuple[Config, Spectrum]:
    return config, jacobian_spectrum(spectrum_config(config)[0], max_width=SPECTRUM_MAX_WIDTH, stop=stop)


class SpectrumScreen(_TheoryScreen):
    """Singular values of the sampled network's input→output Jacobian (same seed as the bars)."""

    WHAT = "spectrum"
    HELP_TITLE = "Jacobian spectrum"
    BINDINGS = [Binding("enter", "run_anyway", "run", show=False, id="spectrum.run",
                        tooltip="run a spectrum estimated over the compute budget")]

    def action_run_anyway(self) -> None:
        confirm(self)

    def __init__(self, ascii: bool = False) -> None:
        super().__init__(ascii)
        self.spectrum: Spectrum | None = None
        self._wanted: Config | None = None
        self._shown: Config | None = None

    def compose(self) -> ComposeResult:
        yield _AnsiView(self._draw, id="spectrum-view")
        yield Static("", id="spectrum-readout", classes="theory-readout")
        yield Footer()

    @staticmethod
    def _key(config: Config) -> Config:
        # the spectrum of input sample 0 does not depend on the batch size or the app's mode
        return spectrum_config(config)[0].replace(batch=1)

    @property
    def busy(self) -> bool:
        """True until the spectrum on screen is the current config's (or its refusal is)."""
        if spectrum_refusal(self.config) is not None:
            return False
        return self.spectrum is None or self._shown != self._wanted

    @property
    def settled(self) -> bool:
        """The spectrum on screen is the current config's (for tests and benchmarks)."""
        return not self.busy

    def _request(self) -> None:
        if spectrum_refusal(self.config) is not None:  # _draw says why; nothing to compute
            self.query_one("#spectrum-view", _AnsiView).refresh()
            self._show_readout()
            return
        key = self._key(self.config)
        cached = self.app.runner.cache.get(("spectrum", key))
        if cached is not None and key != self._shown:
            self._wanted = key
            self._spectrum_done(cached)
        elif key != self._wanted:
            if spectrum_over_budget(self, key, SPECTRUM_MAX_WIDTH, self._request):
                return
            self._wanted = key
            config, estimate = self.config, spectrum_seconds(key, SPECTRUM_MAX_WIDTH)
            app = self.app
            self.app.runner.submit(
                "spectrum",
                lambda ticket: timed(app, "spectrum", estimate, lambda: _spectrum_job(config, ticket.check)),
                self._spectrum_done,
                keep=lambda done: self.app.runner.cache.put(("spectrum", self._key(done[0])), done),
                failed=self._failed, owner=self,
            )
        self.query_one("#spectrum-view", _AnsiView).refresh()
        self._show_readout()

    def _spectrum_done(self, done: tuple[Config, Spectrum]) -> None:
        config, spec = done
        if self._key(config) == self._wanted:
            self.spectrum, self._shown = spec, self._wanted
            self.query_one("#spectrum-view", _AnsiView).refresh()
            self._show_readout()

    def _draw(self, width: int, height: int) -> str:
        refusal = spectrum_refusal(self.config)
        if refusal is not None:
            return message_block(f"Jacobian spectrum: {refusal}.", width, height, wrap=True)
        if self.spectrum is None:
            return message_block("Jacobian spectrum: computing" + ("..." if self.ascii else "…"), width, height)
        return render_spectrum(self.spectrum, width, height, color=self.color, ascii=self.ascii,
                               busy=self.busy)

    def _show_readout(self) -> None:
        try:
            out = self.query_one("#spectrum-readout", Static)
        except Exception:
            return
        if self.message:
            out.update(Text(self.message, style="bold red"))
        elif spectrum_refusal(self.config) is not None:
            out.update(Text(""))
        elif self.spectrum is not None:
            out.update(Text(spectrum_readout(self.spectrum, ascii=self.ascii)))
