"""The DDColor network (Kang et al., ICCV 2023), written for colorzoo from the published design.

A ConvNeXt encoder; a pixel decoder of three pixel-shuffle U-Net blocks and a 4x pixel-shuffle
upsampling to a full-resolution 256-channel embedding; a color decoder (a Mask2Former-style
transformer: 100 color queries attend to the decoder's three scales in turn), whose query
embeddings are multiplied with the embedding into 100 color maps; a 1x1 refinement of those maps
and the input to ab. Attribute names and shapes follow the authors' code, so the released state
dicts load as they are. Unlike the release, the encoder's features are returned, not stored by
forward hooks, so the module holds no state between calls.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from zoo_core import IMAGENET_MEAN, IMAGENET_STD

ENCODERS = {
    "convnext-t": ([3, 3, 9, 3], [96, 192, 384, 768]),
    "convnext-s": ([3, 3, 27, 3], [96, 192, 384, 768]),
    "convnext-b": ([3, 3, 27, 3], [128, 256, 512, 1024]),
    "convnext-l": ([3, 3, 27, 3], [192, 384, 768, 1536]),
}


# -- ConvNeXt ----------------------------------------------------------------------------------


class ChannelsFirstLayerNorm(nn.Module):
    """LayerNorm over the channels of (B, C, H, W), with the biased variance, eps 1e-6."""

    def __init__(self, channels: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(1, keepdim=True)
        var = (x - mean).pow(2).mean(1, keepdim=True)
        x = (x - mean) / torch.sqrt(var + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class ConvNeXtBlock(nn.Module):
    """7x7 depthwise conv, LayerNorm, 4x MLP with GELU, layer scale, residual."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(1e-6 * torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.gamma * self.pwconv2(self.act(self.pwconv1(self.norm(y))))
        return x + y.permute(0, 3, 1, 2)


class ConvNeXt(nn.Module):
    """ConvNeXt v1 trunk; ``forward`` returns the normalized output of each of the 4 stages."""

    def __init__(self, depths: list[int], dims: list[int]) -> None:
        super().__init__()
        stem = nn.Sequential(nn.Conv2d(3, dims[0], 4, stride=4), ChannelsFirstLayerNorm(dims[0]))
        downsample = [
            nn.Sequential(ChannelsFirstLayerNorm(dims[i]), nn.Conv2d(dims[i], dims[i + 1], 2, stride=2))
            for i in range(3)
        ]
        self.downsample_layers = nn.ModuleList([stem, *downsample])
        self.stages = nn.ModuleList(
            nn.Sequential(*(ConvNeXtBlock(dims[i]) for _ in range(depths[i]))) for i in range(4)
        )
        for i in range(4):
            self.add_module(f"norm{i}", ChannelsFirstLayerNorm(dims[i]))
        self.norm = nn.LayerNorm(dims[-1], eps=1e-6)  # the classifier's; part of the released state dict
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.trunc_normal_(module.weight, std=0.02)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for i in range(4):
            x = self.stages[i](self.downsample_layers[i](x))
            features.append(getattr(self, f"norm{i}")(x))  # the stage output flows on un-normalized
        return features


class Encoder(nn.Module):
    def __init__(self, name: str) -> None:
        super().__init__()
        depths, dims = ENCODERS[name]
        self.arch = ConvNeXt(depths, dims)
        self.channels = dims

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.arch(x)


# -- the pixel decoder (fastai-style U-Net blocks) ---------------------------------------------


def _conv(cin: int, cout: int, kernel: int, bias: bool, spectral: bool = True) -> nn.Module:
    conv = nn.Conv2d(cin, cout, kernel, padding=(kernel - 1) // 2, bias=bias)
    nn.init.kaiming_normal_(conv.weight)
    if bias:
        nn.init.zeros_(conv.bias)
    return nn.utils.spectral_norm(conv) if spectral else conv


def _icnr(weight: torch.Tensor, scale: int) -> None:
    """ICNR init: each sub-pixel of the shuffle starts from the same kernel (no checkerboard)."""
    out_channels, in_channels, height, width = weight.shape
    kernel = nn.init.kaiming_normal_(torch.zeros(out_channels // scale**2, in_channels, height, width))
    with torch.no_grad():
        weight.copy_(kernel.repeat_interleave(scale**2, dim=0))


class PixelShuffleUp(nn.Module):
    """1x1 spectral conv to ``nf * scale**2`` (BatchNorm when ``extra_bn``), ReLU, PixelShuffle, blur."""

    def __init__(self, ni: int, nf: int, scale: int = 2, extra_bn: bool = False) -> None:
        super().__init__()
        layers = [_conv(ni, nf * scale**2, 1, bias=not extra_bn)]
        if extra_bn:
            layers.append(nn.BatchNorm2d(nf * scale**2))
        self.conv = nn.Sequential(*layers)
        _icnr(self.conv[0].weight_orig if hasattr(self.conv[0], "weight_orig") else self.conv[0].weight, scale)
        self.shuf = nn.PixelShuffle(scale)
        self.pad = nn.ReplicationPad2d((1, 0, 1, 0))
        self.blur = nn.AvgPool2d(2, stride=1)
        self.relu = nn.ReLU(True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blur(self.pad(self.shuf(self.relu(self.conv(x)))))


class UnetBlockWide(nn.Module):
    """Upsample 2x, concatenate the (BatchNorm'd) encoder skip, ReLU, 3x3 spectral conv + ReLU + BatchNorm."""

    def __init__(self, up_in: int, skip_in: int, out: int) -> None:
        super().__init__()
        self.shuf = PixelShuffleUp(up_in, out, extra_bn=True)
        self.bn = nn.BatchNorm2d(skip_in)
        with torch.no_grad():
            self.bn.bias.fill_(1e-3)
        self.conv = nn.Sequential(_conv(out + skip_in, out, 3, bias=False), nn.ReLU(True), nn.BatchNorm2d(out))
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.conv(self.relu(torch.cat([self.shuf(x), self.bn(skip)], dim=1)))


# -- the color decoder --------------------------------------------------------------------------


def position_embedding(x: torch.Tensor, half: int = 128, temperature: float = 10000.0) -> torch.Tensor:
    """DETR's normalized sine embedding of a (B, C, H, W) map's positions: (B, 2 * half, H, W)."""
    batch, _, height, width = x.shape
    y_embed = torch.arange(1, height + 1, dtype=torch.float32, device=x.device)[:, None].expand(height, width)
    x_embed = torch.arange(1, width + 1, dtype=torch.float32, device=x.device)[None, :].expand(height, width)
    scale, eps = 2 * math.pi, 1e-6
    y_embed = y_embed / (height + eps) * scale
    x_embed = x_embed / (width + eps) * scale
    dim_t = torch.arange(half, dtype=torch.float32, device=x.device)
    dim_t = temperature ** (2 * (dim_t // 2) / half)
    pos_x, pos_y = x_embed[..., None] / dim_t, y_embed[..., None] / dim_t
    pos_x = torch.stack((pos_x[..., 0::2].sin(), pos_x[..., 1::2].cos()), dim=3).flatten(2)
    pos_y = torch.stack((pos_y[..., 0::2].sin(), pos_y[..., 1::2].cos()), dim=3).flatten(2)
    return torch.cat((pos_y, pos_x), dim=2).permute(2, 0, 1)[None].expand(batch, -1, -1, -1)


class _Residual(nn.Module):
    """A post-norm residual sublayer."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)

    def _reset(self) -> None:
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)


class SelfAttentionLayer(_Residual):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__(dim)
        self.self_attn = nn.MultiheadAttention(dim, heads)
        self._reset()

    def forward(self, tgt: torch.Tensor, query_pos: torch.Tensor) -> torch.Tensor:
        q = tgt + query_pos
        return self.norm(tgt + self.self_attn(q, q, value=tgt)[0])


class CrossAttentionLayer(_Residual):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__(dim)
        self.multihead_attn = nn.MultiheadAttention(dim, heads)
        self._reset()

    def forward(self, tgt: torch.Tensor, memory: torch.Tensor, pos: torch.Tensor, query_pos: torch.Tensor):
        attended = self.multihead_attn(query=tgt + query_pos, key=memory + pos, value=memory)[0]
        return self.norm(tgt + attended)


class FFNLayer(_Residual):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__(dim)
        self.linear1 = nn.Linear(dim, hidden)
        self.linear2 = nn.Linear(hidden, dim)
        self._reset()

    def forward(self, tgt: torch.Tensor) -> torch.Tensor:
        return self.norm(tgt + self.linear2(F.relu(self.linear1(tgt))))


class MLP(nn.Module):
    def __init__(self, dim: int, hidden: int, out: int, layers: int) -> None:
        super().__init__()
        sizes = [dim] + [hidden] * (layers - 1)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, [*sizes[1:], out], strict=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x) if i == len(self.layers) - 1 else F.relu(layer(x))
        return x


class MultiScaleColorDecoder(nn.Module):
    """Color queries attend to the pixel decoder's scales in turn (cross-attention, self-attention, FFN)."""

    def __init__(self, in_channels: list[int], queries: int = 100, scales: int = 3, layers: int = 9,
                 dim: int = 256, heads: int = 8, hidden: int = 2048, color_dim: int = 256) -> None:
        super().__init__()
        self.num_layers, self.num_scales = layers, scales
        self.transformer_self_attention_layers = nn.ModuleList(SelfAttentionLayer(dim, heads) for _ in range(layers))
        self.transformer_cross_attention_layers = nn.ModuleList(CrossAttentionLayer(dim, heads) for _ in range(layers))
        self.transformer_ffn_layers = nn.ModuleList(FFNLayer(dim, hidden) for _ in range(layers))
        self.decoder_norm = nn.LayerNorm(dim)
        self.query_feat = nn.Embedding(queries, dim)
        self.query_embed = nn.Embedding(queries, dim)
        self.level_embed = nn.Embedding(scales, dim)
        self.input_proj = nn.ModuleList(nn.Conv2d(c, dim, 1) for c in in_channels[:scales])
        for proj in self.input_proj:
            nn.init.kaiming_uniform_(proj.weight, a=1)
            nn.init.zeros_(proj.bias)
        self.color_embed = MLP(dim, dim, color_dim, 3)  # color_dim: the pixel embedding's channels

    def forward(self, scales: list[torch.Tensor], embedding: torch.Tensor) -> torch.Tensor:
        src, pos = [], []
        for i in range(self.num_scales):
            pos.append(position_embedding(scales[i]).flatten(2).permute(2, 0, 1))
            src.append((self.input_proj[i](scales[i]).flatten(2) + self.level_embed.weight[i][None, :, None])
                       .permute(2, 0, 1))
        batch = src[0].shape[1]
        query_pos = self.query_embed.weight.unsqueeze(1).repeat(1, batch, 1)
        out = self.query_feat.weight.unsqueeze(1).repeat(1, batch, 1)
        for i in range(self.num_layers):
            level = i % self.num_scales
            out = self.transformer_cross_attention_layers[i](out, src[level], pos[level], query_pos)
            out = self.transformer_self_attention_layers[i](out, query_pos)
            out = self.transformer_ffn_layers[i](out)
        colors = self.color_embed(self.decoder_norm(out).transpose(0, 1))
        return torch.einsum("bqc,bchw->bqhw", colors, embedding)


class Decoder(nn.Module):
    def __init__(self, channels: list[int], nf: int = 512, queries: int = 100, scales: int = 3,
                 layers: int = 9) -> None:
        super().__init__()
        widths = [nf, nf, nf // 2]
        ins = [channels[3], nf, nf]
        self.layers = nn.Sequential(*(UnetBlockWide(i, s, w) for i, s, w in zip(ins, channels[2::-1], widths,
                                                                                    strict=True)))
        self.last_shuf = PixelShuffleUp(nf // 2, nf // 2, scale=4)
        self.color_decoder = MultiScaleColorDecoder([nf, nf, nf // 2], queries, scales, layers, color_dim=nf // 2)

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        out0 = self.layers[0](features[3], features[2])
        out1 = self.layers[1](out0, features[1])
        out2 = self.layers[2](out1, features[0])
        return self.color_decoder([out0, out1, out2], self.last_shuf(out2))


def add_ddcolor(module: nn.Module, encoder: str, queries: int, scales: int, layers: int, nf: int) -> None:
    """Give ``module`` the released network's parts, under the released names (``encoder``,
    ``decoder``, ``refine_net``, the ImageNet ``mean`` and ``std``), so its state dict is the release's."""
    module.encoder = Encoder(encoder)
    module.decoder = Decoder(module.encoder.channels, nf, queries, scales, layers)
    module.refine_net = nn.Sequential(nn.Sequential(_conv(queries + 3, 2, 1, bias=True)))
    module.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
    module.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))


def ddcolor_forward(module: nn.Module, rgb: torch.Tensor) -> torch.Tensor:
    """Gray RGB in [0, 1] (B, 3, H, W) -> ab in Lab units (B, 2, H, W); H and W multiples of 32."""
    x = (rgb - module.mean) / module.std
    colors = module.decoder(module.encoder(x))
    return module.refine_net(torch.cat([colors, x], dim=1))
