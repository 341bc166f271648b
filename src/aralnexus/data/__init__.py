"""The default dataset (CSV tables) and its loader."""
