"""Board entry point: starts the mnsu firmware (device/mnsu_fw) at boot."""

from mnsu_fw import app

app.main()
