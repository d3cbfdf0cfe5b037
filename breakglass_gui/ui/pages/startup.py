"""Before the procedure: the drill environment starting, and the first-run screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QProgressBar

from breakglass_gui.ui import theme
from breakglass_gui.ui.pages.base import Page, wrapped

if TYPE_CHECKING:
    from breakglass_gui.ui.controller import Controller


class StartupPage(Page):
    name = "startup"
    title = "Starting"
    intro = "Preparing Break Glass."

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        bar = QProgressBar()
        bar.setRange(0, 0)
        self.bar = bar
        self.body.addWidget(bar)
        self.detail = theme.note(wrapped())
        self.body.addWidget(self.detail)
        self.body.addStretch(1)

    def refresh(self) -> None:
        drill = self.ctl.options.drill
        if self.ctl.start_error:
            self.bar.hide()
            self.intro_label.setText("Break Glass could not start.")
            self.error.setText(self.ctl.start_error)
            self.error.show()
            return
        self.bar.show()
        self.intro_label.setText(
            "Starting the drill environment on 127.0.0.1: simulated AWS, federation and MFA "
            "devices, and a drill Vault (OpenBao) of its own. Nothing real is touched."
            if drill
            else "Loading the configuration and verifying the journal."
        )


class FirstRunPage(Page):
    name = "first_run"
    title = "Welcome to Break Glass"
    intro = (
        "There is no configuration on this workstation yet. Run a drill to practise the whole "
        "procedure against a simulated AWS, a drill Vault and MFA devices, or open the "
        "configuration file "
        "your administrator prepared (TOML; an annotated example ships in resources/)."
    )

    def __init__(self, ctl: Controller) -> None:
        super().__init__(ctl)
        self.where = theme.note(wrapped())
        self.body.addWidget(self.where)
        self.body.addStretch(1)
        self.open_button = self.button("&Open a configuration file…", self._open)
        self.drill_button = self.button("&Run a drill", self.ctl.start_drill, primary=True)

    def refresh(self) -> None:
        path = self.ctl.options.config_path
        self.where.setText(f"Looked for: {path}" if path else "")
        if self.ctl.start_error:
            self.error.setText(self.ctl.start_error)
            self.error.show()
            self.ctl.start_error = ""

    def _open(self) -> None:
        path = self.ctl.options.prompts.open_file(
            self, "Open a Break Glass configuration", "TOML files (*.toml);;All files (*)"
        )
        if path is not None:
            self.ctl.open_config(path)
