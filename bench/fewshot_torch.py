"""A PyTorch copy of GanService's few-shot (FastGAN) family, for bench/verify_fewshot.py and bench/pytorch_fewshot.py.

Written from FastGAN-pytorch's models.py (Liu et al. 2021) with PyTorch's own spectral_norm, ConvTranspose2d and
4x4 convs, generalised to 32-1024 px as GanService does (src/Domain/Gan/FewShot). Attribute names follow the C#
modules so that state can be copied by name; `load_engine_state` maps the few layers that the C# side writes as
exact Linear equivalents (the latent projection and skip-layer excitation).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm


def conv(cin, cout, kernel, stride=1, padding=0):
    return spectral_norm(nn.Conv2d(cin, cout, kernel, stride, padding, bias=False))


def g_width(base, size):
    return max(1, int(base * {4: 16, 8: 8, 16: 4, 32: 2, 64: 2}.get(size, 128 / size)))


def d_width(base, size):
    return max(1, base * 64 // size)


def s_width(base, size):
    return max(1, base * 32 // size)


def glu(x):
    nc = x.size(1) // 2
    return x[:, :nc] * torch.sigmoid(x[:, nc:])


def downscale(x, size):
    return x if x.shape[2] == size else F.avg_pool2d(x, x.shape[2] // size)


class NoiseInjection(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.register_buffer("constant", torch.randn(1, 1, size, size))
        self.constant_mode = False

    def forward(self, feat):
        if self.constant_mode or not self.training:
            noise = self.constant
        else:
            noise = torch.randn(feat.shape[0], 1, feat.shape[2], feat.shape[3], device=feat.device)
        return feat + self.weight * noise


class SkipLayerExcitation(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.squeeze = conv(cin, cout, 4)
        self.excite = conv(cout, cout, 1)

    def forward(self, small, big):
        s = self.squeeze(F.adaptive_avg_pool2d(small, 4))
        s = s * torch.sigmoid(s)
        return big * torch.sigmoid(self.excite(s))


class UpBlock(nn.Module):
    def __init__(self, cin, cout, size, double):
        super().__init__()
        self.double = double
        self.conv1 = conv(cin, cout * 2, 3, 1, 1)
        self.norm1 = nn.BatchNorm2d(cout * 2)
        if double:
            self.noise1 = NoiseInjection(size)
            self.conv2 = conv(cout, cout * 2, 3, 1, 1)
            self.noise2 = NoiseInjection(size)
            self.norm2 = nn.BatchNorm2d(cout * 2)

    def forward(self, x):
        y = self.conv1(F.interpolate(x, scale_factor=2, mode="nearest"))
        if self.double:
            y = self.noise1(y)
        y = glu(self.norm1(y))
        if self.double:
            y = glu(self.norm2(self.noise2(self.conv2(y))))
        return y


class Generator(nn.Module):
    def __init__(self, base, nz, channels, resolution, classes=0):
        super().__init__()
        inputs = nz
        if classes:
            self.labelEmbedding = nn.Embedding(classes, nz)
            inputs = 2 * nz
        self.project = spectral_norm(nn.ConvTranspose2d(inputs, 2 * g_width(base, 4), 4, 1, 0, bias=False))
        self.projectNorm = nn.BatchNorm2d(2 * g_width(base, 4))
        self.ups = nn.ModuleList()
        self.excitations = nn.ModuleList()
        size = 8
        while size <= resolution:
            self.ups.append(UpBlock(g_width(base, size // 2), g_width(base, size), size, size in (8, 32, 128, 512)))
            if 64 <= size <= 512:
                self.excitations.append(SkipLayerExcitation(g_width(base, size // 16), g_width(base, size)))
            size *= 2
        self.toImage = conv(g_width(base, resolution), channels, 3, 1, 1)

    def noises(self):
        return [m for m in self.modules() if isinstance(m, NoiseInjection)]

    def forward(self, z, labels=None):
        x = z.flatten(1)
        if labels is not None:
            x = torch.cat([x, self.labelEmbedding(labels)], 1)
        x = glu(self.projectNorm(self.project(x.view(x.shape[0], -1, 1, 1))))
        feats, size = {4: x}, 4
        for up in self.ups:
            size *= 2
            x = up(x)
            if 64 <= size <= 512:
                x = self.excitations[int(math.log2(size)) - 6](feats[size // 16], x)
            if size <= 32:
                feats[size] = x
        return self.toImage(x)


class DownBlock(nn.Module):
    def __init__(self, cin, cout, with_skip):
        super().__init__()
        self.with_skip = with_skip
        self.down = conv(cin, cout, 4, 2, 1)
        self.downNorm = nn.BatchNorm2d(cout)
        if with_skip:
            self.refine = conv(cout, cout, 3, 1, 1)
            self.refineNorm = nn.BatchNorm2d(cout)
            self.skip = conv(cin, cout, 1)
            self.skipNorm = nn.BatchNorm2d(cout)

    def forward(self, x):
        main = F.leaky_relu(self.downNorm(self.down(x)), 0.2)
        if not self.with_skip:
            return main
        main = F.leaky_relu(self.refineNorm(self.refine(main)), 0.2)
        direct = F.leaky_relu(self.skipNorm(self.skip(F.avg_pool2d(x, 2))), 0.2)
        return (main + direct) / 2


class SimpleDecoder(nn.Module):
    def __init__(self, cin, channels, base, output):
        super().__init__()
        self.ups = nn.ModuleList()
        width, size = cin, 16
        for multiplier in (4, 2, 2, 1):
            if size > output:
                break
            nxt = max(1, int(multiplier * base))
            self.ups.append(UpBlock(width, nxt, size, False))
            width, size = nxt, size * 2
        self.toImage = conv(width, channels, 3, 1, 1)

    def forward(self, feat):
        x = F.adaptive_avg_pool2d(feat, 8)
        for up in self.ups:
            x = up(x)
        return torch.tanh(self.toImage(x))


def quadrant(x, part):
    half = x.shape[2] // 2
    return x[:, :, part // 2 * half:(part // 2 + 1) * half, part % 2 * half:(part % 2 + 1) * half]


class Discriminator(nn.Module):
    def __init__(self, base, channels, resolution, classes=0, gradients=False):
        super().__init__()
        self.top = min(resolution, 256)
        self.small_size = min(resolution // 2, 128)
        self.decoded = min(resolution // 2, 128)
        self.gradients = gradients
        self.stem = nn.ModuleList()
        if resolution <= 256:
            self.stem.append(conv(channels, d_width(base, resolution), 3, 1, 1))
        else:
            self.stem.append(conv(channels, d_width(base, resolution // 2), 4, 2, 1))
            if resolution == 1024:
                self.stem.append(conv(d_width(base, 512), d_width(base, 256), 4, 2, 1))
                self.stemNorm = nn.BatchNorm2d(d_width(base, 256))
        self.downs = nn.ModuleList()
        self.excitations = nn.ModuleList()
        self.excited = []
        size = self.top // 2
        while size >= 8:
            self.downs.append(DownBlock(d_width(base, size * 2), d_width(base, size), True))
            if size * 8 <= self.top and size <= 32:
                self.excitations.append(SkipLayerExcitation(d_width(base, size * 8), d_width(base, size)))
                self.excited.append(size)
            size //= 2
        last = d_width(base, 8)
        self.headHidden = conv(last, d_width(base, 4), 1)
        self.headNorm = nn.BatchNorm2d(d_width(base, 4))
        self.head = conv(d_width(base, 4), 1, 4)
        self.smallStem = conv(channels, s_width(base, self.small_size // 2), 4, 2, 1)
        self.smallDowns = nn.ModuleList()
        size = self.small_size // 4
        while size >= 8:
            self.smallDowns.append(DownBlock(s_width(base, size * 2), s_width(base, size), False))
            size //= 2
        small_last = s_width(base, 8)
        self.smallHead = conv(small_last, 1, 4)
        width = max(1, base // 2)
        self.decoderBig = SimpleDecoder(last, channels, width, self.decoded)
        self.decoderSmall = SimpleDecoder(small_last, channels, width, self.decoded)
        self.decoderPart = SimpleDecoder(d_width(base, 16), channels, width, self.decoded)
        if classes:
            self.projectionBig = spectral_norm(nn.Embedding(classes, last))
            self.projectionSmall = spectral_norm(nn.Embedding(classes, small_last))

    def forward(self, images, labels=None, part=None):
        x = images
        for i, layer in enumerate(self.stem):
            x = layer(x)
            if i == 1:
                x = self.stemNorm(x)
            x = F.leaky_relu(x, 0.2)
        feats, size = {self.top: x}, self.top
        for down in self.downs:
            size //= 2
            x = down(x)
            if size in self.excited:
                x = self.excitations[self.excited.index(size)](feats[size * 8], x)
            feats[size] = x
        big = self.head(F.leaky_relu(self.headNorm(self.headHidden(x)), 0.2)).flatten(1)
        small = F.leaky_relu(self.smallStem(downscale(images, self.small_size)), 0.2)
        for down in self.smallDowns:
            small = down(small)
        small_logits = self.smallHead(small).flatten(1)
        if labels is not None:
            big = big + (self.projectionBig(labels) * x.sum([2, 3])).sum(1, keepdim=True)
            small_logits = small_logits + (self.projectionSmall(labels) * small.sum([2, 3])).sum(1, keepdim=True)
        logits = torch.cat([big.flatten(), small_logits.flatten()])
        if part is None:
            return logits
        return logits, self.decoderBig(x), self.decoderSmall(small), self.decoderPart(quadrant(feats[16], part))

    def distance(self, rec, target):
        loss = (rec - target).abs().mean()
        if self.gradients:
            dx = lambda t: t[:, :, :, 1:] - t[:, :, :, :-1]
            dy = lambda t: t[:, :, 1:, :] - t[:, :, :-1, :]
            loss = loss + (dx(rec) - dx(target)).abs().mean() + (dy(rec) - dy(target)).abs().mean()
        return loss

    def reconstruction_loss(self, images, big, small, part_rec, part):
        target = downscale(images, self.decoded)
        part_target = downscale(quadrant(images, part), self.decoded)
        return self.distance(big, target) + self.distance(small, target) + self.distance(part_rec, part_target)


def load_engine_state(module, tensors, prefix):
    """Copies the C# engine's tensors (name → tensor) into a module. Spectral norm: weight → weight_orig, u → weight_u,
    v → weight_v; the C# Linear equivalents are reshaped to the convs they stand for. Returns the names used."""
    used = set()
    with torch.no_grad():
        for name, target in module.state_dict().items():
            source_name = name.replace("weight_orig", "weight").replace("weight_u", "u").replace("weight_v", "v")
            source = tensors[f"{prefix}.{source_name}"]
            used.add(f"{prefix}.{source_name}")
            if name.startswith("project.weight_orig"):
                source = source.permute(1, 0, 2, 3)  # (2C, nz, 4, 4) → ConvTranspose2d's (nz, 2C, 4, 4)
            target.copy_(source.reshape(target.shape).to(target.dtype))
    return used
