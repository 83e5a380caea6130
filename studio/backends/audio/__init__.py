"""Audio backends: the music composer and MusicGen, sound effects, speech transcription."""
