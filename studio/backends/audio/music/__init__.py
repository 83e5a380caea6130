"""Music backends: the procedural composer and its SoundFont renderer, MusicGen (transformers),
audiocraft (when it imports), loops, previews. The files (WAV / OGG / FLAC / MP3 with loop tags,
MIDI) are written by studio.export (audio.py, audio_tags.py, midi.py).

    style.py      prompt -> genre, mood, tempo, key, mode, meter, band
    composer.py   style -> sections, harmony, voiced parts, drums -> pretty_midi
    synth.py      pretty_midi -> stems and mix through a General MIDI SoundFont (TinySoundFont)
    musicgen.py   MusicGen / MusicGen-Melody via transformers, windowed continuation
    audiocraft_backend.py   the same models via audiocraft, only where it imports
    analysis.py   onset envelope, tempo, beat grid, loop-seam discontinuity
    loops.py      bar-exact seamless loops
    preview.py    waveform PNG with bars, sections and loop points

Modules import numpy at most at top level; torch, transformers, scipy and soundfile are imported
inside the functions that need them.
"""
