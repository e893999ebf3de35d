"""The drawing kit: text renderers of gradtui's results, with no Textual in them.

The TUI lays these out in widgets; ``--print`` writes them to stdout. Nothing here imports textual
or anything of ``gradtui.tui``.
"""
