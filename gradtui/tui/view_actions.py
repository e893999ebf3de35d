"""GradApp's keys that open another screen over the main one: the presets picker, the help, the
phase map, the spectrum, the distribution, training, the tour, the command palette and export.

Each screen's module is imported when its key is first pressed, so none of them is paid for at
start-up. The wide-network views refuse chain mode (one neuron per layer) with one line.
"""

from __future__ import annotations


class ViewActions:
    """GradApp's actions that open other screens (it provides config, cursor, view, ascii,
    BINDINGS, _preset, load_preset, _say, _error, _command and the Textual App)."""

    def action_presets(self) -> None:
        from .budget import confirm
        from .screens import PresetsScreen

        if confirm(self):  # enter answers a pending "this will take about 40 s" first
            return

        def chosen(name: str | None) -> None:
            if name:
                self.load_preset(name)

        self.push_screen(PresetsScreen(ascii=self.ascii, current=self._preset), chosen)

    def action_help(self) -> None:
        from .screens import HelpScreen

        # from another view (M, J, t, T): its own keys first, from its bindings
        screen = self.screen
        view = None
        if len(self.screen_stack) > 1:
            view = (getattr(screen, "HELP_TITLE", "this view"), screen.BINDINGS)
        self.push_screen(HelpScreen(self.BINDINGS, ascii=self.ascii, view=view))

    # -- other views ------------------------------------------------------------------------
    def _refused_in_chain(self, view: str) -> bool:
        """The wide-network views have nothing to show for one neuron per layer: say so, once."""
        if self.config.mode != "chain":
            return False
        self._say(f"the {view} is of a wide network; chain mode has one neuron per layer (m: mode)")
        return True

    def action_phase_map(self) -> None:
        from .theory_views import PhaseMapScreen

        if not self._refused_in_chain("phase map"):
            self.push_screen(PhaseMapScreen(ascii=self.ascii))

    def action_spectrum(self) -> None:
        from .theory_views import SpectrumScreen

        if not self._refused_in_chain("Jacobian spectrum"):
            self.push_screen(SpectrumScreen(ascii=self.ascii))

    def action_distribution(self) -> None:
        from .distribution_view import DistributionScreen

        self.push_screen(DistributionScreen(self.cursor, ascii=self.ascii))

    def action_train(self) -> None:
        from .training_view import TrainingScreen

        if not self._refused_in_chain("training view"):
            self.push_screen(TrainingScreen(ascii=self.ascii))

    def action_tour(self, steps: list | None = None) -> None:
        from .tour_view import TourScreen

        if steps is None:
            from gradtui.tour import TourError, load_tour

            try:
                steps = load_tour()
            except TourError as error:  # an edited shipped tour: say so, don't crash
                self._error(str(error))
                return
        self.push_screen(TourScreen(steps, ascii=self.ascii), lambda _: self.hide_answer(False))

    def action_command_palette(self) -> None:
        from .commands import open_palette

        open_palette(self)

    def action_export(self) -> None:
        from .export import export

        export(self, self.view)

    def action_copy(self) -> None:
        self.copy_to_clipboard(self._command())
        self._say("command line copied (if your terminal allows OSC 52)")

