"""One module per tab; each has `build(ctx)` which lays out the tab inside the current Blocks."""
