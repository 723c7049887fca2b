"""Color science on tensors: sRGB <-> Lab and YUV, the quantized ab space, color priors."""
