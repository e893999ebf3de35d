"""The gradtui terminal UI (Textual). Imported lazily by the CLI: ``gradtui.tui.app.run_app``."""
