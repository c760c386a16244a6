"""Settings: destinations (secrets to the keyring), upload and preview options, the
studio, the watermark."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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
from lytsite_desktop.core.config.secrets import KeyringUnavailable
from lytsite_desktop.core.config.settings import (
    DestinationConfig,
    PreviewSettings,
    TransferSettings,
)
from lytsite_desktop.core.destinations.connect import check_connection
from lytsite_desktop.core.destinations.resolve import DestRef
from lytsite_desktop.core.destinations.s3 import S3Destination
from lytsite_desktop.core.destinations.signer import SCHEMES
from lytsite_desktop.core.errors import ConfigError, TransferError
from lytsite_desktop.core.sizes import format_size, parse_size
from lytsite_desktop.gui.background import Background
from lytsite_desktop.gui.dialogs.connect import ENV_CHOICE, ConnectDialog
from lytsite_desktop.gui.dialogs.watermark_tab import WatermarkTab


class DestinationForm(QDialog):
    """A destination by its address: a saved one edited (its name fixed, its secret
    kept if left blank), or a new one named here (any address, as ``dest add`` takes;
    Settings' "Add…" opens the Connect form instead)."""

    def __init__(
        self, parent: QWidget | None = None, *, editing: DestinationConfig | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit destination" if editing else "Add destination")
        self.name = QLineEdit(editing.name if editing else "")
        self.name.setAccessibleName("Destination name")
        self.name.setPlaceholderText("a short word, like r2 or studio")
        self.name.setReadOnly(editing is not None)
        self.url = QLineEdit(editing.url if editing else "")
        self.url.setPlaceholderText(
            "s3://BUCKET?endpoint=https://ACCOUNT_ID.r2.cloudflarestorage.com "
            "or companion+https://uploads.example.com"
        )
        self.url.setAccessibleName("Destination URL")
        self.key_id = QLineEdit(editing.access_key_id or "" if editing else "")
        self.key_id.setAccessibleName("Access key ID")
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAccessibleName("Secret access key")
        if editing is not None and editing.keyring_secret:
            self.secret.setPlaceholderText("saved in the keychain; leave blank to keep it")
        self.use_env = QCheckBox(ENV_CHOICE)
        self.use_env.setChecked(
            editing is not None and editing.url.startswith("s3://") and not editing.keyring_secret
        )
        self.public_url = QLineEdit(editing.public_url or "" if editing else "")
        self.public_url.setPlaceholderText("optional: https://photos.example.com, for links")
        self.public_url.setAccessibleName("Public address")
        self.default = QCheckBox("Publish here by default")
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Bucket or server URL", self.url)
        form.addRow("Access key ID", self.key_id)
        form.addRow("Secret key or token", self.secret)
        form.addRow("Public address", self.public_url)
        form.addRow("", self.use_env)
        form.addRow("", self.default)
        hint = QLabel(
            "The secret key (an upload server's token) is kept in your system's keychain, "
            "never in a settings file. An upload server needs no access key ID."
        )
        hint.setWordWrap(True)
        form.addRow(hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class SettingsDialog(QDialog):
    """Changes are saved when the dialog is accepted; destinations at once."""

    #: A destination was saved (True) or refused (False, the reason in test_status).
    destination_saved = Signal(bool)

    def __init__(self, app: App, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle("Settings")
        self.resize(620, 420)
        tabs = QTabWidget()
        tabs.addTab(self._destinations_tab(), "Destinations")
        tabs.addTab(self._uploads_tab(), "Uploads and previews")
        tabs.addTab(self._studio_tab(), "Your studio")
        self.watermark = WatermarkTab(self.app.settings.watermark)
        tabs.addTab(self.watermark, "Watermark")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.error = QLabel()  # why the settings were not saved, under any tab
        self.error.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._background = Background(self, workers=1)
        self.finished.connect(lambda _: self._background.shutdown(wait=False))

    # -- destinations ---------------------------------------------------------------------------

    def _destinations_tab(self) -> QWidget:
        page = QWidget()
        self.dest_list = QListWidget()
        self.dest_list.setAccessibleName("Saved destinations")
        self.dest_list.itemDoubleClicked.connect(lambda _: self.edit_destination(None))
        self._fill_destinations()
        add = QPushButton("Add…")
        add.clicked.connect(self.add_destination)
        edit = QPushButton("Edit…")
        edit.clicked.connect(lambda: self.edit_destination(None))
        remove = QPushButton("Remove")
        remove.clicked.connect(self.remove_destination)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_status = QLabel()
        self.test_status.setWordWrap(True)
        self.test_status.setAccessibleName("Destination status")
        self._dest_buttons = (add, edit, remove, self.test_button)
        buttons = QVBoxLayout()
        for b in self._dest_buttons:
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
            self.dest_list.item(self.dest_list.count() - 1).setData(Qt.ItemDataRole.UserRole, name)

    def select_destination(self, name: str) -> None:
        for row in range(self.dest_list.count()):
            if self.dest_list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.dest_list.setCurrentRow(row)

    def _selected_destination(self) -> str | None:
        item = self.dest_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _busy(self, message: str | None) -> None:
        """While the keyring or the network answers, the destination buttons wait."""
        for b in self._dest_buttons:
            b.setEnabled(message is None)
        if message is not None:
            self.test_status.setText(message)

    @property
    def busy(self) -> bool:
        return not self.test_button.isEnabled()

    def add_destination(self) -> ConnectDialog:
        """The same form as the welcome's "Connect a bucket": the service by name, a
        connection test; saved, it is selected here."""
        dialog = ConnectDialog(self.app, self)
        dialog.default.setChecked(not self.app.settings.destinations)
        dialog.saved.connect(lambda name: self._saved(name, ""))
        dialog.open()
        return dialog

    def edit_destination(self, form: DestinationForm | None = None) -> None:
        """Show the form for the selected destination (or take a filled form, which may
        name a new one), then save what it says off the GUI thread: a keyring may take
        a while to answer, or ask its owner to unlock it. `destination_saved` tells the
        end."""
        if form is None:
            name = self._selected_destination()
            if name is None:
                self.test_status.setText("Select a destination to edit.")
                return
            editing = self.app.settings.destinations.get(name)
            form = DestinationForm(self, editing=editing)
            form.default.setChecked(name == self.app.settings.default_destination)
            if form.exec() != QDialog.DialogCode.Accepted:
                return
        use_env = form.use_env.isChecked()
        name, url = form.name.text().strip(), form.url.text().strip()
        key_id = None if use_env else form.key_id.text().strip() or None
        secret = None if use_env else form.secret.text() or None
        default = form.default.isChecked()
        public_url = form.public_url.text().strip() or None
        env_choice = form.use_env.text()

        def save() -> str:  # the problem, or "" when saved
            try:
                self.app.save_destination(
                    name,
                    url,
                    access_key_id=key_id,
                    secret=secret,
                    default=default,
                    public_url=public_url,
                )
            except KeyringUnavailable as exc:
                if url.startswith(SCHEMES):
                    return f"Not saved: {exc}"
                return (f"Not saved: {exc} Or tick \u201c{env_choice}\u201d and "
                        "start the app with those variables set.")  # fmt: skip
            except ConfigError as exc:
                return f"Not saved: {exc}"
            return ""

        self._busy(f"Saving {name}…")
        self._background.run(
            save, done=lambda problem: self._saved(name, problem), failed=self._failed
        )

    def _saved(self, name: str, problem: str) -> None:
        self._answer(problem or f"Saved {name!r}.")
        if not problem:
            self.select_destination(name)
        self.destination_saved.emit(not problem)

    def _failed(self, exc: Exception) -> None:
        self._answer("That did not work, unexpectedly; the log has the details.")

    def _answer(self, message: str) -> None:
        """The end of a save, removal or test: the list as it is now, and what happened."""
        current = self._selected_destination()
        self._busy(None)
        self._fill_destinations()
        if current is not None:
            self.select_destination(current)
        self.test_status.setText(message)

    def remove_destination(self) -> None:
        name = self._selected_destination()
        if name is None:
            self.test_status.setText("Select a destination to remove.")
            return
        answer = QMessageBox.question(self, "Remove destination", f"Forget {name!r}?")
        if answer == QMessageBox.StandardButton.Yes:
            self.forget_destination(name)

    def forget_destination(self, name: str) -> None:
        """Remove a saved destination and its keyring secret (off the GUI thread)."""

        def forget() -> str:
            self.app.remove_destination(name)
            return f"Removed {name!r}."

        self._busy(f"Removing {name}…")
        self._background.run(forget, done=self._answer, failed=self._failed)

    def test_connection(self) -> None:
        """A real request to the selected destination, off the GUI thread."""
        name = self._selected_destination()
        if name is None:
            self.test_status.setText("Select a destination to test.")
            return

        def run() -> str:
            try:
                dest = self.app.open(DestRef(name))
            except ConfigError as exc:
                return f"{name}: {exc}"
            try:
                if not isinstance(dest, S3Destination):
                    dest.check_access()
                    return f"{name}: the folder is there and can be written."
                report = check_connection(dest)
            except TransferError as exc:
                return f"{name}: {exc}"
            finally:
                dest.close()
            if not report.ok:
                return f"{name}: {report.steps[-1].name} failed. {report.advice}"
            return f"{name}: connected; a test file was uploaded to the bucket and deleted."

        self._busy(f"Testing {name}…")
        self._background.run(run, done=self._answer, failed=self._failed)

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
        return page

    def _studio_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.studio = QLineEdit(self.app.settings.studio)
        self.studio.setPlaceholderText("e.g. Maria Costa Photography")
        self.email = QLineEdit(self.app.settings.email)
        self.email.setPlaceholderText("where clients write to you")
        form.addRow("Studio name", self.studio)
        form.addRow("E-mail", self.email)
        hint = QLabel("Your galleries show the studio's name under their title.")
        hint.setWordWrap(True)
        form.addRow(hint)
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
            email = self.email.text().strip()
            if email and ("@" not in email or " " in email):
                raise ValueError(f"“{email}” is not an e-mail address")
            watermark = self.watermark.settings()
        except ValueError as exc:
            self.error.setText(f"Not saved: {exc}")
            return
        settings = self.app.settings
        settings.transfer, settings.previews = transfer, previews
        settings.auto_resume = self.auto_resume.isChecked()
        settings.studio = " ".join(self.studio.text().split())
        settings.email = email
        vars(settings.watermark).update(vars(watermark))  # in place: the previews read it
        settings.save(self.app.paths.config_file)
        self.accept()
