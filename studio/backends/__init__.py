"""Domain backends: the heavy logic behind steps. They know nothing of recipes or the CLI."""
