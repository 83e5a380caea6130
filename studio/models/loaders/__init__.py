"""The one place that loads weights: every from_pretrained and model construction lives here."""
