"""Theory views: the order/chaos phase map and the Jacobian spectrum, as screens of the app.

    PhaseMapScreen(config)   log10 gradient at layer 1 over (σ_w, σ_b), the χ₁ = 1 boundary, a cursor
    SpectrumScreen(config)   histogram of the input→output Jacobian's singular values (sampled network)

Both take ←/→ (weight scale, ×2^¼ steps) and ↑/↓ (bias σ_b steps) themselves and post
:class:`ConfigChanged` so the main app can adopt the new config; the app keeps them in sync with
``update_config``. Escape or q closes them. The numbers are computed in worker threads (latest
request wins), so keys never wait.

The drawing is :mod:`gradtui.render.phase` and :mod:`gradtui.render.spectrum`; these screens lay it
out and keep it current.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from gradtui.engine import Config, compute
from gradtui.engine.theory import (
    PhaseMap,
    Spectrum,
    cursor_of,
    jacobian_spectrum,
    map_key_of,
    map_ranges,
    phase_map,
    theory_summary,
)
from gradtui.render.phase import phase_map_grid, phase_readout, render_phase_map
from gradtui.render.spectrum import render_spectrum, spectrum_readout
from gradtui.render.text import message_block

from .controls import BIAS_STDS, WEIGHT_SCALES, step_grid, with_mode

__all__ = ["ConfigChanged", "PhaseMapScreen", "SpectrumScreen"]

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


class ConfigChanged(Message):
    """A theory screen changed the config with its own keys; the app should adopt ``config``."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config

    def can_replace(self, message: Message) -> bool:  # a held key: only the latest matters
        return isinstance(message, ConfigChanged)


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
        return Text.from_ansi(ansi, no_wrap=True, end="")


_WEIGHT = Binding.Group("weight", compact=True)
_BIAS = Binding.Group("bias", compact=True)


class _TheoryScreen(Screen[None]):
    """What both views share: the config, the weight/bias keys, closing, and the readout line."""

    DEFAULT_CSS = """
    _TheoryScreen { layout: vertical; }
    _TheoryScreen .theory-readout { height: 2; padding: 0 1; }
    """

    BINDINGS = [
        Binding("left", "weight(-1)", "weight", key_display="←", group=_WEIGHT, id="theory.weight.down"),
        Binding("right", "weight(1)", "weight", key_display="→", group=_WEIGHT, id="theory.weight.up"),
        Binding("down", "bias(-1)", "bias σ_b", key_display="↓", group=_BIAS, id="theory.bias.down"),
        Binding("up", "bias(1)", "bias σ_b", key_display="↑", group=_BIAS, id="theory.bias.up"),
        Binding("escape,q", "close", "back", key_display="esc", id="theory.close"),
    ]

    def __init__(self, config: Config, ascii: bool = False) -> None:
        super().__init__()
        self.config = config
        self.ascii = ascii
        self.message: str | None = None

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
        self._change(lambda c: c.replace(bias_std=step_grid(c.bias_std, BIAS_STDS, direction)))

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
        self.update_config(new)
        self.post_message(ConfigChanged(new))

    # -- to override ----------------------------------------------------------------------------
    def update_config(self, config: Config) -> None:
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

    def __init__(self, config: Config, ascii: bool = False) -> None:
        super().__init__(config, ascii)
        self.map: PhaseMap | None = None
        self._wanted: tuple | None = None
        self._readout: tuple[Config, dict, float | None] | None = None

    def compose(self) -> ComposeResult:
        yield _AnsiView(self._draw, id="phase-view")
        yield Static("", id="phase-readout", classes="theory-readout")
        yield Footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self._request)

    def on_resize(self) -> None:
        self.call_after_refresh(self._request)

    # -- state ----------------------------------------------------------------------------------
    def update_config(self, config: Config) -> None:
        """Follow the app's config: move the cursor at once, recompute only what must be."""
        self.config = config
        if self.is_mounted:
            self._request()

    @property
    def busy(self) -> bool:
        return self.map is None or self._wanted is not None and self.map.key() != self._wanted

    @property
    def cursor(self) -> tuple[int, int] | None:
        """The cell of the current (σ_w, σ_b) on the map on screen (None before the first map)."""
        if self.map is None:
            return None
        return cursor_of(self.config, self.map.x_range, self.map.y_max, self.map.shape)[0]

    def _request(self) -> None:
        view = self.query_one("#phase-view", _AnsiView)
        nx, ny = phase_map_grid(*view.content_size)
        if nx >= 8 and ny >= 3:
            x_range, y_max = map_ranges(self.config)
            c = self.config
            key = map_key_of(c.activation, c.depth, c.residual, c.residual_scale, c.norm, x_range, y_max, (nx, ny))
            if self.map is None or self.map.key() != key:
                if key != self._wanted:
                    self._wanted = key
                    self.run_worker(
                        partial(phase_map, c, nx, ny, x_range=x_range, y_max=y_max),
                        name="phase-map", group="phase-map", thread=True, exclusive=True,
                        exit_on_error=False,
                    )
            else:
                self._wanted = key
        self.run_worker(
            partial(_readout_job, self.config), name="phase-readout", group="phase-readout",
            thread=True, exclusive=True, exit_on_error=False,
        )
        view.refresh()
        self._show_readout()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.SUCCESS:
            if event.state == WorkerState.ERROR and event.worker.group in ("phase-map", "phase-readout"):
                self.message = f"theory failed: {event.worker.error}"
                self._show_readout()
            return
        result = event.worker.result
        if event.worker.group == "phase-map" and isinstance(result, PhaseMap):
            if result.key() == self._wanted:
                self.map = result
                self.query_one("#phase-view", _AnsiView).refresh()
        elif event.worker.group == "phase-readout" and isinstance(result, tuple):
            if result[0] == self.config:
                self._readout = result
                self._show_readout()

    # -- drawing --------------------------------------------------------------------------------
    def _draw(self, width: int, height: int) -> str:
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


def _spectrum_job(config: Config) -> tuple[Config, Spectrum]:
    return config, jacobian_spectrum(spectrum_config(config)[0], max_width=SPECTRUM_MAX_WIDTH)


class SpectrumScreen(_TheoryScreen):
    """Singular values of the sampled network's input→output Jacobian (same seed as the bars)."""

    def __init__(self, config: Config, ascii: bool = False) -> None:
        super().__init__(config, ascii)
        self.spectrum: Spectrum | None = None
        self._wanted: Config | None = None
        self._shown: Config | None = None

    def compose(self) -> ComposeResult:
        yield _AnsiView(self._draw, id="spectrum-view")
        yield Static("", id="spectrum-readout", classes="theory-readout")
        yield Footer()

    def on_mount(self) -> None:
        self._request()

    def update_config(self, config: Config) -> None:
        self.config = config
        if self.is_mounted:
            self._request()

    @staticmethod
    def _key(config: Config) -> Config:
        # the spectrum of input sample 0 does not depend on the batch size or the app's mode
        return spectrum_config(config)[0].replace(batch=1)

    @property
    def busy(self) -> bool:
        """True until the spectrum on screen is the current config's."""
        return self.spectrum is None or self._shown != self._wanted

    def _request(self) -> None:
        key = self._key(self.config)
        if key != self._wanted:
            self._wanted = key
            self.run_worker(
                partial(_spectrum_job, self.config), name="spectrum", group="spectrum", thread=True,
                exclusive=True, exit_on_error=False,
            )
        self.query_one("#spectrum-view", _AnsiView).refresh()
        self._show_readout()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "spectrum":
            return
        if event.state == WorkerState.ERROR:
            self.message = f"spectrum failed: {event.worker.error}"
            self._show_readout()
            return
        if event.state != WorkerState.SUCCESS:
            return
        config, spec = event.worker.result
        if self._key(config) == self._wanted:
            self.spectrum, self._shown = spec, self._wanted
            self.query_one("#spectrum-view", _AnsiView).refresh()
            self._show_readout()

    def _draw(self, width: int, height: int) -> str:
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
        elif self.spectrum is not None:
            out.update(Text(spectrum_readout(self.spectrum, ascii=self.ascii)))
