"""Command-line interface (Typer + rich); one module per command group."""
