"""The gallery: layout rules shared by the window and the web page, the offline copies
of published projects, the static web gallery and originals brought back."""
