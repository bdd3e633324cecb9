"""`python -m qa` runs the command line."""
from .cli import run

run()
