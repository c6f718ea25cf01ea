"""The image-captioning family (notebook 06): a synthetic caption world, a numpy LSTM decoder from
scratch, torch captioners (Show-Tell and soft attention), their training, evaluation and analysis.

    world       scenes of coloured shapes, their reference captions, the splits and the vocabulary
    decoder     the numpy caption decoder: features -> h0, LSTM over words, affine scores, its backward
    models      torch: a small CNN encoder, Show-Tell and attention decoders, captioner_step_fn for decoding
    training    teacher-forced training of the torch captioners, their checkpoints
    evaluation  decoding a split, parsing captions into attributes, BLEU and per-attribute accuracy
    analysis    teacher forcing vs free running, beam vs greedy, attention maps, saliency
    attention   where the attention decoder looks: the share of alpha on the object a word names
    exposure    exposure bias: the next word given the true prefix against the model's own prefix
    bleu        corpus and sentence BLEU (clipped n-gram precision, brevity penalty)
    plots       caption grids, attention maps, saliency, forcing curves
    widgets     compose a scene, compare beams, inspect attention (ipywidgets)
    cli         the command line: `python -m rnnlib.captioning --help`
"""
from .world import (CaptionData, captions, CaptionVocab, COLOURS, combinations_seen, HELD_OUT, IMAGE_SIZE,
                    make_scene, make_split, MAX_LEN, random_scene, relation_of, render, Scene, SceneObject,
                    SHAPES, SIZES, SPECIALS, SPLITS, WORDS)
from .bleu import bleu_stats, BleuStats, corpus_bleu, ngrams, sentence_bleu
from .decoder import (caption_backward, caption_forward, caption_step_fn, CaptionCache, CaptionDecoderRecord,
                      CaptionDecoderTrainResult, check_caption_params, init_caption_params, overfit_captions,
                      PARAM_NAMES)
from .models import (AttendCaptioner, build_model, captioner_step_fn, CNNEncoder, images_to_tensor, MODELS,
                     ShowTellCaptioner)
from .training import (caption_loss, CaptionerRecord, CaptionerTrainResult, encode_references, load_checkpoint,
                       save_checkpoint, train_captioner)
from .evaluation import attribute_accuracy, ATTRIBUTES, CaptionEvaluation, decode_images, evaluate, parse_caption
from .analysis import (attention_maps, beam_effect, free_running_validity, saliency_map,
                       teacher_forcing_accuracy, valid_next)
from .plots import attention_grid, draw_attention, draw_caption_grid, draw_forcing_curves, draw_saliency, upsample
from .widgets import (attention_panel, attention_widget, beam_table, beam_widget, compose_scene,
                      compose_widget, describe_scene, PLACES)

__all__ = [
    "AttendCaptioner",
    "attention_grid",
    "attention_maps",
    "attention_panel",
    "attention_widget",
    "attribute_accuracy",
    "ATTRIBUTES",
    "beam_effect",
    "beam_table",
    "beam_widget",
    "bleu_stats",
    "BleuStats",
    "build_model",
    "caption_backward",
    "caption_forward",
    "caption_loss",
    "caption_step_fn",
    "CaptionCache",
    "CaptionDecoderRecord",
    "CaptionDecoderTrainResult",
    "CaptionerRecord",
    "CaptionerTrainResult",
    "captioner_step_fn",
    "CaptionEvaluation",
    "CaptionData",
    "captions",
    "CaptionVocab",
    "check_caption_params",
    "CNNEncoder",
    "COLOURS",
    "combinations_seen",
    "compose_scene",
    "compose_widget",
    "corpus_bleu",
    "decode_images",
    "describe_scene",
    "draw_attention",
    "draw_caption_grid",
    "draw_forcing_curves",
    "draw_saliency",
    "encode_references",
    "evaluate",
    "free_running_validity",
    "HELD_OUT",
    "IMAGE_SIZE",
    "images_to_tensor",
    "init_caption_params",
    "load_checkpoint",
    "make_scene",
    "make_split",
    "MAX_LEN",
    "MODELS",
    "ngrams",
    "overfit_captions",
    "PARAM_NAMES",
    "parse_caption",
    "PLACES",
    "random_scene",
    "relation_of",
    "render",
    "saliency_map",
    "save_checkpoint",
    "Scene",
    "SceneObject",
    "sentence_bleu",
    "SHAPES",
    "ShowTellCaptioner",
    "SIZES",
    "SPECIALS",
    "SPLITS",
    "teacher_forcing_accuracy",
    "train_captioner",
    "upsample",
    "valid_next",
    "WORDS",
]
