namespace GanService.Domain.Imaging;

/// <summary>
/// Animated GIF (GIF89a) writer. SkiaSharp decodes GIF but has no GIF encoder, and ImageSharp is not an option
/// (docs/adr/0001-skiasharp-for-images.md), so the format is written by hand; it is small and fixed.
/// </summary>
/// <remarks>
/// Layout: header, logical screen descriptor with one 256-entry global colour table, the NETSCAPE2.0 loop
/// extension when looping, then per frame a Graphic Control Extension (delay) and a full-canvas image with
/// LZW data, then the 0x3B trailer. Every frame is a full opaque frame: the animations are short interpolations
/// of small images, so frame differencing or transparency tricks would save little and add failure modes.
/// </remarks>
public static class GifEncoder
{
    /// <summary>GIF delays are 16-bit hundredths of a second.</summary>
    public const int MaxFrameDelayMilliseconds = ushort.MaxValue * 10;

    // Browsers treat delays of 0 or 1 hundredths as "unspecified" and show such frames
    // for 100 ms, so a requested 10 ms animation would play ten times slower than asked; 2 is the fastest that is honoured.
    private const int MinDelayCentiseconds = 2;

    // Both palettes have 256 entries, so every pixel is one byte and the LZW root alphabet is 8 bits.
    private const int PaletteBits = 8;

    private static readonly byte[] GrayPalette = BuildGrayPalette();
    private static readonly byte[] RgbPalette = BuildRgbPalette(out RgbGrayIndex);

    // Palette index of the ramp gray nearest to (r + g + b) / 3, indexed by r + g + b (0 to 765).
    private static readonly byte[] RgbGrayIndex;

    /// <summary>Encodes <paramref name="frames"/> as one animated GIF.</summary>
    /// <param name="frames">At least one frame; all the same width, height and channel count.</param>
    /// <param name="frameDelayMilliseconds">
    /// Time each frame is shown, 0 to <see cref="MaxFrameDelayMilliseconds"/>; rounded to hundredths of a second and
    /// raised to 20 ms (see <see cref="MinDelayCentiseconds"/>).
    /// </param>
    /// <param name="loop">Repeat forever (NETSCAPE2.0 extension); otherwise the animation plays once.</param>
    /// <remarks>
    /// Gray frames use a 256-level gray palette and round-trip exactly. RGB frames are mapped to a fixed palette,
    /// the 6×6×6 web-safe colour cube plus 40 extra grays, by nearest colour (Euclidean RGB) without dithering.
    /// A fixed palette rather than a per-animation one (median cut, octree) keeps the encoder single-pass and makes
    /// every frame use identical colours, so an interpolation does not flicker as an adaptive palette shifts; the
    /// price is a colour error no larger than to the nearest cube colour (at most 25.5 per channel, about 44 in RGB
    /// distance), which these small previews tolerate. The extra grays matter because GAN samples are often near-gray,
    /// where the cube alone has only 6 levels.
    /// </remarks>
    public static byte[] EncodeAnimation(IReadOnlyList<PixelImage> frames, int frameDelayMilliseconds, bool loop = true)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0)
        {
            throw new ArgumentException("at least one frame is needed", nameof(frames));
        }

        if (frameDelayMilliseconds is < 0 or > MaxFrameDelayMilliseconds)
        {
            throw new ArgumentOutOfRangeException(
                nameof(frameDelayMilliseconds),
                frameDelayMilliseconds,
                $"frame delay must be between 0 and {MaxFrameDelayMilliseconds} ms (GIF stores 16-bit hundredths of a second)");
        }

        var first = frames[0] ?? throw new ArgumentException("frame 0 is null", nameof(frames));
        if (first.Width > ushort.MaxValue || first.Height > ushort.MaxValue)
        {
            throw new ArgumentException(
                $"frames are {first.Width}x{first.Height}, but GIF allows at most {ushort.MaxValue} pixels per side", nameof(frames));
        }

        for (var i = 1; i < frames.Count; i++)
        {
            var frame = frames[i] ?? throw new ArgumentException($"frame {i} is null", nameof(frames));
            if (frame.Width != first.Width || frame.Height != first.Height || frame.Channels != first.Channels)
            {
                throw new ArgumentException(
                    $"frame {i} is {frame.Width}x{frame.Height}x{frame.Channels}, but frame 0 is {first.Width}x{first.Height}x{first.Channels}; all frames must match",
                    nameof(frames));
            }
        }

        var delay = Math.Max(MinDelayCentiseconds, (frameDelayMilliseconds + 5) / 10);
        var pixelCount = first.Width * first.Height;

        // LZW on real images typically lands well under a byte per pixel; the guess only avoids early regrowth.
        var output = new ByteBuffer(1024 + (frames.Count * (pixelCount + 32) / 2));
        WriteHeader(output, first.Width, first.Height, first.Channels == 1 ? GrayPalette : RgbPalette, loop);

        var lzw = new LzwEncoder();
        var indices = first.Channels == 1 ? null : new byte[pixelCount];
        foreach (var frame in frames)
        {
            WriteFrameHeader(output, frame.Width, frame.Height, delay);
            ReadOnlySpan<byte> frameIndices;
            if (indices is null)
            {
                // The gray palette is the identity ramp, so the pixels are already palette indices.
                frameIndices = frame.Pixels;
            }
            else
            {
                MapToRgbPalette(frame.Pixels, indices);
                frameIndices = indices;
            }

            output.Add(PaletteBits);
            lzw.Compress(frameIndices, PaletteBits, output);
        }

        output.Add(0x3B);
        return output.ToArray();
    }

    /// <summary>The palette index <see cref="EncodeAnimation"/> uses for an RGB colour.</summary>
    internal static int NearestRgbPaletteIndex(byte red, byte green, byte blue)
    {
        // Nearest point of the cube: rounding each channel to the nearest multiple of 51 is exact because the
        // cube is a product grid, so per-channel nearest is Euclidean nearest.
        int ri = (red + 25) / 51, gi = (green + 25) / 51, bi = (blue + 25) / 51;
        int dr = red - (ri * 51), dg = green - (gi * 51), db = blue - (bi * 51);
        var cubeDistance = (dr * dr) + (dg * dg) + (db * db);

        // Nearest gray: the squared distance to gray level v is 3(v - mean)² plus a constant, so the ramp entry
        // nearest the exact mean is the nearest gray. The table is indexed by the sum, because rounding the mean
        // first can pick the wrong neighbour (mean 105.3 rounds to 105, midway between 102 and 108).
        var grayIndex = RgbGrayIndex[red + green + blue];
        var gray = RgbPalette[grayIndex * 3];
        int er = red - gray, eg = green - gray, eb = blue - gray;
        var grayDistance = (er * er) + (eg * eg) + (eb * eb);

        return grayDistance < cubeDistance ? grayIndex : (ri * 36) + (gi * 6) + bi;
    }

    /// <summary>The fixed RGB palette, 256 entries of R, G, B (for tests).</summary>
    internal static ReadOnlySpan<byte> RgbPaletteEntries => RgbPalette;

    private static void MapToRgbPalette(byte[] pixels, byte[] indices)
    {
        for (int i = 0, s = 0; i < indices.Length; i++, s += 3)
        {
            indices[i] = (byte)NearestRgbPaletteIndex(pixels[s], pixels[s + 1], pixels[s + 2]);
        }
    }

    private static void WriteHeader(ByteBuffer output, int width, int height, byte[] palette, bool loop)
    {
        output.Add("GIF89a"u8);
        output.AddUInt16(width);
        output.AddUInt16(height);
        // Global colour table present (0x80), 8 bits of colour resolution (0x70), table of 2^(7+1) = 256 entries (0x07).
        output.Add(0xF7);
        output.Add(0); // background colour index: irrelevant, every frame covers the whole canvas
        output.Add(0); // no pixel aspect ratio
        output.Add(palette);

        if (loop)
        {
            // Application extension NETSCAPE2.0, sub-block 1 = loop count, 0 = forever.
            output.Add([0x21, 0xFF, 11]);
            output.Add("NETSCAPE2.0"u8);
            output.Add([3, 1, 0, 0, 0]);
        }
    }

    private static void WriteFrameHeader(ByteBuffer output, int width, int height, int delayCentiseconds)
    {
        // Graphic Control Extension: disposal 1 (leave the frame in place; the next frame covers it fully anyway),
        // no user input, no transparent colour.
        output.Add([0x21, 0xF9, 4, 1 << 2]);
        output.AddUInt16(delayCentiseconds);
        output.Add(0); // transparent colour index, unused
        output.Add(0); // block terminator

        // Image descriptor: the full canvas at (0, 0), no local colour table, not interlaced.
        output.Add(0x2C);
        output.AddUInt16(0);
        output.AddUInt16(0);
        output.AddUInt16(width);
        output.AddUInt16(height);
        output.Add(0);
    }

    private static byte[] BuildGrayPalette()
    {
        var palette = new byte[256 * 3];
        for (var i = 0; i < 256; i++)
        {
            palette[i * 3] = palette[(i * 3) + 1] = palette[(i * 3) + 2] = (byte)i;
        }

        return palette;
    }

    private static byte[] BuildRgbPalette(out byte[] grayIndex)
    {
        var palette = new byte[256 * 3];
        var entry = 0;
        for (var r = 0; r < 6; r++)
        {
            for (var g = 0; g < 6; g++)
            {
                for (var b = 0; b < 6; b++, entry++)
                {
                    palette[entry * 3] = (byte)(r * 51);
                    palette[(entry * 3) + 1] = (byte)(g * 51);
                    palette[(entry * 3) + 2] = (byte)(b * 51);
                }
            }
        }

        // The cube holds the grays 0, 51, ..., 255; the 40 spare entries put 8 more into each of the 5 gaps,
        // so the gray ramp has 46 levels at most 6 apart (error at most 3).
        var ramp = new List<(byte Level, byte Index)>();
        for (var step = 0; step < 6; step++)
        {
            ramp.Add(((byte)(step * 51), (byte)(step * (36 + 6 + 1))));
        }

        for (var gap = 0; gap < 5; gap++)
        {
            for (var j = 1; j <= 8; j++, entry++)
            {
                var level = (byte)((gap * 51) + (int)Math.Round(51.0 * j / 9));
                palette[entry * 3] = palette[(entry * 3) + 1] = palette[(entry * 3) + 2] = level;
                ramp.Add((level, (byte)entry));
            }
        }

        grayIndex = new byte[(3 * 255) + 1];
        for (var sum = 0; sum < grayIndex.Length; sum++)
        {
            grayIndex[sum] = ramp.MinBy(g => Math.Abs((3 * g.Level) - sum)).Index;
        }

        return palette;
    }

    /// <summary>
    /// GIF's variable-width LZW: codes start at palette bits + 1, grow to 12 bits, and a clear code resets the
    /// table when all 4096 codes are used. The string table is an open-addressed hash of (prefix code, next index)
    /// pairs, so each pixel costs one probe instead of building and hashing strings.
    /// </summary>
    internal sealed class LzwEncoder
    {
        private const int MaxCodeBits = 12;
        private const int MaxCodes = 1 << MaxCodeBits;

        // Power of two over twice the 4096 codes: the load stays under one half, so probe chains stay short,
        // and clearing it on a table reset is cheap (32 KiB) unlike a direct 4096×256 trie.
        private const int HashBits = 13;
        private const int HashSize = 1 << HashBits;

        private readonly int[] keys = new int[HashSize];
        private readonly short[] codes = new short[HashSize];

        private ByteBuffer output = null!;
        private int codeSize;
        private ulong bitBuffer;
        private int bitCount;
        private int blockLengthAt;
        private int blockLength;

        /// <summary>Clear codes emitted because the table filled up, over all calls (the initial clear is not counted).</summary>
        public int TableResets { get; private set; }

        /// <summary>Writes the LZW data of one image as sub-blocks, including the zero-length terminator.</summary>
        public void Compress(ReadOnlySpan<byte> indices, int rootBits, ByteBuffer target)
        {
            output = target;
            bitBuffer = 0;
            bitCount = 0;
            blockLength = 0;

            var clearCode = 1 << rootBits;
            var endCode = clearCode + 1;
            codeSize = rootBits + 1;
            var nextCode = endCode + 1;
            Array.Fill(keys, -1);

            // A leading clear code is optional but expected by some decoders.
            Emit(clearCode);

            int prefix = indices[0];
            for (var i = 1; i < indices.Length; i++)
            {
                int symbol = indices[i];
                var key = (prefix << 8) | symbol;
                var slot = Hash(key);
                // Linear probing until the key or an empty slot (-1) turns up.
                while (keys[slot] != key && keys[slot] >= 0)
                {
                    slot = (slot + 1) & (HashSize - 1);
                }

                if (keys[slot] == key)
                {
                    prefix = codes[slot];
                    continue;
                }

                Emit(prefix);
                // The decoder adds a table entry one code later than the encoder, so it widens its codes when the
                // code *after* the one that fills the current width is read; widening here, after emitting and
                // before adding, keeps the two in step.
                GrowIfNeeded(nextCode);
                if (nextCode < MaxCodes)
                {
                    keys[slot] = key;
                    codes[slot] = (short)nextCode;
                    nextCode++;
                }
                else
                {
                    // Table full: start over rather than keep using a table tuned to earlier parts of the image.
                    Emit(clearCode);
                    Array.Fill(keys, -1);
                    codeSize = rootBits + 1;
                    nextCode = endCode + 1;
                    TableResets++;
                }

                prefix = symbol;
            }

            Emit(prefix);
            GrowIfNeeded(nextCode);
            Emit(endCode);

            if (bitCount > 0)
            {
                PutByte((byte)bitBuffer);
            }

            if (blockLength > 0)
            {
                output[blockLengthAt] = (byte)blockLength;
            }

            output.Add(0); // block terminator
            output = null!;
        }

        private static int Hash(int key) => (int)(((uint)key * 2654435761u) >> (32 - HashBits));

        private void GrowIfNeeded(int nextCode)
        {
            if (nextCode == 1 << codeSize && codeSize < MaxCodeBits)
            {
                codeSize++;
            }
        }

        private void Emit(int code)
        {
            // Codes are packed least significant bit first.
            bitBuffer |= (ulong)code << bitCount;
            bitCount += codeSize;
            while (bitCount >= 8)
            {
                PutByte((byte)bitBuffer);
                bitBuffer >>= 8;
                bitCount -= 8;
            }
        }

        private void PutByte(byte value)
        {
            // Data sub-blocks hold at most 255 bytes behind a length byte; the length is patched in when the block
            // closes, and a block is only opened when a byte arrives, so no empty block precedes the terminator.
            if (blockLength == 0)
            {
                blockLengthAt = output.Length;
                output.Add(0);
            }

            output.Add(value);
            if (++blockLength == 255)
            {
                output[blockLengthAt] = 255;
                blockLength = 0;
            }
        }
    }

    /// <summary>A growable byte array; cheaper per byte than MemoryStream.WriteByte and allows patching.</summary>
    internal sealed class ByteBuffer(int capacity)
    {
        private byte[] buffer = new byte[Math.Max(16, capacity)];

        public int Length { get; private set; }

        public byte this[int index]
        {
            set => buffer[index] = value;
        }

        public void Add(byte value)
        {
            if (Length == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            buffer[Length++] = value;
        }

        public void Add(ReadOnlySpan<byte> values)
        {
            if (Length + values.Length > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, Length + values.Length));
            }

            values.CopyTo(buffer.AsSpan(Length));
            Length += values.Length;
        }

        public void AddUInt16(int value)
        {
            Add((byte)value);
            Add((byte)(value >> 8));
        }

        public byte[] ToArray() => buffer.AsSpan(0, Length).ToArray();
    }
}
