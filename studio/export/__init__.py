"""Output formats: the only writers of PDF, CBZ/ComicInfo, loop-tagged audio, MIDI, atlases, scenes.json and PNG text."""
