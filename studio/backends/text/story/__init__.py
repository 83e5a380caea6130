"""Panel-by-panel comic scripts from a premise (being split into one module per concept)."""
