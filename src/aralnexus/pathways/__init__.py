"""pathways."""
