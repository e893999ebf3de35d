"""The widgets of the main screen: control panel, chart, layer inspector, verdict, size guard.

Arrays never live in a reactive: widgets hold the Config and small values (index, view name) in
reactives and receive results through plain method calls.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from gradtui.engine import Config, Result, regime_of
from gradtui.render.glyphs import glyphs
from gradtui.render.numbers import fmt_log10, fmt_value
from gradtui.render.palette import REGIMES

from .ansi_lines import LineCache
from .controls import CONTROLS, inactive_reason

#: the smallest terminal the layout is drawn for
MIN_WIDTH, MIN_HEIGHT = 80, 24


def refresh_rows(widget: Widget, before: list | None, after: list | None) -> None:
    """Repaint only the content rows of ``widget`` that differ between ``before`` and ``after``
    (what it showed and what it will show). Textual keeps the other rows' drawn lines, so a
    keypress that changes one control row, or a few rows of the chart, redraws and composites just
    those; anything else (not yet drawn, a new number of rows) repaints the whole widget."""
    width = widget.content_size.width
    if before is None or after is None or len(before) != len(after) or width <= 0:
        widget.refresh()
        return
    changed = [Region(0, y, width, 1) for y, (old, new) in enumerate(zip(before, after)) if old != new]
    if changed:
        widget.refresh(*changed)


def _row_key(text: Text) -> tuple:
    return (text.plain, text.style, tuple(text.spans))


def set_border(widget: Widget, **texts: str) -> None:
    """Set a widget's ``title``/``subtitle`` (border_title, border_subtitle) when they differ from
    the ones it shows: Textual repaints the widget on every assignment, even of the same text."""
    shown = widget.__dict__.setdefault("_gradtui_border", {})
    for name, text in texts.items():
        if shown.get(name, ...) != text:
            setattr(widget, f"border_{name}", text)
            shown[name] = text


class ControlPanel(Widget):
    """One row per setting; the selected row is marked and highlighted."""

    COMPONENT_CLASSES = {"control-panel--selected", "control-panel--label", "control-panel--dim"}

    # a change repaints only the rows whose text changed (watchers below), not the whole panel
    config: reactive[Config] = reactive(Config, layout=False, repaint=False)
    selected: reactive[int] = reactive(0, repaint=False)

    def __init__(self, *, ascii: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.glyphs = glyphs(ascii)
        self.ascii = ascii
        self._lines = LineCache()
        self._rows_key: tuple | None = None
        self._rows_made: list[Text] = []
        #: the rows last made, by (index, value, selected, dim), for the styles and width of
        #: ``_row_styles``: a change remakes only the rows whose key changed
        self._made: dict[tuple, Text] = {}
        self._row_styles: tuple | None = None

    class Selected(Message):
        """A control row was clicked, or the wheel moved the selection over the panel."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def _top(self, rows: int) -> int:
        """The first row shown: more rows than fit are a window keeping the selected row in view."""
        if rows >= len(CONTROLS):
            return 0
        return max(0, min(self.selected - rows + 1, len(CONTROLS) - rows))

    def watch_config(self) -> None:
        self._repaint_rows()

    def watch_selected(self) -> None:
        self._repaint_rows()

    def _repaint_rows(self) -> None:
        if not self.is_mounted or self._rows_key is None:
            self.refresh()  # never drawn: the first paint draws every row
            return
        before = [_row_key(row) for row in self._rows_made]
        refresh_rows(self, before, [_row_key(row) for row in self._rows()])

    def on_click(self, event: events.Click) -> None:
        at = event.get_content_offset(self)
        if at is None:
            return
        index = self._top(self.content_size.height or len(CONTROLS)) + at.y
        if 0 <= index < len(CONTROLS):
            self.post_message(self.Selected(index))

    def _wheel(self, event: events.MouseEvent, delta: int) -> None:
        # the wheel moves the selection (like ↑/↓, without wrapping); ←/→ change the value
        event.stop()
        index = min(len(CONTROLS) - 1, max(0, self.selected + delta))
        if index != self.selected:
            self.post_message(self.Selected(index))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._wheel(event, 1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._wheel(event, -1)

    def render(self) -> Text:
        return Text("\n", no_wrap=True).join(self._rows())

    def render_line(self, y: int) -> Strip:
        """One row, from the row cache: a keypress redraws only the rows whose text changed."""
        rows = self._rows()
        width = self.size.width
        if y >= len(rows):
            return Strip.blank(width, self.visual_style.rich_style)
        return self._lines.text_strip(self, rows[y], width)

    def _rows(self) -> list[Text]:
        """The rows shown, made once per setting, selection, size and theme."""
        from .theme import theme_of

        key = (self.config, self.selected, tuple(self.content_size), theme_of(self.app))
        if key != self._rows_key:
            self._rows_key, self._rows_made = key, self._make_rows()
        return self._rows_made

    def _make_rows(self) -> list[Text]:
        label_style = self.get_component_rich_style("control-panel--label")
        dim_style = self.get_component_rich_style("control-panel--dim")
        selected_style = self.get_component_rich_style("control-panel--selected")
        width = max(self.content_size.width, 1)
        lines = []
        # more rows than fit: a window that keeps the selected row in view
        rows = self.content_size.height or len(CONTROLS)
        top = self._top(rows)
        styles = (label_style, dim_style, selected_style, width)
        if styles != self._row_styles:  # a new size or theme: no row made before is shown again
            self._row_styles, self._made = styles, {}
        made = {}
        for i, control in list(enumerate(CONTROLS))[top:top + rows]:
            key = (i, control.show(self.config, self.ascii), i == self.selected,
                   self._inactive(control.key))
            line = self._made.get(key)
            if line is None:
                line = self._make_row(control, *key[1:], styles)
            lines.append(made.setdefault(key, line))
        self._made = made  # the rows shown now: a keypress remakes only the row that changed
        return lines

    def _make_row(self, control, value: str, selected: bool, inactive: bool, styles) -> Text:
        label_style, dim_style, selected_style, width = styles
        label = control.ascii_label if self.ascii else control.label
        marker = self.glyphs.marker if selected else " "
        line = Text.assemble(f"{marker} ", (f"{label:<11}", label_style), value)
        if inactive:
            line.stylize(dim_style, 13)
        line.truncate(width, overflow="ellipsis")
        if selected:
            line.pad_right(width - line.cell_len)
            line.stylize(selected_style)
        return line

    def _inactive(self, key: str) -> bool:
        """Settings that do not change the current view are drawn dim (still changeable)."""
        return inactive_reason(self.config, key) is not None


class ChartView(Widget):
    """The plotext chart of the current result, drawn at this widget's own content size."""

    view: reactive[str] = reactive("grad")
    cursor: reactive[int | None] = reactive(None)
    #: the clip norm drawn in the weight view (None: none)
    clip: reactive[float | None] = reactive(None)

    def __init__(self, *, ascii: bool = False, color: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ascii = ascii
        self.color = color
        self.result: Result | None = None
        self.overlay: Result | None = None
        self.pinned: Result | None = None
        self.error: str | None = None
        self._cache_key: tuple | None = None
        self._cache_ansi: str | None = None
        self._cache_lines: list[str] = []
        #: the result, overlay and pinned result the cached text shows (held: the ids in its key
        #: stay theirs)
        self._cache_shown: tuple = (None, None, None)
        #: charts drawn ahead (:meth:`prepare`) and the last ones shown, by what they depend on:
        #: ((result, overlay, pinned), ANSI text)
        self._prepared: dict[tuple, tuple[tuple, str]] = {}
        self._lines = LineCache()
        #: a tour question waits for its answer: no bars
        self.answer_hidden = False

    class LayerClicked(Message):
        """A bar was clicked: inspect ``layer`` (1-based)."""

        def __init__(self, layer: int) -> None:
            super().__init__()
            self.layer = layer

    def show(self, result: Result | None, overlay: Result | None = None) -> None:
        before = self._cache_lines if self._cache_ansi is not None and self.is_mounted else None
        self.result, self.overlay, self.error = result, overlay, None
        # a new result mostly moves the bars: repaint the chart's rows that changed, not all
        refresh_rows(self, before, self._cache_lines if self._chart_ansi() is not None else None)

    def on_click(self, event: events.Click) -> None:
        at = event.get_content_offset(self)
        if at is None or self.result is None or self.answer_hidden:
            return
        from gradtui.render.bars import layer_at

        width, height = self.content_size
        hit = layer_at(self.result, width, height, at.x, view=self.view, pinned=self.pinned,
                       overlay=self.overlay, threshold=self.clip if self.view == "weight" else None)
        if hit is not None:
            first, last = hit  # a bar of several layers: keep a cursor already on it
            keep = self.cursor is not None and first <= self.cursor <= last
            self.post_message(self.LayerClicked(self.cursor if keep else first))

    def pin(self, pinned: Result | None) -> None:
        self.pinned = pinned
        self.refresh()

    def _chart_key(self, result: Result | None, overlay: Result | None) -> tuple | None:
        """What the chart of ``result`` drawn now depends on; None when it is not a chart (hidden
        answer, no result yet, too small)."""
        width, height = self.content_size
        if self.answer_hidden or result is None or width < 10 or height < 4:
            return None
        from .theme import theme_of

        return (id(result), id(overlay), id(self.pinned), self.view, self.cursor, self.clip,
                width, height, theme_of(self.app))

    def _draw(self, result: Result, overlay: Result | None, key: tuple) -> str:
        from gradtui.render.bars import render_chart

        try:
            return render_chart(
                result, key[6], key[7], color=self.color, ascii=self.ascii, view=self.view,
                pinned=self.pinned, overlay=overlay, cursor=self.cursor,
                threshold=self.clip if self.view == "weight" else None, theme=key[8],
            )
        except Exception as error:  # a chart bug must not take the app down
            return f"\x1b[1mchart failed: {type(error).__name__}: {error}\x1b[0m"

    def prepare(self, result: Result) -> None:
        """Draw ``result``'s chart (without an overlay) as it would be shown now, and keep it for
        when it is (the app's look-ahead: the next step of a held key). The charts shown last are
        kept the same way, so a step back is ready too."""
        key = self._chart_key(result, None)
        if key is not None and key not in self._prepared and key != self._cache_key:
            self._keep(key, (result, None, self.pinned), self._draw(result, None, key))

    def _keep(self, key: tuple, shown: tuple, ansi: str) -> None:
        # the results are held with the text, so the ids in the key stay theirs
        self._prepared[key] = (shown, ansi)
        while len(self._prepared) > 4:
            del self._prepared[next(iter(self._prepared))]

    def _chart_ansi(self) -> str | None:
        """The chart as ANSI text, rebuilt only when what it shows changes; None when it is not a
        chart (hidden answer, no result yet, too small)."""
        key = self._chart_key(self.result, self.overlay)
        if key is None:
            return None
        if key != self._cache_key or self._cache_ansi is None:
            if self._cache_key is not None and self._cache_ansi is not None:
                self._keep(self._cache_key, self._cache_shown, self._cache_ansi)  # a step back: ready
            shown = (self.result, self.overlay, self.pinned)
            ready = self._prepared.pop(key, None)
            if ready is not None and all(a is b for a, b in zip(ready[0], shown)):
                self._cache_ansi = ready[1]
            else:
                self._cache_ansi = self._draw(self.result, self.overlay, key)
            self._cache_key, self._cache_lines = key, self._cache_ansi.split("\n")
            self._cache_shown = shown
        return self._cache_ansi

    def render(self) -> Text:
        if self.answer_hidden:
            return Text("the bars are hidden until you answer", style="dim")
        if self.result is None:
            return Text("computing" + glyphs(self.ascii).ellipsis, style="dim")
        ansi = self._chart_ansi()
        return Text("") if ansi is None else Text.from_ansi(ansi, no_wrap=True, end="")

    def render_line(self, y: int) -> Strip:
        """A chart line from the line cache: a keypress re-decodes only the lines that changed
        (the frame, the legend and most rows of bars stay as they were)."""
        if self._chart_ansi() is None:
            return super().render_line(y)
        lines = self._cache_lines
        base = self.visual_style.rich_style
        if y >= len(lines):
            return Strip.blank(self.size.width, base)
        return self._lines.strip(lines[y], self.size.width, base)


class Inspector(Widget):
    """Numbers for the layer under the chart cursor."""

    cursor: reactive[int | None] = reactive(None)

    def __init__(self, *, ascii: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ascii = ascii
        self.result: Result | None = None
        #: a tour question waits for its answer: no numbers
        self.answer_hidden = False

    def show(self, result: Result | None) -> None:
        # without a layer under the cursor the text does not depend on the result: no repaint
        before = self._layer() is not None
        self.result = result
        self._update_title()
        if before or self._layer() is not None:
            self.refresh()

    def watch_cursor(self) -> None:
        self._update_title()

    def _layer(self) -> int | None:
        """0-based index of the inspected layer, or None."""
        r = self.result
        if self.cursor is None or r is None or not 1 <= self.cursor <= r.depth:
            return None
        return self.cursor - 1

    def _update_title(self) -> None:
        i = self._layer()
        if i is None or self.result is None:
            set_border(self, title=" layer inspector ")
            return
        regime = regime_of(float(self.result.log10_grad[i]))
        glyph = glyphs(self.ascii).regime.get(regime, "?")
        title = f" layer {i + 1}/{self.result.depth} {glyph} {regime} "
        if len(title) > self.size.width - 3:  # the glyph says the regime too; never let it be cut
            title = f" layer {i + 1}/{self.result.depth} {glyph} "
        set_border(self, title=title)

    def render(self) -> Text:
        g = glyphs(self.ascii)
        r = self.result
        i = self._layer()
        if self.answer_hidden:
            return Text("answer first", style="dim")
        if i is None or r is None:
            return Text("[ ] or , . pick a layer\nHome/End: layer 1 / L", style="dim")
        if r.chain_z is not None:
            return self._chain_rows(r, i)
        lg = float(r.log10_grad[i])
        wg, dg, ng = float(r.weight_gain[i]), float(r.deriv_gain[i]), float(r.norm_gain[i])
        grad, factor = fmt_log10(lg), fmt_log10(float(r.log10_factor[i]))
        width = max(self.content_size.width, 1)
        both = f"grad {grad}{', ' if self.ascii else ' · '}factor {factor}"
        if len(both) <= width:  # one line, so 80×24 shows the split and act std below it too
            lines = [both]
        else:
            lines = [f"grad     {grad}", f"factor   {factor}"]
        if r.config.residual:
            lines.append(" = sqrt(1+(a*w*f')^2)" if self.ascii else " = √(1 + (α·w·f')²)")
            lines.append(f"   w {fmt_value(wg)}, f' {fmt_value(dg)}")
        else:
            lines.append(f" = w {fmt_value(wg)} {g.times} f' {fmt_value(dg)}")
        if r.config.norm == "batch":  # the norm's own gain: ÷σ_B and the projection P_y
            lines.append(f"   {g.times} batch norm {fmt_value(ng)}")
        elif r.config.norm != "none":
            lines.append(f"   {g.times} norm {fmt_value(ng)}")
        act = fmt_log10(float(r.log10_act_std[i]))
        extras = []
        if r.dead_frac is not None:
            extras.append(f"dead {_pct(r.dead_frac[i])}")
        if r.saturated_frac is not None:
            extras.append(f"sat {_pct(r.saturated_frac[i])}")
        # sampled mode: one line for all three when it fits, so 80×24 shows them with the factor
        combined = " ".join([f"act {act}", *extras])
        if extras and len(combined) <= max(self.content_size.width, 1):
            lines.append(combined)
        else:
            lines.append(f"act std  {act}")
            if extras:
                lines.append("  ".join(extras))
        if bool(r.overflow[i]):
            lines.append("forward pass overflowed")
        return Text("\n".join(lines), no_wrap=True, overflow="ellipsis")


    def _chain_rows(self, r: Result, i: int) -> Text:
        """The textbook's table for one layer: z, x, w, f'(z) and the factor |w·f'(z)|."""
        g = glyphs(self.ascii)
        lx = float(r.chain_log10_abs_x[i])
        x = float(r.chain_x[i])
        x_text = fmt_value(x) if math.isfinite(x) else ("-" if x < 0 else "") + fmt_log10(lx)
        lf, w = float(r.log10_factor[i]), float(r.weight_gain[i])
        lines = [
            f"z        {fmt_value(float(r.chain_z[i]))}  (w{g.times}x+b)",
            f"x = f(z) {x_text}",
            f"factor   {fmt_log10(lf)}",
            f" = w {fmt_value(w)} {g.times} f'(z) {fmt_log10(lf - math.log10(w))}",
            f"grad     {fmt_log10(float(r.log10_grad[i]))}",
        ]
        return Text("\n".join(lines), no_wrap=True, overflow="ellipsis")


def _pct(x: float) -> str:
    x = float(x)
    return "?" if math.isnan(x) else f"{100.0 * x:.0f}%"


class TextLine(Static):
    """A Static whose text changes often: re-layout only when its number of lines changes.

    ``Static.update`` lays the whole screen out again by default; on every arrow key that is most
    of a frame's cost, and for a one-line change of the same height it is not needed.

    Text set with ``hold=True`` does not shrink the line: a held arrow key whose text wraps to one
    line more, then one less (``--weight-scale 1.189207115002721`` at 80 columns), would lay the
    screen out on every other press (~30 ms, and the chart a row taller, then shorter). The line
    keeps its taller height, padded with blank lines, until text comes without ``hold``, its width
    changes, or :meth:`refit` (the app calls it when the stepping ends: another control, view or
    change).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None
        self._text: Text | None = None
        self._lines: int | None = None
        self._width: int | None = None
        self._padded = False

    def set_text(self, text: Text, *, hold: bool = False) -> None:
        key = (text.plain, text.style, tuple(text.spans))
        if key == self._shown and (hold or not self._padded):
            return  # the same text: nothing to repaint
        self._shown = key
        self._text = text
        self._show(hold=hold)

    def refit(self) -> None:
        """Drop the padding of held text: the line's height fits its text again."""
        if self._padded and self._text is not None:
            self._show(hold=False)

    def _show(self, *, hold: bool) -> None:
        text = self._text
        assert text is not None
        width = self.content_size.width
        if width <= 0:
            lines = -1
        elif "\n" not in text.plain and text.cell_len <= width:
            lines = 1  # what wrapping it would find, without wrapping it
        else:
            lines = len(text.wrap(self.app.console, width))
        held = self._lines
        self._padded = False
        if hold and width == self._width and held is not None and 0 < lines < held:
            text = text.copy()
            text.append("\n" * (held - lines))
            lines, self._padded = held, True
        self._lines, self._width = lines, width
        self.update(text, layout=lines != held)


class Verdict(TextLine):
    """The verdict in words, with a glyph as well as a colour for its regime."""

    def __init__(self, *, ascii: bool = False, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.ascii = ascii

    def show(self, regime: str, words: str, *, hold: bool = False) -> None:
        glyph = glyphs(self.ascii).regime.get(regime, "?")
        for name in REGIMES:
            self.set_class(name == regime, f"-{name}")
        self.set_text(Text(f"{glyph} {words}"), hold=hold)


class TooSmall(Static):
    """Shown instead of everything else when the terminal is below the minimum size."""

    def render(self) -> Text:
        width, height = self.app.size
        times = "x" if getattr(self.app, "ascii", False) else "×"
        return Text(
            f"gradtui needs a terminal of at least {MIN_WIDTH}{times}{MIN_HEIGHT}.\n"
            f"This one is {width}{times}{height}: please enlarge it (q quits).",
            justify="center",
        )
