"""hydrology."""
