"""`python -m qa` runs the command line."""
from .ui.cli import run

run()
