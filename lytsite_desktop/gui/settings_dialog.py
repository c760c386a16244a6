"""Settings: destinations (secrets to the keyring), upload and preview options."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lytsite_desktop.core.app import App
from lytsite_desktop.core.errors import ConfigError, TransferError
from lytsite_desktop.core.settings import PreviewSettings, TransferSettings
from lytsite_desktop.core.sizes import format_size, parse_size


class DestinationForm(QDialog):
    """Add or edit one destination."""

    def __init__(self, parent: QWidget | None = None, *, name: str = "", url: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Destination")
        self.name = QLineEdit(name)
        self.name.setAccessibleName("Destination name")
        self.url = QLineEdit(url)
        self.url.setPlaceholderText(
            "s3://BUCKET?endpoint=https://ACCOUNT_ID.r2.cloudflarestorage.com"
        )
        self.url.setAccessibleName("Destination URL")
        self.key_id = QLineEdit()
        self.key_id.setAccessibleName("Access key ID")
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAccessibleName("Secret access key")
        self.use_env = QCheckBox("Use the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables")
        self.default = QCheckBox("Publish here by default")
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Bucket URL", self.url)
        form.addRow("Access key ID", self.key_id)
        form.addRow("Secret access key", self.secret)
        form.addRow("", self.use_env)
        form.addRow("", self.default)
        hint = QLabel("The secret key is kept in your system's keychain, never in a settings file.")
        hint.setWordWrap(True)
        form.addRow(hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class _Result(QObject):
    done = Signal(str)


class SettingsDialog(QDialog):
    """Changes are saved when the dialog is accepted; destinations at once."""

    def __init__(self, app: App, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle("Settings")
        self.resize(620, 420)
        tabs = QTabWidget()
        tabs.addTab(self._destinations_tab(), "Destinations")
        tabs.addTab(self._uploads_tab(), "Uploads and previews")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.buttons)
        self._test_result = _Result(self)
        self._test_result.done.connect(self._show_test_result)

    # -- destinations ---------------------------------------------------------------------------

    def _destinations_tab(self) -> QWidget:
        page = QWidget()
        self.dest_list = QListWidget()
        self.dest_list.setAccessibleName("Saved destinations")
        self._fill_destinations()
        add = QPushButton("Add…")
        add.clicked.connect(lambda: self.edit_destination(None))
        remove = QPushButton("Remove")
        remove.clicked.connect(self.remove_destination)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_status = QLabel()
        self.test_status.setWordWrap(True)
        buttons = QVBoxLayout()
        for b in (add, remove, self.test_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.dest_list, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.test_status)
        return page

    def _fill_destinations(self) -> None:
        self.dest_list.clear()
        default = self.app.settings.default_destination
        for name, d in sorted(self.app.settings.destinations.items()):
            mark = " (default)" if name == default else ""
            self.dest_list.addItem(f"{name}{mark} — {d.url}")

    def _selected_destination(self) -> str | None:
        item = self.dest_list.currentItem()
        return item.text().split(" ", 1)[0] if item else None

    def edit_destination(self, form: DestinationForm | None = None) -> bool:
        """Show the form (or take a filled one, for tests) and save what it says."""
        if form is None:
            form = DestinationForm(self)
            if form.exec() != QDialog.DialogCode.Accepted:
                return False
        secret = None if form.use_env.isChecked() else form.secret.text()
        key_id = None if form.use_env.isChecked() else form.key_id.text().strip()
        try:
            self.app.save_destination(
                form.name.text(),
                form.url.text().strip(),
                access_key_id=key_id or None,
                secret=secret or None,
                default=form.default.isChecked(),
            )
        except ConfigError as exc:
            self.test_status.setText(f"Not saved: {exc}")
            return False
        self._fill_destinations()
        self.test_status.setText(f"Saved {form.name.text().strip()!r}.")
        return True

    def remove_destination(self) -> None:
        name = self._selected_destination()
        if name is None:
            return
        answer = QMessageBox.question(self, "Remove destination", f"Forget {name!r}?")
        if answer == QMessageBox.StandardButton.Yes:
            self.app.remove_destination(name)
            self._fill_destinations()

    def test_connection(self) -> None:
        """A real request to the selected destination, off the GUI thread."""
        name = self._selected_destination()
        if name is None:
            self.test_status.setText("Select a destination to test.")
            return
        self.test_button.setEnabled(False)
        self.test_status.setText(f"Testing {name}…")

        def run() -> None:
            try:
                dest = self.app.open(name, self.app.settings.transfer)
                dest.check_access()
                dest.close()
                message = f"{name}: connected, and the bucket accepts uploads."
            except (ConfigError, TransferError) as exc:
                message = f"{name}: {exc}"
            self._test_result.done.emit(message)

        threading.Thread(target=run, name="test-connection", daemon=True).start()

    def _show_test_result(self, message: str) -> None:
        self.test_status.setText(message)
        self.test_button.setEnabled(True)

    # -- uploads and previews ---------------------------------------------------------------------

    def _uploads_tab(self) -> QWidget:
        t, p = self.app.settings.transfer, self.app.settings.previews
        page = QWidget()
        form = QFormLayout(page)
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 64)
        self.concurrency.setValue(t.concurrency)
        self.part_size = QLineEdit(format_size(t.part_size))
        self.bwlimit = QLineEdit(format_size(t.bwlimit) + "/s" if t.bwlimit else "")
        self.bwlimit.setPlaceholderText("no limit (e.g. 4M or 20Mbit)")
        self.preview_size = QSpinBox()
        self.preview_size.setRange(200, 8000)
        self.preview_size.setValue(p.size)
        self.preview_quality = QSpinBox()
        self.preview_quality.setRange(1, 100)
        self.preview_quality.setValue(p.quality)
        self.auto_resume = QCheckBox("Resume interrupted uploads when the app starts")
        self.auto_resume.setChecked(self.app.settings.auto_resume)
        form.addRow("Files in flight at once", self.concurrency)
        form.addRow("Part size", self.part_size)
        form.addRow("Bandwidth limit", self.bwlimit)
        form.addRow("Preview long edge (px)", self.preview_size)
        form.addRow("Preview quality", self.preview_quality)
        form.addRow("", self.auto_resume)
        self.error = QLabel()
        self.error.setWordWrap(True)
        form.addRow(self.error)
        return page

    def save(self) -> None:
        """Validate and save; a bad value is explained and nothing is saved."""
        try:
            transfer = TransferSettings(**vars(self.app.settings.transfer))
            transfer.concurrency = self.concurrency.value()
            transfer.part_size = parse_size(self.part_size.text())
            limit = self.bwlimit.text().strip().removesuffix("/s")
            transfer.bwlimit = parse_size(limit) if limit else None
            transfer.validate()
            previews = PreviewSettings(**vars(self.app.settings.previews))
            previews.size = self.preview_size.value()
            previews.quality = self.preview_quality.value()
            previews.thumb_size = min(previews.thumb_size, previews.size)
            previews.validate()
        except ValueError as exc:
            self.error.setText(f"Not saved: {exc}")
            return
        settings = self.app.settings
        settings.transfer, settings.previews = transfer, previews
        settings.auto_resume = self.auto_resume.isChecked()
        settings.save(self.app.paths.config_file)
        self.accept()
