"""Video backends: decoding (PyAV), shot detection (PySceneDetect detectors, TransNetV2),
keyframe choice, faces, subtitles and the keyframes preview.

    from studio.backends.video import extract_keyframes, KeyframeOptions
    result = extract_keyframes("clip.mp4", KeyframeOptions(max_frames=8))
    for kf in result.keyframes:
        print(kf.time, kf.scene, kf.faces, kf.subtitles)

Heavy libraries (av, cv2, scenedetect, torch) are imported inside the functions that use them.
"""

from studio.backends.video.extract import (
    Keyframe,
    KeyframeOptions,
    KeyframeResult,
    Scene,
    extract_keyframes,
)

__all__ = ["extract_keyframes", "KeyframeOptions", "KeyframeResult", "Keyframe", "Scene"]
