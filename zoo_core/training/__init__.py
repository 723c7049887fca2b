"""Training and fine-tuning: data, the training step, the loop (checkpoints, resume, DDP)."""
