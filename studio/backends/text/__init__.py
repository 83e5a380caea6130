"""Text backends: story writers, prompt templating and style presets."""
