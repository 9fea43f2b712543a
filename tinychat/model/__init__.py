"""Model stage: tokenizer, the tiny Llama (torch for training, numpy reference), checkpoints."""
