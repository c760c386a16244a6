"""Connect a bucket: Cloudflare R2, Amazon S3 or another S3-compatible service, in the
words each dashboard uses, or a studio's upload server (a token, no bucket keys),
with a connection test that explains what is wrong."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lytsite_desktop.core.app import App
from lytsite_desktop.core.config.secrets import KeyringUnavailable
from lytsite_desktop.core.destinations.connect import (
    BucketFields,
    Checked,
    Provider,
    Report,
    check_connection,
    open_for_test,
    read_fields,
)
from lytsite_desktop.core.destinations.resolve import parse_s3_url
from lytsite_desktop.core.destinations.s3_location import S3Credentials
from lytsite_desktop.core.destinations.signer import public_under
from lytsite_desktop.core.destinations.signer_connect import (
    ADDRESS_HELP,
    check_signer,
    read_signer_fields,
)
from lytsite_desktop.core.errors import ConfigError
from lytsite_desktop.gui.background import Background

#: Per provider: the label and placeholder of the "where" field, and where to find things.
WHERE = {
    Provider.R2: (
        "Account ID",
        "32 letters and digits, e.g. 3f2a…9c1d",
        "<b>Where to find these</b>: in the Cloudflare dashboard, <b>R2 → Overview</b> shows "
        "your <b>Account ID</b> on the right and your buckets in the list. "
        "<b>Manage R2 API Tokens → Create API Token</b>: choose <i>Object Read &amp; Write</i> "
        "and this bucket, then copy the <b>Access Key ID</b> and <b>Secret Access Key</b> "
        "(the secret is shown only once; the token value above them is not needed).",
    ),
    Provider.S3: (
        "Region",
        "us-east-1",
        "<b>Where to find these</b>: the bucket's region is in the S3 console's bucket list. "
        "Create an access key for an IAM user allowed to list, read, write and delete in "
        "this bucket.",
    ),
    Provider.OTHER: (
        "Endpoint",
        "https://s3.us-west-004.backblazeb2.com",
        "<b>Where to find these</b>: the service's S3 endpoint (Backblaze B2 shows it on the "
        "bucket's page; MinIO is the server's address, e.g. http://nas.local:9000) and an "
        "application key allowed to read and write this bucket.",
    ),
    Provider.SIGNER: (
        "Server address",
        "https://uploads.example.com/companion",
        "<b>For a studio's shared storage</b>: the studio runs an upload server that signs "
        "each upload, so this computer never holds the bucket's keys. "
        + ADDRESS_HELP
        + " The token is the one the studio gave you.",
    ),
}
#: What the secret field is called, by provider.
SECRET_LABEL = {Provider.SIGNER: "Token"}


UNEXPECTED = "That did not work, unexpectedly; the log has the details."
#: The way round a computer with no keychain: the keys in the environment.
ENV_CHOICE = "Use the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables"


#: The dialog's width; its height follows what it shows.
WIDTH = 640


class ConnectDialog(QDialog):
    """Fill in, test, save (as the default destination unless told otherwise): from
    the welcome, the File menu and Settings' "Add…"."""

    #: The report of a finished connection test (tests wait for it).
    tested = Signal(object)
    #: A destination was saved, by name.
    saved = Signal(str)

    def __init__(self, app: App, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle("Connect a bucket")
        self.provider = QComboBox()
        for p in Provider:
            self.provider.addItem(p.value, p)
        self.provider.setAccessibleName("Storage service")
        self.where = QLineEdit()
        self.where_label = QLabel()
        self.bucket = QLineEdit()
        self.bucket.setAccessibleName("Bucket name")
        self.key_id = QLineEdit()
        self.key_id.setAccessibleName("Access key ID")
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAccessibleName("Secret access key")
        self.public_url = QLineEdit()
        self.public_url.setPlaceholderText("optional: https://photos.example.com or …r2.dev")
        self.public_url.setAccessibleName("Public address")
        self.name = QLineEdit("r2")
        self.name.setAccessibleName("Destination name")
        self.default = QCheckBox("Publish here by default")
        self.default.setChecked(True)
        #: Offered once the keychain could not keep the secret: no secret is saved.
        self.use_env = QCheckBox(ENV_CHOICE)
        self.use_env.setVisible(False)
        self.help = QLabel()
        self.help.setWordWrap(True)
        self.help.setOpenExternalLinks(True)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setAccessibleName("Connection test result")
        self.outcome.setTextFormat(Qt.TextFormat.RichText)

        self.secret_label = QLabel("Secret access key")
        self.form = form = QFormLayout()
        form.addRow("Storage service", self.provider)
        form.addRow(self.where_label, self.where)
        form.addRow("Bucket", self.bucket)
        form.addRow("Access key ID", self.key_id)
        form.addRow(self.secret_label, self.secret)
        form.addRow("Public address", self.public_url)
        form.addRow("Save as", self.name)
        form.addRow("", self.default)
        form.addRow("", self.use_env)

        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.help)
        layout.addLayout(form)
        layout.addWidget(self.outcome)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.provider.currentIndexChanged.connect(self._provider_changed)
        self.resize(WIDTH, 1)
        self._provider_changed()
        #: The folder an upload server keeps this computer's files in, once tested.
        self._server_prefix: str | None = None
        self._background = Background(self, workers=1)
        # Closed while a test waits on the network: its answer is dropped, nobody waits.
        self.finished.connect(lambda _: self._background.shutdown(wait=False))

    def _provider_changed(self) -> None:
        label, placeholder, help_text = WHERE[self.chosen]
        signer = self.chosen is Provider.SIGNER
        self.where_label.setText(label)
        self.where.setPlaceholderText(placeholder)
        self.where.setAccessibleName(label)
        secret = SECRET_LABEL.get(self.chosen, "Secret access key")
        self.secret_label.setText(secret)
        self.secret.setAccessibleName(secret)
        self.form.setRowVisible(self.bucket, not signer)
        self.form.setRowVisible(self.key_id, not signer)
        if signer:  # a token has no environment variable
            self.use_env.setChecked(False)
            self.use_env.setVisible(False)
        kept = "token" if signer else "secret key"
        self.help.setText(
            help_text + f"<br>The {kept} is kept in your system's keychain, never in a file."
        )
        self._fit()
        default_names = {"r2", "s3", "bucket", "studio"}
        if self.name.text() in default_names:
            names = {Provider.R2: "r2", Provider.S3: "s3", Provider.SIGNER: "studio"}
            self.name.setText(names.get(self.chosen, "bucket"))

    def _say(self, html: str) -> None:
        self.outcome.setText(html)
        self._fit()

    def _fit(self) -> None:
        """As tall as what it shows: it grows when the test's report comes and
        shrinks when a shorter text takes its place, or a service's shorter help
        (a fixed 600 px left an empty band above the buttons)."""
        layout = self.layout()
        need = layout.totalHeightForWidth(self.width()) if layout is not None else 0
        if need > 0 and need != self.height():
            self.resize(self.width(), need)

    @property
    def chosen(self) -> Provider:
        return Provider(self.provider.currentData())

    def fields(self) -> BucketFields:
        return BucketFields(
            self.chosen,
            self.where.text(),
            self.bucket.text(),
            self.key_id.text(),
            self.secret.text(),
        )

    def _read(self) -> Checked:
        """The fields, checked; problems are shown and the URL is None."""
        if self.chosen is Provider.SIGNER:
            checked = read_signer_fields(self.where.text(), self.secret.text())
        else:
            checked = read_fields(self.fields())
        if checked.notes:  # corrected: show the fields as they will be used
            self.where.setText(checked.where)
            self.bucket.setText(checked.bucket)
        notes = "".join(f"<p>{n}</p>" for n in checked.notes)
        problems = "".join(f"<p>✗ {p}</p>" for p in checked.problems)
        self._say(notes + problems)
        return checked

    def _busy(self, busy: bool) -> None:
        self.test_button.setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not busy)

    @property
    def busy(self) -> bool:
        return not self.test_button.isEnabled()

    def test(self) -> None:
        """Check the fields, then a real request off the GUI thread."""
        checked = self._read()
        if checked.url is None:
            self.tested.emit(None)
            return
        url, secret, provider = checked.url, self.secret.text().strip(), self.chosen

        def run() -> Report:
            if provider is Provider.SIGNER:
                return check_signer(url, secret)
            location = parse_s3_url(url)
            dest = open_for_test(location, S3Credentials(self.key_id.text().strip(), secret))
            try:
                return check_connection(dest, provider=provider)
            finally:
                dest.close()

        self._busy(True)
        self._say(self.outcome.text() + "<p>Testing…</p>")
        self._background.run(run, done=self._show_report, failed=self._test_failed)

    def _test_failed(self, exc: Exception) -> None:
        self._busy(False)
        self._say(UNEXPECTED)
        self.tested.emit(None)

    def _show_report(self, report: Report) -> None:
        self._busy(False)
        self._server_prefix = report.prefix
        lines = [f"<p>{'✓' if s.ok else '✗'} {s.name}</p>" for s in report.steps]
        if report.ok:
            what = "upload server" if self.chosen is Provider.SIGNER else "bucket"
            lines.append(f"<p><b>Connected: this {what} is ready for your photos.</b></p>")
        else:
            lines.append(f"<p><b>{report.advice}</b></p>")
        self._say("".join(lines))
        self.tested.emit(report)

    def save(self) -> None:
        """Save it (the default destination if ticked; the secret to the keyring, off
        the GUI thread)."""
        checked = self._read()
        if checked.url is None:
            return
        name, url = self.name.text().strip(), checked.url
        key_id, secret = self.key_id.text().strip(), self.secret.text().strip()
        public_url = self.public_url.text().strip() or None
        signer = self.chosen is Provider.SIGNER
        keys = {"token": secret} if signer else {"access_key_id": key_id, "secret": secret}
        if self.use_env.isChecked():
            keys = {}
        default, prefix = self.default.isChecked(), self._server_prefix

        def save() -> tuple[str, bool]:  # the problem ("": saved), offer the variables
            nonlocal public_url
            if signer and public_url:  # the galleries live in the server's folder for us
                found = prefix if prefix is not None else check_signer(url, secret).prefix
                public_url = public_under(public_url, found)
            try:
                self.app.save_destination(
                    name, url, default=default, public_url=public_url, **keys
                )  # fmt: skip
            except KeyringUnavailable as exc:
                if signer:
                    return f"Not saved: {exc}", False
                return (f"Not saved: {exc} Or tick \u201c{ENV_CHOICE}\u201d and start "
                        "the app with those variables set.", True)  # fmt: skip
            except ConfigError as exc:
                return f"Not saved: {exc}", False
            return "", False

        self._busy(True)
        self._background.run(save, done=self._saved, failed=self._save_failed)

    def _save_failed(self, exc: Exception) -> None:
        self._busy(False)
        self._say(UNEXPECTED)

    def _saved(self, answer: tuple[str, bool]) -> None:
        problem, offer_env = answer
        self._busy(False)
        if problem:
            self.use_env.setVisible(self.use_env.isVisible() or offer_env)
            self._say(problem)
            return
        self.saved.emit(self.name.text().strip())
        self.accept()
