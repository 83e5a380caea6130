"""Music backends: the procedural composer and its SoundFont renderer, MusicGen (transformers),
audiocraft (when it imports), loops, loudness-normalised export with loop tags, previews.

    style.py      prompt -> genre, mood, tempo, key, mode, meter, band
    composer.py   style -> sections, harmony, voiced parts, drums -> pretty_midi
    synth.py      pretty_midi -> stems and mix through a General MIDI SoundFont (TinySoundFont)
    musicgen.py   MusicGen / MusicGen-Melody via transformers, windowed continuation
    audiocraft_backend.py   the same models via audiocraft, only where it imports
    analysis.py   onset envelope, tempo, beat grid, loop-seam discontinuity
    loops.py      bar-exact seamless loops
    export.py     WAV / OGG / FLAC / MP3 at a target LUFS, loop tags, sidecar JSON (export_audio)
    tags.py       Vorbis comments in OGG and FLAC, WAV smpl loop chunks
    preview.py    waveform PNG with bars, sections and loop points
    tiny.py       tiny random MusicGen checkpoints for tests and benchmarks

Modules import numpy at most at top level; torch, transformers, scipy and soundfile are imported
inside the functions that need them.
"""
