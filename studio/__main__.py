from studio.cli import entry

entry()
